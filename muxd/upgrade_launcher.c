/*
 * upgrade_launcher.c — the launcher process (upgrade_launcher.h). It
 * runs outside the event loop and before any thread: plain blocking
 * calls, no log module (it writes to stderr, which it shares with muxd).
 */
#include "muxd/upgrade_launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "muxd/lib/xalloc.h"

#define REAP_POLL_MS 100

char *launcher_exe_path(const char *argv0)
{
	char buf[PATH_MAX];

	if (argv0 && strchr(argv0, '/'))
		return realpath(argv0, NULL);
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* muxd's arguments for the new process: argv without any "--takeover N"
 * (or "--takeover=N"), then "--takeover 3". */
static char **takeover_argv(const char *exe, char **argv)
{
	size_t n = 0;

	while (argv[n])
		n++;
	char **out = xcalloc(n + 3, sizeof *out);
	size_t k = 0;
	out[k++] = (char *)exe;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(argv[i], "--takeover") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--takeover=", 11) == 0)
			continue;
		out[k++] = argv[i];
	}
	out[k++] = "--takeover";
	out[k++] = "3";
	out[k] = NULL;
	return out;
}

static void reply(int sock, uint32_t type, uint32_t value)
{
	struct launcher_msg m = { type, value };

	if (send(sock, &m, sizeof m, MSG_NOSIGNAL) < 0)
		_exit(0);       /* muxd is gone */
}

/* Receives nfds descriptors into fds; false (those received closed) if
 * muxd sends something else. */
static bool receive_fds(int sock, int *fds, size_t nfds)
{
	size_t got = 0;

	while (got < nfds) {
		struct launcher_msg m;
		struct iovec iov = { &m, sizeof m };
		union {
			char buf[CMSG_SPACE(LAUNCHER_FDS_PER_MSG * sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = u.buf, .msg_controllen = sizeof u.buf };
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		if (n != (ssize_t)sizeof m || m.type != LAUNCHER_FDS || c == NULL ||
		    c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    (msg.msg_flags & MSG_CTRUNC))
			goto bad;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (k != m.value || k > nfds - got) {
			int *extra = (int *)CMSG_DATA(c);
			for (size_t i = 0; i < k; i++)
				close(extra[i]);
			goto bad;
		}
		memcpy(fds + got, CMSG_DATA(c), k * sizeof(int));
		got += k;
	}
	return true;
bad:
	for (size_t i = 0; i < got; i++)
		close(fds[i]);
	return false;
}

/* In the child: fds[i] becomes LAUNCHER_FIRST_FD + i. Each goes above the
 * targets first, so no target overwrites a descriptor still to move. */
static void place_fds(int *fds, size_t nfds)
{
	int above = LAUNCHER_FIRST_FD + (int)nfds;

	for (size_t i = 0; i < nfds; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, above)) < 0)
			_exit(126);
	for (size_t i = 0; i < nfds; i++)
		if (dup2(fds[i], LAUNCHER_FIRST_FD + (int)i) < 0)
			_exit(126);
}

static pid_t launch(int sock, const char *exe, char **args, size_t nfds)
{
	int *fds = calloc(nfds, sizeof *fds);

	if (fds == NULL || !receive_fds(sock, fds, nfds)) {
		free(fds);
		reply(sock, LAUNCHER_FAILED, EPROTO);
		return 0;
	}
	pid_t pid = fork();
	if (pid == 0) {
		place_fds(fds, nfds);
		signal(SIGHUP, SIG_DFL);
		execv(exe, args);
		fprintf(stderr, "muxd launcher: cannot execute %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	int err = errno;
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	free(fds);
	if (pid < 0) {
		reply(sock, LAUNCHER_FAILED, (uint32_t)err);
		return 0;
	}
	reply(sock, LAUNCHER_PID, (uint32_t)pid);
	return pid;
}

static void launcher_main(int sock, const char *exe, char **args)
{
	pid_t child = 0;

	for (;;) {
		struct pollfd pfd = { sock, POLLIN, 0 };
		int r = poll(&pfd, 1, child > 0 ? REAP_POLL_MS : -1);
		int status;
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			reply(sock, LAUNCHER_EXITED, (uint32_t)status);
			child = 0;
		}
		if (r < 0 && errno != EINTR)
			_exit(1);
		if (r <= 0)
			continue;
		struct launcher_msg m;
		ssize_t n = recv(sock, &m, sizeof m, 0);
		if (n <= 0)
			_exit(0);               /* muxd closed its end: it is gone */
		if (n != (ssize_t)sizeof m || m.type != LAUNCHER_EXEC || m.value == 0 ||
		    m.value > LAUNCHER_MAX_FDS || child > 0)
			reply(sock, LAUNCHER_FAILED, EINVAL);
		else
			child = launch(sock, exe, args, m.value);
	}
}

int launcher_start(const char *exe, char **argv, pid_t *pid, char *why, size_t why_len)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(why, why_len, "upgrade launcher: socketpair: %s", strerror(errno));
		return -1;
	}
	char **args = takeover_argv(exe, argv);
	fflush(NULL);
	*pid = fork();
	if (*pid < 0) {
		snprintf(why, why_len, "upgrade launcher: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(args);
		return -1;
	}
	if (*pid == 0) {
		/* Nothing of muxd's but stdin, stdout, stderr and the socket. */
		if (dup2(sv[1], LAUNCHER_FIRST_FD) < 0)
			_exit(1);
		close_range(LAUNCHER_FIRST_FD + 1, ~0U, 0);
		fcntl(LAUNCHER_FIRST_FD, F_SETFD, FD_CLOEXEC);
		signal(SIGHUP, SIG_IGN);        /* a reload is muxd's, not ours */
		launcher_main(LAUNCHER_FIRST_FD, exe, args);
		_exit(0);
	}
	free(args);
	close(sv[1]);
	return sv[0];
}
