/*
 * upgrade_takeover.c — taking over from the muxd this one replaces
 * (upgrade_takeover.h).
 */
#include "muxd/upgrade_takeover.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "muxd/engine/listen_pool.h"
#include "muxd/handover_state.h"
#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/lib/log.h"
#include "muxd/lib/statelock.h"
#include "muxd/lib/untrusted.h"
#include "muxd/lib/wbuf.h"
#include "muxd/lib/xalloc.h"
#include "muxd/upgrade.h"

/* A state larger than this is not one muxd wrote. */
#define TAKEOVER_MAX_STATE (1u << 30)

static uint8_t *read_state(int fd, size_t *len, char *why, size_t why_len)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0 || sb.st_size <= 0 || (uint64_t)sb.st_size > TAKEOVER_MAX_STATE) {
		snprintf(why, why_len, "descriptor %d holds no state (%s)", fd,
		    errno ? strerror(errno) : "empty or too large");
		return NULL;
	}
	*len = (size_t)sb.st_size;
	uint8_t *buf = malloc(*len);
	size_t off = 0;
	while (buf && off < *len) {
		ssize_t n = pread(fd, buf + off, *len - off, (off_t)off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (buf == NULL || off != *len) {
		snprintf(why, why_len, "cannot read the state (%zu of %zu bytes)", off, *len);
		free(buf);
		return NULL;
	}
	return buf;
}

static bool fds_open(int first_fd, unsigned n, char *why, size_t why_len)
{
	for (unsigned i = 0; i < n; i++) {
		if (fcntl(first_fd + (int)i, F_GETFD) < 0) {
			snprintf(why, why_len, "descriptor %d of the %u handed over is not open",
			    first_fd + (int)i, n);
			return false;
		}
	}
	return true;
}

/* The handed-over socket listens where the state says; it goes to the
 * pool, or is closed. */
static bool adopt_listener(int fd, const struct sockaddr_mux *want)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct sockaddr_mux got;
	int v = 0;
	socklen_t vl = sizeof v;
	char a[64];

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) < 0 || v != 1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    !sockaddr_from((struct sockaddr *)&ss, sl, &got) || !sockaddr_equal(&got, want)) {
		log_warnx("upgrade: descriptor %d is not the listener on %s port %u the state "
		    "names: closed", fd, sockaddr_ntop(want, a, sizeof a), sockaddr_port(want));
		close(fd);
		return false;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return listen_pool_add(fd, want);
}

static bool named(const struct handover_state *st, unsigned i)
{
	for (size_t k = 0; k < st->nlisteners; k++)
		if (st->listeners[k].fd_index == i)
			return true;
	for (size_t k = 0; k < st->nsessions; k++)
		if (st->sessions[k].fd_index == i)
			return true;
	return false;
}

/* Descriptors no record named (a newer writer's): closed. */
static void close_unnamed(int first_fd, const struct handover_state *st)
{
	for (unsigned i = UPGRADE_FD_FIRST_LISTENER; i < st->nfds; i++) {
		if (!named(st, i)) {
			log_warnx("upgrade: descriptor %d was handed over with nothing said of "
			    "it: closed", first_fd + (int)i);
			close(first_fd + (int)i);
		}
	}
}

/* The sessions' connections wait for their owners (upgrade_takeover_take). */
static void keep_sessions(struct upgrade_takeover *t)
{
	t->fds = xcalloc(t->st.nsessions ? t->st.nsessions : 1, sizeof *t->fds);
	for (size_t i = 0; i < t->st.nsessions; i++) {
		t->fds[i] = t->first_fd + t->st.sessions[i].fd_index;
		fcntl(t->fds[i], F_SETFD, FD_CLOEXEC);
	}
}

