/*
 * upgrade.c — the old process's side of an upgrade in place (upgrade.h).
 */
#include "muxd/upgrade.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "muxd/engine/accept_guard.h"
#include "muxd/handover_state.h"
#include "muxd/lib/log.h"
#include "muxd/lib/untrusted.h"
#include "muxd/lib/xalloc.h"
#include "muxd/sdnotify.h"
#include "muxd/upgrade_launcher.h"

/* After the new process closed its pipe without a word: how long its
 * exit status may take to come from the launcher. */
#define UPGRADE_EXIT_GRACE_SECS 2
/* How often the frozen sessions' queues are looked at. */
#define UPGRADE_FLUSH_POLL_USEC 10000

struct upgrade {
	struct event_base *base;
	struct upgrade_ops ops;
	int launcher_fd, lock_fd;
	pid_t launcher_pid;
	uint32_t generation;
	struct event *launcher_ev, *ready_ev, *deadline_ev;
	struct event *flush_ev;         /* polls the frozen sessions' queues */
	struct timespec flush_start;
	bool busy;
	pid_t child;                    /* the new process, once the launcher said */
	int ready_fd;                   /* the pipe's read end, -1 when closed */
	char answer[512];
	size_t answer_len;
};

/* ---- the state and the descriptors ------------------------------------- */

uint16_t upgrade_fds_add(struct upgrade_fds *l, int fd)
{
	l->fds = xgrow_array(l->fds, &l->cap, l->n + 1, sizeof *l->fds);
	l->fds[l->n] = fd;
	return (uint16_t)l->n++;
}

/* A TCP socket listening on IPv4 or IPv6, and where. */
static bool is_listener(int fd, struct sockaddr_mux *addr)
{
	int v = 0;
	socklen_t len = sizeof v;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) < 0 || v != 1)
		return false;
	len = sizeof v;
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) < 0 || v != IPPROTO_TCP)
		return false;
	return getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    sockaddr_from((struct sockaddr *)&ss, sl, addr);
}

/* Every listening socket of the process, whoever made it (the daemon's
 * BGP listeners, the instances', the API's): found by looking. */
static bool collect_listeners(struct handover_state *st, struct upgrade_fds *fds)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;

	if (dir == NULL)
		return false;
	while ((e = readdir(dir)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		struct sockaddr_mux a;
		if (*end || end == e->d_name || fd == dirfd(dir) || !is_listener((int)fd, &a))
			continue;
		if (st->nlisteners >= HANDOVER_MAX_LISTENERS)
			break;
		st->listeners[st->nlisteners].addr = a;
		st->listeners[st->nlisteners++].fd_index = upgrade_fds_add(fds, (int)fd);
	}
	closedir(dir);
	return true;
}

/* The state in a sealed memfd: the new process reads exactly what was
 * written, and nothing can change it after. -1 with errno. */
static int state_memfd(const struct handover_state *st)
{
	size_t len = handover_state_size(st);
	uint8_t *buf = xmalloc(len);
	int fd = -1;

	if (handover_state_encode(st, buf, len) != len)
		errno = EOVERFLOW;
	else
		fd = memfd_create("muxd-handover", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	for (size_t off = 0; fd >= 0 && off < len;) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n <= 0) {
			close(fd);
			fd = -1;
		} else {
			off += (size_t)n;
		}
	}
	free(buf);
	if (fd >= 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static bool send_fds(int sock, const int *fds, size_t n)
{
	struct launcher_msg m = { LAUNCHER_EXEC, (uint32_t)n };

	if (send(sock, &m, sizeof m, MSG_NOSIGNAL) != (ssize_t)sizeof m)
		return false;
	for (size_t off = 0; off < n; off += LAUNCHER_FDS_PER_MSG) {
		size_t k = n - off < LAUNCHER_FDS_PER_MSG ? n - off : LAUNCHER_FDS_PER_MSG;
		union {
			char buf[CMSG_SPACE(LAUNCHER_FDS_PER_MSG * sizeof(int))];
			struct cmsghdr align;
		} u;
		struct launcher_msg fm = { LAUNCHER_FDS, (uint32_t)k };
		struct iovec iov = { &fm, sizeof fm };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = u.buf, .msg_controllen = CMSG_SPACE(k * sizeof(int)) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(k * sizeof(int));
		memcpy(CMSG_DATA(c), fds + off, k * sizeof(int));
		if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof fm)
			return false;
	}
	return true;
}

