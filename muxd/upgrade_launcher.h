/*
 * upgrade_launcher.h — the one process of muxd that may start a program.
 *
 * muxd's seccomp filter forbids execve (docs/security.md), so an upgrade
 * cannot execute the new binary from muxd itself. Before it drops its
 * privileges and loads the filter, muxd forks this small launcher, which
 * keeps the start privileges, parses nothing and waits on a SOCK_SEQPACKET
 * socketpair. On a request it receives the descriptors to hand over
 * (SCM_RIGHTS, at most LAUNCHER_FDS_PER_MSG a message), forks, moves them
 * to 3, 4, ... in the child and executes the binary muxd was started from
 * with muxd's own arguments and "--takeover 3". It answers with the
 * child's pid, and later with the child's wait status if it ends while
 * the launcher lives. It exits when muxd's end of the socketpair closes.
 *
 * Messages are struct launcher_msg; a request is LAUNCHER_EXEC (value:
 * how many descriptors follow), then LAUNCHER_FDS messages carrying them.
 */
#ifndef BGPMUX_UPGRADE_LAUNCHER_H
#define BGPMUX_UPGRADE_LAUNCHER_H

#include <stdint.h>
#include <sys/types.h>

#define LAUNCHER_FDS_PER_MSG 250        /* under the kernel's SCM_MAX_FD, 253 */
#define LAUNCHER_MAX_FDS 65535
#define LAUNCHER_FIRST_FD 3

enum launcher_type {
	LAUNCHER_EXEC = 1,      /* muxd: value descriptors follow */
	LAUNCHER_FDS = 2,       /* muxd: value descriptors in this message */
	LAUNCHER_PID = 3,       /* launcher: the new process runs, value = pid */
	LAUNCHER_EXITED = 4,    /* launcher: it ended, value = its wait status */
	LAUNCHER_FAILED = 5,    /* launcher: no process started, value = errno */
};

struct launcher_msg {
	uint32_t type;
	uint32_t value;
};

/* Forks the launcher (call before dropping privileges, with no thread
 * running). exe is the binary to run on a request (an absolute path,
 * resolved now: the file may be replaced before the upgrade); argv is
 * muxd's (a "--takeover N" in it is left out). Returns muxd's end of the
 * socketpair (close-on-exec) and sets *pid, or -1 with why. */
int launcher_start(const char *exe, char **argv, pid_t *pid, char *why, size_t why_len);

/* The absolute path of the binary argv0 names: realpath(3) when it has a
 * slash, else what /proc/self/exe says now. NULL if neither resolves. */
char *launcher_exe_path(const char *argv0);

#endif