bool upgrade_takeover_read(int first_fd, struct upgrade_takeover *t, char *why,
    size_t why_len)
{
	size_t len;
	uint8_t *buf = read_state(first_fd + UPGRADE_FD_STATE, &len, why, why_len);
	struct handover_state *st = &t->st;

	memset(t, 0, sizeof *t);
	t->ready_fd = t->lock_fd = -1;
	t->first_fd = first_fd;
	if (buf == NULL)
		return false;
	if (!handover_state_decode(buf, len, st, why, why_len)) {
		free(buf);
		return false;
	}
	if (st->nfds <= UPGRADE_FD_LOCK || !fds_open(first_fd, st->nfds, why, why_len)) {
		if (st->nfds <= UPGRADE_FD_LOCK)
			snprintf(why, why_len, "%u descriptors handed over: no state lock", st->nfds);
		handover_state_release(st);
		free(buf);
		return false;
	}
	t->state = buf;
	close(first_fd + UPGRADE_FD_STATE);
	t->generation = st->generation;
	t->started = (time_t)st->started;
	t->ready_fd = first_fd + UPGRADE_FD_READY;
	fcntl(t->ready_fd, F_SETFD, FD_CLOEXEC);
	t->lock_fd = first_fd + UPGRADE_FD_LOCK;
	statelock_adopt(t->lock_fd);
	for (size_t i = 0; i < st->nlisteners; i++)
		t->listeners += adopt_listener(first_fd + st->listeners[i].fd_index,
		    &st->listeners[i].addr);
	close_unnamed(first_fd, st);
	keep_sessions(t);
	log_info("upgrade: taking over from muxd pid %u (generation %u): %zu listening "
	    "sockets, %zu sessions, %zu views", st->old_pid, st->generation, t->listeners,
	    st->nsessions, st->nviews);
	return true;
}

int upgrade_takeover_take(struct upgrade_takeover *t, size_t i)
{
	int fd = t->fds[i];

	t->fds[i] = -1;
	return fd;
}

void upgrade_takeover_close(const struct handover_session *r, int fd, uint8_t subcode,
    const char *why)
{
	char owner[sizeof r->owner * 4], inst[sizeof r->instance * 4];
	uint8_t msg[BGP_HEADER_LEN + 2];
	struct wbuf w = wbuf_make(msg, sizeof msg);
	/* Bytes the old process left unwritten may end in the middle of a
	 * message: a NOTIFICATION after them would be read as its rest. */
	bool clean = r->unwritten_len == 0;

	untrusted_log_escape(owner, sizeof owner, r->owner);
	untrusted_log_escape(inst, sizeof inst, r->instance);
	log_warnx("upgrade: the session of %s%s%s is not taken over (%s): %s, the "
	    "neighbor connects again", owner, inst[0] ? " on instance " : "", inst, why,
	    clean ? "Cease sent" : "closed without a NOTIFICATION (a message was half written)");
	if (clean && bgp_notification_encode(&w, BGP_ERR_CEASE, subcode, NULL, 0) &&
	    send(fd, msg, w.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("upgrade: Cease to %s not sent: %s", owner, strerror(errno));
	close(fd);
}

void upgrade_takeover_done(struct upgrade_takeover *t)
{
	for (size_t i = 0; i < t->st.nsessions; i++) {
		if (t->fds[i] < 0)
			continue;
		upgrade_takeover_close(&t->st.sessions[i], t->fds[i],
		    BGP_CEASE_PEER_DECONFIGURED, "nothing here takes it");
	}
	free(t->fds);
	t->fds = NULL;
	handover_state_release(&t->st);
	memset(&t->st, 0, sizeof t->st);
	free(t->state);
	t->state = NULL;
}

static void answer(int fd, const char *line)
{
	size_t len = strlen(line);

	if (write(fd, line, len) != (ssize_t)len)
		log_warnx("upgrade: cannot answer the old muxd: %s", strerror(errno));
}

void upgrade_takeover_refuse(int first_fd, const char *why)
{
	char line[600];

	snprintf(line, sizeof line, "refused: %s\n", why);
	for (char *p = line; p[1]; p++)
		if (*p == '\n')
			*p = ' ';
	answer(first_fd + UPGRADE_FD_READY, line);
}

static void report_unclaimed(const struct sockaddr_mux *a)
{
	char text[64];

	log_info("upgrade: the handed-over listener on %s port %u is not configured any "
	    "more: closed", sockaddr_ntop(a, text, sizeof text), sockaddr_port(a));
}

void upgrade_takeover_ready(struct upgrade_takeover *t)
{
	listen_pool_close_rest(report_unclaimed);
	if (t->ready_fd < 0)
		return;
	answer(t->ready_fd, "ready\n");
	close(t->ready_fd);
	t->ready_fd = -1;
}