/* Milliseconds since the sessions froze: the log says how long the flush
 * and the state's writing kept them frozen. */
static long ms_frozen(const struct upgrade *u)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - u->flush_start.tv_sec) * 1000 +
	    (now.tv_nsec - u->flush_start.tv_nsec) / 1000000;
}

/* Writes the state and sends it with every descriptor; the pipe's read
 * end in u->ready_fd. False with why. */
static bool hand_over(struct upgrade *u, char *why, size_t why_len)
{
	long flushed_ms = ms_frozen(u);
	struct handover_state st = { .generation = u->generation,
	    .started = (uint64_t)time(NULL), .old_pid = (uint32_t)getpid() };
	struct upgrade_fds fds = { 0 };
	int pipefd[2] = { -1, -1 }, memfd = -1;
	bool ok = false;

	st.listeners = xcalloc(HANDOVER_MAX_LISTENERS, sizeof *st.listeners);
	if (u->lock_fd < 0) {
		snprintf(why, why_len, "no state lock to hand over");
		goto out;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0 || fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0) {
		snprintf(why, why_len, "pipe: %s", strerror(errno));
		goto out;
	}
	upgrade_fds_add(&fds, -1);                   /* UPGRADE_FD_STATE, below */
	upgrade_fds_add(&fds, pipefd[1]);            /* UPGRADE_FD_READY */
	upgrade_fds_add(&fds, u->lock_fd);           /* UPGRADE_FD_LOCK */
	if (!collect_listeners(&st, &fds)) {
		snprintf(why, why_len, "cannot list the descriptors: %s", strerror(errno));
		goto out;
	}
	u->ops.export(&st, &fds, u->ops.arg);
	if (fds.n > HANDOVER_MAX_FDS) {
		snprintf(why, why_len, "%zu descriptors to hand over: too many", fds.n);
		goto out;
	}
	st.nfds = (uint16_t)fds.n;
	if ((memfd = state_memfd(&st)) < 0) {
		snprintf(why, why_len, "cannot write the state: %s", strerror(errno));
		goto out;
	}
	fds.fds[UPGRADE_FD_STATE] = memfd;
	ok = send_fds(u->launcher_fd, fds.fds, fds.n);
	if (!ok)
		snprintf(why, why_len, "cannot reach the launcher: %s", strerror(errno));
	else {
		long frozen_ms = ms_frozen(u);
		log_info("upgrade: handed %zu listening sockets, %zu sessions, %zu views "
		    "and %zu bytes of state to the launcher (frozen %ld ms: flush %ld ms, "
		    "state %ld ms)", st.nlisteners, st.nsessions, st.nviews,
		    handover_state_size(&st), frozen_ms, flushed_ms, frozen_ms - flushed_ms);
	}
out:
	if (memfd >= 0)
		close(memfd);
	if (pipefd[1] >= 0)
		close(pipefd[1]);       /* the new process holds it now */
	u->ready_fd = ok ? pipefd[0] : -1;
	if (!ok && pipefd[0] >= 0)
		close(pipefd[0]);
	free(fds.fds);
	free(st.listeners);
	u->ops.release(&st, u->ops.arg);
	return ok;
}

/* ---- the outcome -------------------------------------------------------- */

static void upgrade_end(struct upgrade *u)
{
	if (u->ready_ev) {
		event_free(u->ready_ev);
		u->ready_ev = NULL;
	}
	if (u->ready_fd >= 0)
		close(u->ready_fd);
	u->ready_fd = -1;
	evtimer_del(u->deadline_ev);
	evtimer_del(u->flush_ev);
	u->busy = false;
	u->child = 0;
	u->answer_len = 0;
}

static void upgrade_failed(struct upgrade *u, const char *why)
{
	if (u->child > 0)
		kill(u->child, SIGKILL);        /* never two muxds serving */
	log_warnx("upgrade failed: %s; this muxd (pid %ld, generation %u) goes on "
	    "serving; the upgrade sent nothing on any session (each sends a "
	    "KEEPALIVE as it runs again)", why, (long)getpid(),
	    u->generation);
	upgrade_end(u);
	u->ops.freeze(false, u->ops.arg);
	accept_guard_pause_all(false);
}

