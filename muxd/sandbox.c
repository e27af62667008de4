/*
 * sandbox.c — the seccomp allowlist (sandbox.h).
 *
 * The list is what muxd calls after start-up, found in the code and in
 * `strace -f -c` of muxd under the integration tests (sessions, API,
 * stream, MRT, BMP, sqlite, reload, the data plane's netlink, route dumps),
 * plus what glibc, libevent, sqlite and zlib call on paths those runs may
 * not reach (out-of-memory, abort, a thread's end). A call missing here
 * kills muxd at once with SIGSYS, which the kernel logs with its number:
 * add it here, with the reason.
 */
#include "muxd/sandbox.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char *const allowed[] = {
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* the event loop, signals, time */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "poll", "ppoll",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"restart_syscall", "clock_gettime", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "eventfd2", "pipe2", "sysinfo", "uname",
	"getrusage", "prlimit64", "getrandom", "setpriority",
	/* threads (the MRT writer, reniced: setpriority), forked route and
	 * table dumps */
	"futex", "set_robust_list", "rseq", "gettid", "getpid", "tgkill",
	"sched_yield", "exit", "exit_group", "wait4", "kill",
	/* sockets: BGP, API, stream, BMP, netlink, syslog */
	"accept", "accept4", "bind", "listen", "connect", "shutdown",
	"getsockname", "getpeername", "getsockopt", "setsockopt", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "ioctl",
	/* descriptors and files: state_dir, sqlite, MRT, routes.json, token */
	"read", "readv", "write", "writev", "pread64", "pwrite64", "lseek",
	"close", "close_range", "dup", "dup2", "dup3", "fcntl", "flock",
	"openat", "newfstatat", "fstat", "statx", "fstatfs", "access",
	"faccessat", "faccessat2", "getdents64", "mkdir", "mkdirat", "unlink",
	"unlinkat", "rename", "renameat", "renameat2", "readlink", "readlinkat",
	"ftruncate", "fallocate", "fsync", "fdatasync", "fchmod", "fchown",
	"umask", "getcwd",
	/* an upgrade in place: the state it hands over (muxd/upgrade.c) */
	"memfd_create",
	/* who am I (sqlite, glibc) */
	"getuid", "geteuid", "getgid", "getegid",
};

/* Namespaces are how a process escapes its view of the system: no clone
 * of muxd makes one (threads and fork never ask). */
#define CLONE_NAMESPACES (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | \
    CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

static int allow_clone_and_sockets(scmp_filter_ctx ctx)
{
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NAMESPACES, 0));

	/* clone3 passes its flags in memory the filter cannot read: glibc
	 * falls back to clone on ENOSYS. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	for (size_t i = 0; rc == 0 && i < sizeof families / sizeof *families; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]));
	return rc;
}

static int allow_list(scmp_filter_ctx ctx, char *why, size_t why_len)
{
	for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;       /* not on this architecture (e.g. "time") */
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0) {
			snprintf(why, why_len, "seccomp: cannot allow %s: %s",
			    allowed[i], strerror(-rc));
			return rc;
		}
	}
	int rc = allow_clone_and_sockets(ctx);
	if (rc < 0)
		snprintf(why, why_len, "seccomp: cannot add the clone and socket "
		    "rules: %s", strerror(-rc));
	return rc;
}

bool sandbox_apply(char *why, size_t why_len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc;

	if (ctx == NULL) {
		snprintf(why, why_len, "seccomp: cannot make a filter (out of memory)");
		return false;
	}
	/* every thread, not only this one: the MRT writer runs already */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc < 0)
		snprintf(why, why_len, "seccomp: no thread synchronisation: %s",
		    strerror(-rc));
	if (rc == 0)
		rc = allow_list(ctx, why, why_len);
	if (rc == 0 && (rc = seccomp_load(ctx)) < 0)
		snprintf(why, why_len, "seccomp: the kernel refuses the filter: %s",
		    strerror(-rc));
	seccomp_release(ctx);
	return rc == 0;
}