static void upgrade_served(struct upgrade *u)
{
	char note[64];
	pid_t pid = u->child;

	log_info("upgrade: the new muxd (pid %ld, generation %u) serves; this one "
	    "(pid %ld) leaves", (long)pid, u->generation + 1, (long)getpid());
	/* systemd follows the service's main process (NotifyAccess=main: only
	 * the main process may say who the next one is) */
	snprintf(note, sizeof note, "MAINPID=%ld", (long)pid);
	sdnotify(note);
	upgrade_end(u);
	u->ops.served(pid, u->ops.arg);
}

/* The new process's one line on the pipe. */
static void answer_line(struct upgrade *u)
{
	char safe[sizeof u->answer * 4], why[sizeof safe + 64];

	u->answer[u->answer_len] = '\0';
	*strchr(u->answer, '\n') = '\0';
	if (strcmp(u->answer, "ready") == 0) {
		upgrade_served(u);
		return;
	}
	untrusted_log_escape(safe, sizeof safe, u->answer);
	snprintf(why, sizeof why, "the new muxd (pid %ld) says: %s", (long)u->child, safe);
	upgrade_failed(u, why);
}

static void ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upgrade *u = arg;
	(void)what;
	ssize_t n = read(fd, u->answer + u->answer_len, sizeof u->answer - 1 - u->answer_len);

	if (n > 0) {
		u->answer_len += (size_t)n;
		u->answer[u->answer_len] = '\0';
		if (strchr(u->answer, '\n') || u->answer_len == sizeof u->answer - 1) {
			u->answer[u->answer_len - (u->answer_len == sizeof u->answer - 1)] = '\n';
			answer_line(u);
		}
		return;
	}
	if (n < 0 && errno == EAGAIN)
		return;
	/* closed without a word: it has exited, or is about to; the launcher
	 * brings its status soon */
	struct timeval tv = { UPGRADE_EXIT_GRACE_SECS, 0 };
	event_free(u->ready_ev);
	u->ready_ev = NULL;
	evtimer_add(u->deadline_ev, &tv);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upgrade *u = arg;
	char why[160];
	(void)fd;
	(void)what;

	if (u->ready_ev == NULL)
		snprintf(why, sizeof why, "the new muxd (pid %ld) closed its ready pipe "
		    "without saying it serves", (long)u->child);
	else
		snprintf(why, sizeof why, "the new muxd (pid %ld) did not say it serves "
		    "within %d s", (long)u->child, UPGRADE_READY_SECS);
	upgrade_failed(u, why);
}

static void child_ended(struct upgrade *u, int status)
{
	char why[160];

	if (WIFEXITED(status))
		snprintf(why, sizeof why, "the new muxd (pid %ld) exited with status %d "
		    "(its own log lines above say why)", (long)u->child, WEXITSTATUS(status));
	else
		snprintf(why, sizeof why, "the new muxd (pid %ld) was killed by signal %d",
		    (long)u->child, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	u->child = 0;
	upgrade_failed(u, why);
}

static void launcher_gone(struct upgrade *u)
{
	log_warnx("upgrade: the launcher (pid %ld) is gone: upgrades in place are off "
	    "until muxd restarts", (long)u->launcher_pid);
	event_free(u->launcher_ev);
	u->launcher_ev = NULL;
	close(u->launcher_fd);
	u->launcher_fd = -1;
	if (u->busy)
		upgrade_failed(u, "the launcher went away");
}

static void launcher_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upgrade *u = arg;
	struct launcher_msg m;
	char why[160];
	(void)what;

	ssize_t n = recv(fd, &m, sizeof m, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n != (ssize_t)sizeof m) {
		launcher_gone(u);
		return;
	}
	if (!u->busy)
		return;                 /* an old upgrade's news */
	if (m.type == LAUNCHER_PID) {
		u->child = (pid_t)m.value;
		log_info("upgrade: the new muxd runs (pid %ld)", (long)u->child);
	} else if (m.type == LAUNCHER_EXITED && u->child > 0) {
		child_ended(u, (int)m.value);
	} else if (m.type == LAUNCHER_FAILED) {
		snprintf(why, sizeof why, "the launcher could not start the new muxd: %s",
		    strerror((int)m.value));
		upgrade_failed(u, why);
	}
}

static void flush_cb(evutil_socket_t fd, short what, void *arg);

/* ---- the object ----------------------------------------------------------- */

struct upgrade *upgrade_new(struct event_base *base, int launcher_fd, pid_t launcher_pid,
    int lock_fd, uint32_t generation, const struct upgrade_ops *ops)
{
	struct upgrade *u = xcalloc(1, sizeof *u);

	u->base = base;
	u->ops = *ops;
	u->launcher_fd = launcher_fd;
	u->launcher_pid = launcher_pid;
	u->lock_fd = lock_fd;
	u->generation = generation;
	u->ready_fd = -1;
	u->deadline_ev = evtimer_new(base, deadline_cb, u);
	u->flush_ev = evtimer_new(base, flush_cb, u);
	if (launcher_fd >= 0) {
		u->launcher_ev = event_new(base, launcher_fd, EV_READ | EV_PERSIST,
		    launcher_cb, u);
		event_add(u->launcher_ev, NULL);
	}
	return u;
}

void upgrade_free(struct upgrade *u)
{
	if (u == NULL)
		return;
	upgrade_end(u);
	if (u->launcher_ev)
		event_free(u->launcher_ev);
	event_free(u->deadline_ev);
	event_free(u->flush_ev);
	if (u->launcher_fd >= 0)
		close(u->launcher_fd);  /* the launcher sees it and exits */
	free(u);
}

/* The sessions are frozen and have written what they could: hand over. */
static void upgrade_hand_over(struct upgrade *u)
{
	struct timeval tv = { UPGRADE_READY_SECS, 0 };
	char why[300];

	if (!hand_over(u, why, sizeof why)) {
		upgrade_failed(u, why);
		return;
	}
	u->ready_ev = event_new(u->base, u->ready_fd, EV_READ | EV_PERSIST, ready_cb, u);
	event_add(u->ready_ev, NULL);
	evtimer_add(u->deadline_ev, &tv);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upgrade *u = arg;
	struct timeval poll = { 0, UPGRADE_FLUSH_POLL_USEC };
	struct timespec now;
	(void)fd;
	(void)what;

	size_t queued = u->ops.queued(u->ops.arg);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (queued && now.tv_sec - u->flush_start.tv_sec < UPGRADE_FLUSH_SECS) {
		evtimer_add(u->flush_ev, &poll);
		return;
	}
	if (queued)
		log_info("upgrade: %zu bytes still queued on the sessions after %d s: "
		    "the new muxd writes them", queued, UPGRADE_FLUSH_SECS);
	upgrade_hand_over(u);
}

bool upgrade_start(struct upgrade *u, char *why, size_t why_len)
{
	if (u->busy) {
		snprintf(why, why_len, "an upgrade is under way already");
		return false;
	}
	if (u->launcher_fd < 0) {
		snprintf(why, why_len, "no launcher (it could not start, or ended): restart "
		    "muxd instead");
		return false;
	}
	log_info("upgrade: handing over to a new muxd (this one is pid %ld, generation %u)",
	    (long)getpid(), u->generation);
	accept_guard_pause_all(true);
	u->busy = true;
	u->ops.freeze(true, u->ops.arg);
	clock_gettime(CLOCK_MONOTONIC, &u->flush_start);
	/* a timer, not at once: the instances' flushes waiting at the end of
	 * this loop pass put their bytes on the sessions first */
	struct timeval poll = { 0, UPGRADE_FLUSH_POLL_USEC };
	evtimer_add(u->flush_ev, &poll);
	return true;
}

bool upgrade_busy(const struct upgrade *u) { return u && u->busy; }

bool upgrade_reaped(struct upgrade *u, pid_t pid, int status)
{
	(void)status;
	if (u == NULL || pid != u->launcher_pid)
		return false;
	if (u->launcher_fd >= 0)
		launcher_gone(u);
	return true;
}
