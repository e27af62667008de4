/*
 * bgp_blast — the loopback floor of a fan-out: one recorded UPDATE stream
 * written straight to K BGP sessions, as fast as each neighbor takes it.
 *
 * The stream is a file bgp_sink --save wrote while a feeder (mrt_replay)
 * talked to it: the feeder's UPDATE messages byte for byte, after a
 * header that says how the session was negotiated. bgp_blast loads it
 * once, waits for K neighbors (bgp_sink --connect) to reach Established,
 * then writes the same bytes to each of them straight from memory — no
 * decoding, no copy of its own: what is left is the kernel's work and the
 * receivers'. It prints one JSON line on stdout:
 *
 *   {"sessions":16,"messages":89679,"bytes":10282521,
 *    "first_update_at":1700000000.123456,"written_at":…,"cpu_s":…,
 *    "maxrss_kb":…}
 *
 * first_update_at (CLOCK_REALTIME) is when the first byte of the first
 * UPDATE went to the first session; written_at when the last session had
 * taken its last byte. It stays until every neighbor has closed (or
 * --timeout), keeping the sessions up with KEEPALIVEs once the stream is
 * out.
 *
 *   bgp_blast --listen 127.0.93.1 --sessions 4 --stream feed.stream
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp.h"
#include "muxd/bgp_msg.h"
#include "muxd/bgp_open.h"
#include "muxd/rbuf.h"
#include "muxd/sockaddr.h"
#include "muxd/wbuf.h"

#define PROG "bgp_blast"

#define MAX_SESSIONS 256
#define IN_CAP (64u << 10)      /* neighbors send only small messages */
#define CTL_CAP 1024            /* OPEN, KEEPALIVE, NOTIFICATION */
#define WRITE_CHUNK (1u << 20)  /* per write(): fair turns between sessions */

/* The stream file bgp_sink --save writes (same layout there). */
#define STREAM_MAGIC "BGPSTRM1"
#define STREAM_HDR_LEN 24       /* magic, flags, AS, BGP Identifier, 0 */
enum { STREAM_AS4 = 1, STREAM_ADDPATH4 = 2, STREAM_ADDPATH6 = 4, STREAM_EXTMSG = 8 };


struct opts {
	const char *listen_on;
	const char *stream_path;
	unsigned sessions;
	uint32_t asn;                   /* 0: the recorded feeder's */
	uint32_t router_id;             /* 0: the listening address */
	unsigned hold_time;
	double timeout;
	bool quiet;
};

/* ---- small helpers ---------------------------------------------------- */

#include "tests/tools/tool_common.h"

static double clock_secs(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono(void) { return clock_secs(CLOCK_MONOTONIC); }
static double wall(void) { return clock_secs(CLOCK_REALTIME); }

/* "127.0.0.1", "127.0.0.1:1179", "::1", "[::1]:1179"; port 179 if none. */
static bool parse_hostport(const char *s, struct sockaddr_mux *sa)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *colon = strrchr(s, ':');
	unsigned long p = BGP_PORT;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] != '\0' && close[1] != ':'))
			return false;
		n = (size_t)(close - s - 1);
		port = close[1] ? close + 2 : NULL;
		s++;
	} else if (colon && strchr(s, ':') == colon) {
		n = (size_t)(colon - s);
		port = colon + 1;
	} else {
		n = strlen(s);
	}
	if (n >= sizeof host || (port && (!parse_ulong(port, 65535, &p) || !p)))
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	return sockaddr_parse(host, (uint16_t)p, sa);
}

/* ---- the stream ------------------------------------------------------- */

struct stream {
	uint8_t *data;                  /* the UPDATE messages, back to back */
	size_t len;
	unsigned long messages;
	uint32_t flags;                 /* STREAM_* */
	uint32_t peer_as;               /* the feeder's AS */
};

static bool stream_read_all(FILE *f, struct stream *st)
{
	size_t cap = 1u << 24, n;

	st->data = malloc(cap);
	while (st->data && (n = fread(st->data + st->len, 1, cap - st->len, f)) > 0) {
		st->len += n;
		if (st->len == cap) {
			uint8_t *p = cap < SIZE_MAX / 2 ? realloc(st->data, cap * 2) : NULL;
			if (!p) {
				free(st->data);
				st->data = NULL;
				break;
			}
			st->data = p;
			cap *= 2;
		}
	}
	return st->data != NULL && !ferror(f);
}

/* Every message whole, and each an UPDATE: what the file promises. */
static bool stream_check(struct stream *st, const char *path)
{
	size_t max = st->flags & STREAM_EXTMSG ? BGP_EXT_MAX_LEN : BGP_MAX_LEN, off = 0;
	struct bgp_header h;
	struct bgp_err e = { 0 };

	while (off < st->len) {
		int n = bgp_header_decode(st->data + off, st->len - off, max, &h, &e);
		if (n <= 0 || h.type != BGP_UPDATE) {
			warnx_("%s: byte %zu: %s", path, off + STREAM_HDR_LEN, n == 0 ?
			    "the file ends inside a message" : n < 0 ?
			    "not a BGP message" : "not an UPDATE");
			return false;
		}
		off += (size_t)n;
		st->messages++;
	}
	return true;
}

static bool stream_header(struct stream *st, FILE *f, const char *path)
{
	uint8_t hdr[STREAM_HDR_LEN];
	struct rbuf b = rbuf_make(hdr, sizeof hdr);

	if (fread(hdr, 1, sizeof hdr, f) != sizeof hdr || memcmp(hdr, STREAM_MAGIC, 8)) {
		warnx_("%s: not a stream written by bgp_sink --save", path);
		return false;
	}
	rbuf_skip(&b, 8);
	rbuf_u32(&b, &st->flags);
	rbuf_u32(&b, &st->peer_as);
	return true;
}

static bool stream_load(struct stream *st, const char *path)
{
	FILE *f = fopen(path, "rb");
	bool ok;

	memset(st, 0, sizeof *st);
	if (!f) {
		warnx_("%s: %s", path, strerror(errno));
		return false;
	}
	ok = stream_header(st, f, path);
	if (ok && !stream_read_all(f, st)) {
		warnx_("%s: cannot read: %s", path, errno ? strerror(errno) : "out of memory");
		ok = false;
	}
	fclose(f);
	return ok && stream_check(st, path);
}

/* ---- one session ------------------------------------------------------ */

enum conn_state { ST_OPENSENT, ST_OPENCONFIRM, ST_ESTABLISHED, ST_CLOSED };

struct conn {
	int fd;
	enum conn_state state;
	char name[INET6_ADDRSTRLEN];
	uint8_t in[IN_CAP];
	size_t in_len;
	uint8_t ctl[CTL_CAP];           /* control messages to send */
	size_t ctl_len;
	size_t off;                     /* stream bytes sent */
	unsigned hold;
	double last_rx, last_tx;        /* monotonic */
	double written_at;              /* realtime: the whole stream taken */
};

struct blast {
	const struct opts *o;
	struct stream st;
	int lfd;
	uint32_t local_id;
	struct conn *conns[MAX_SESSIONS];
	unsigned n, established, open_conns, written;
	double first_update_at, deadline;
	bool streaming, failed;
};

static void conn_close(struct blast *b, struct conn *c, bool failed, const char *why)
{
	if (c->state == ST_CLOSED)
		return;
	/* Before the stream starts, every session is needed. */
	if ((failed && c->off < b->st.len) || !b->streaming) {
		warnx_("session with %s ended: %s", c->name, why);
		b->failed = true;
	} else {
		say(b->o, "session with %s ended: %s", c->name, why);
	}
	if (c->state == ST_ESTABLISHED)
		b->established--;
	c->state = ST_CLOSED;
	close(c->fd);
	c->fd = -1;
	b->open_conns--;
}

static void conn_ctl(struct conn *c, size_t (*enc)(struct wbuf *))
{
	struct wbuf w = wbuf_make(c->ctl + c->ctl_len, sizeof c->ctl - c->ctl_len);

	if (enc(&w))
		c->ctl_len += w.len;
}

static void conn_notify(struct blast *b, struct conn *c, uint8_t code,
    uint8_t subcode, const char *why)
{
	uint8_t msg[64];
	struct wbuf w = wbuf_make(msg, sizeof msg);

	/* A NOTIFICATION goes out only between whole messages: not inside
	 * the stream nor behind a control message half sent; otherwise
	 * closing says enough. */
	if (c->ctl_len == 0 && (c->off == 0 || c->off == b->st.len) &&
	    bgp_notification_encode(&w, code, subcode, NULL, 0) &&
	    write(c->fd, msg, w.len) < 0)
		why = "could not send the NOTIFICATION";
	conn_close(b, c, true, why);
}

static void open_fill(const struct blast *b, struct bgp_open *op)
{
	const struct stream *st = &b->st;
	struct bgp_caps *c = &op->caps;
	uint32_t asn = b->o->asn ? b->o->asn : st->peer_as;

	memset(op, 0, sizeof *op);
	op->version = BGP_VERSION;
	op->my_as = asn > 0xffff ? BGP_AS_TRANS : (uint16_t)asn;
	op->hold_time = (uint16_t)b->o->hold_time;
	op->bgp_id = b->local_id;
	c->present = BGP_CAPF_MP;
	c->mp[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	c->mp[1] = (struct bgp_family){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
	c->mp_count = 2;
	if (st->flags & STREAM_AS4) {
		c->present |= BGP_CAPF_AS4;
		c->as4 = asn;
	}
	if (st->flags & STREAM_EXTMSG)
		c->present |= BGP_CAPF_EXT_MESSAGE;
	if (st->flags & STREAM_ADDPATH4)
		c->addpath[c->addpath_count++] = (struct bgp_addpath_family){ c->mp[0], BGP_ADDPATH_SEND };
	if (st->flags & STREAM_ADDPATH6)
		c->addpath[c->addpath_count++] = (struct bgp_addpath_family){ c->mp[1], BGP_ADDPATH_SEND };
	if (c->addpath_count)
		c->present |= BGP_CAPF_ADD_PATH;
}

/* What the recorded bytes need of the neighbor, or why it falls short. */
static const char *open_mismatch(const struct stream *st, const struct bgp_caps *c)
{
	if ((st->flags & STREAM_AS4) && !(c->present & BGP_CAPF_AS4))
		return "the stream has 4-octet AS_PATHs; the neighbor lacks 4-octet AS";
	if (!(st->flags & STREAM_AS4) && (c->present & BGP_CAPF_AS4))
		return NULL;    /* we do not offer it: the session is 2-octet */
	if ((st->flags & STREAM_EXTMSG) && !(c->present & BGP_CAPF_EXT_MESSAGE))
		return "the stream has extended messages; the neighbor does not take them";
	if ((st->flags & STREAM_ADDPATH4) &&
	    !(bgp_caps_addpath_mode(c, BGP_AFI_IPV4, BGP_SAFI_UNICAST) & BGP_ADDPATH_RECEIVE))
		return "the stream has IPv4 path ids; the neighbor does not receive ADD-PATH";
	if ((st->flags & STREAM_ADDPATH6) &&
	    !(bgp_caps_addpath_mode(c, BGP_AFI_IPV6, BGP_SAFI_UNICAST) & BGP_ADDPATH_RECEIVE))
		return "the stream has IPv6 path ids; the neighbor does not receive ADD-PATH";
	return NULL;
}

static void handle_open(struct blast *b, struct conn *c, const uint8_t *body, size_t len)
{
	struct bgp_open op;
	struct bgp_err e = { 0 };
	const char *why;

	if (c->state != ST_OPENSENT) {
		conn_notify(b, c, BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM, "a second OPEN");
		return;
	}
	if (!bgp_open_decode(body, len, &op, &e) || !bgp_open_check(&op, 0, b->local_id, &e)) {
		conn_notify(b, c, e.code, e.subcode, e.why ? e.why : "bad OPEN");
		return;
	}
	if ((why = open_mismatch(&b->st, &op.caps))) {
		conn_notify(b, c, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY, why);
		return;
	}
	c->hold = op.hold_time < b->o->hold_time ? op.hold_time : b->o->hold_time;
	conn_ctl(c, bgp_keepalive_encode);
	c->state = ST_OPENCONFIRM;
}

static void handle_keepalive(struct blast *b, struct conn *c)
{
	if (c->state != ST_OPENCONFIRM)
		return;
	c->state = ST_ESTABLISHED;
	b->established++;
	say(b->o, "session with %s established (%u of %u)", c->name, b->established,
	    b->o->sessions);
}

static void handle_notification(struct blast *b, struct conn *c, const uint8_t *body,
    size_t len)
{
	struct bgp_notification n;
	struct bgp_err e = { 0 };
	char why[320];

	if (!bgp_notification_decode(body, len, &n, &e)) {
		conn_close(b, c, true, "malformed NOTIFICATION");
		return;
	}
	snprintf(why, sizeof why, "NOTIFICATION %u/%u (%s, %s)%s%s", n.code, n.subcode,
	    bgp_err_code_name(n.code), bgp_err_subcode_name(n.code, n.subcode),
	    n.shutdown_msg[0] ? ": " : "", n.shutdown_msg);
	conn_close(b, c, n.code != BGP_ERR_CEASE, why);
}

static void conn_handle(struct blast *b, struct conn *c, uint8_t type,
    const uint8_t *body, size_t len)
{
	switch (type) {
	case BGP_OPEN: handle_open(b, c, body, len); break;
	case BGP_KEEPALIVE: handle_keepalive(b, c); break;
	case BGP_NOTIFICATION: handle_notification(b, c, body, len); break;
	case BGP_UPDATE:
	case BGP_ROUTE_REFRESH:
		break;          /* a sink sends none; anything it sends is dropped */
	default:
		conn_notify(b, c, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, "unknown message type");
	}
}

static void conn_dispatch(struct blast *b, struct conn *c)
{
	size_t off = 0;

	while (c->state != ST_CLOSED) {
		struct bgp_header h;
		struct bgp_err e = { 0 };
		int n = bgp_header_decode(c->in + off, c->in_len - off, BGP_MAX_LEN, &h, &e);
		if (n == 0)
			break;
		if (n < 0) {
			conn_notify(b, c, e.code, e.subcode, "bad message header");
			return;
		}
		conn_handle(b, c, h.type, c->in + off + BGP_HEADER_LEN,
		    (size_t)n - BGP_HEADER_LEN);
		off += (size_t)n;
	}
	if (c->state == ST_CLOSED)
		return;
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

static void conn_read(struct blast *b, struct conn *c)
{
	ssize_t n = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(b, c, true, n < 0 ? strerror(errno) : "the neighbor closed");
		return;
	}
	c->in_len += (size_t)n;
	c->last_rx = mono();
	conn_dispatch(b, c);
}

static bool conn_write(struct blast *b, struct conn *c, const uint8_t *p, size_t len,
    size_t *done)
{
	ssize_t n = write(c->fd, p, len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n < 0) {
		conn_close(b, c, true, strerror(errno));
		return false;
	}
	*done = (size_t)n;
	c->last_tx = mono();
	return true;
}

/* Control messages go out only between stream bytes: before the first
 * or after the last. */
static void conn_send(struct blast *b, struct conn *c)
{
	size_t n = 0, chunk;

	if (c->ctl_len && (c->off == 0 || c->off == b->st.len)) {
		if (!conn_write(b, c, c->ctl, c->ctl_len, &n))
			return;
		memmove(c->ctl, c->ctl + n, c->ctl_len - n);
		c->ctl_len -= n;
		if (c->ctl_len)
			return;
	}
	if (!b->streaming || c->state != ST_ESTABLISHED || c->off == b->st.len)
		return;
	if (c->off == 0 && !b->first_update_at)
		b->first_update_at = wall();
	chunk = b->st.len - c->off < WRITE_CHUNK ? b->st.len - c->off : WRITE_CHUNK;
	if (!conn_write(b, c, b->st.data + c->off, chunk, &n))
		return;
	c->off += n;
	if (c->off == b->st.len) {
		c->written_at = wall();
		b->written++;
	}
}

static bool conn_wants_out(const struct blast *b, const struct conn *c)
{
	if (c->ctl_len && (c->off == 0 || c->off == b->st.len))
		return true;
	return b->streaming && c->state == ST_ESTABLISHED && c->off < b->st.len;
}

static void conn_timers(struct blast *b, struct conn *c)
{
	double t = mono();

	if (c->state == ST_CLOSED || !c->hold)
		return;
	if (t > c->last_rx + c->hold) {
		conn_notify(b, c, BGP_ERR_HOLD, 0, "hold timer expired");
		return;
	}
	/* While the stream flows its UPDATEs keep the session alive. */
	if (c->state >= ST_OPENCONFIRM && t >= c->last_tx + c->hold / 3.0 &&
	    (c->off == 0 || c->off == b->st.len))
		conn_ctl(c, bgp_keepalive_encode);
}

/* ---- accepting -------------------------------------------------------- */

static bool set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL), one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static void conn_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct sockaddr_mux a;

	snprintf(buf, len, "neighbor");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    sockaddr_from((struct sockaddr *)&ss, sl, &a))
		sockaddr_ntop(&a, buf, len);
}

static void blast_accept(struct blast *b)
{
	int fd = accept4(b->lfd, NULL, NULL, SOCK_CLOEXEC);
	struct conn *c;
	struct bgp_open op;
	struct wbuf w;

	if (fd < 0)
		return;
	if (b->n == b->o->sessions || !set_nonblocking(fd) || !(c = calloc(1, sizeof *c))) {
		warnx_("connection refused: %u sessions already", b->n);
		close(fd);
		return;
	}
	c->fd = fd;
	c->last_rx = c->last_tx = mono();
	c->hold = b->o->hold_time;
	conn_name(fd, c->name, sizeof c->name);
	open_fill(b, &op);
	w = wbuf_make(c->ctl, sizeof c->ctl);
	if (bgp_open_encode(&w, &op))
		c->ctl_len = w.len;
	c->state = ST_OPENSENT;
	b->conns[b->n++] = c;
	b->open_conns++;
}

static bool blast_listen(struct blast *b)
{
	const struct opts *o = b->o;
	struct sockaddr_mux at;
	int one = 1;

	if (!parse_hostport(o->listen_on, &at)) {
		warnx_("--listen %s: not ADDR[:PORT]", o->listen_on);
		return false;
	}
	b->local_id = o->router_id;
	if (!b->local_id && sockaddr_family(&at) == AF_INET)
		b->local_id = ntohl(at.u.sin.sin_addr.s_addr);
	if (!b->local_id) {
		warnx_("no IPv4 address to use as BGP Identifier: give --router-id");
		return false;
	}
	b->lfd = socket(sockaddr_family(&at), SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (b->lfd < 0 || setsockopt(b->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(b->lfd, &at.u.sa, at.len) < 0 || listen(b->lfd, MAX_SESSIONS) < 0 ||
	    !set_nonblocking(b->lfd)) {
		warnx_("cannot listen on %s: %s", o->listen_on, strerror(errno));
		return false;
	}
	say(o, "listening on %s for %u sessions", o->listen_on, o->sessions);
	return true;
}

/* ---- the run ---------------------------------------------------------- */

static void blast_start(struct blast *b)
{
	b->streaming = true;
	say(b->o, "%u sessions established: sending %lu UPDATEs (%zu bytes) to each",
	    b->n, b->st.messages, b->st.len);
}

static int blast_poll_fds(struct blast *b, struct pollfd *p, struct conn **who)
{
	int n = 0;

	if (b->lfd >= 0) {
		p[n] = (struct pollfd){ .fd = b->lfd, .events = POLLIN };
		who[n++] = NULL;
	}
	for (unsigned i = 0; i < b->n; i++) {
		struct conn *c = b->conns[i];
		if (c->state == ST_CLOSED)
			continue;
		p[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		if (conn_wants_out(b, c))
			p[n].events |= POLLOUT;
		who[n++] = c;
	}
	return n;
}

static void blast_step(struct blast *b)
{
	struct pollfd p[MAX_SESSIONS + 1];
	struct conn *who[MAX_SESSIONS + 1];
	int n = blast_poll_fds(b, p, who);

	if (poll(p, (nfds_t)n, 200) < 0 && errno != EINTR) {
		warnx_("poll: %s", strerror(errno));
		b->failed = true;
		return;
	}
	for (int i = 0; i < n; i++) {
		struct conn *c = who[i];
		if (!c) {
			if (p[i].revents & POLLIN)
				blast_accept(b);
			continue;
		}
		if (c->state != ST_CLOSED && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			conn_read(b, c);
		if (c->state != ST_CLOSED && (p[i].revents & POLLOUT))
			conn_send(b, c);
		conn_timers(b, c);
	}
}

/* Until every neighbor is done with us, or the time is up. */
static void blast_loop(struct blast *b)
{
	while (!b->failed) {
		if (stop_signal) {
			warnx_("stopped by signal %d", (int)stop_signal);
			b->failed = b->written < b->o->sessions;
			return;
		}
		if (mono() > b->deadline) {
			warnx_("timed out after %.0f s: %u of %u sessions took the whole stream",
			    b->o->timeout, b->written, b->o->sessions);
			b->failed = true;
			return;
		}
		if (!b->streaming && b->established == b->o->sessions)
			blast_start(b);
		if (b->n == b->o->sessions && b->open_conns == 0)
			return;
		if (b->n == b->o->sessions && b->lfd >= 0) {
			close(b->lfd);
			b->lfd = -1;
		}
		blast_step(b);
	}
}

static double cpu_secs(long *maxrss_kb)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*maxrss_kb = ru.ru_maxrss;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void blast_report(const struct blast *b)
{
	double last = 0;
	long maxrss;
	double cpu = cpu_secs(&maxrss);

	for (unsigned i = 0; i < b->n; i++)
		if (b->conns[i]->written_at > last)
			last = b->conns[i]->written_at;
	printf("{\"sessions\":%u,\"written\":%u,\"messages\":%lu,\"bytes\":%zu",
	    b->n, b->written, b->st.messages, b->st.len);
	if (b->first_update_at > 0)
		printf(",\"first_update_at\":%.6f", b->first_update_at);
	else
		printf(",\"first_update_at\":null");
	if (b->written == b->n && last > 0)
		printf(",\"written_at\":%.6f", last);
	else
		printf(",\"written_at\":null");
	printf(",\"cpu_s\":%.3f,\"maxrss_kb\":%ld,\"ok\":%s}\n", cpu, maxrss,
	    b->failed ? "false" : "true");
	fflush(stdout);
}

static int blast_run(const struct opts *o)
{
	struct blast b;

	memset(&b, 0, sizeof b);
	b.o = o;
	b.lfd = -1;
	b.deadline = mono() + o->timeout;
	if (!stream_load(&b.st, o->stream_path) || !blast_listen(&b))
		return 1;
	say(o, "%s: %lu UPDATEs, %zu bytes, %s AS_PATHs", o->stream_path,
	    b.st.messages, b.st.len, b.st.flags & STREAM_AS4 ? "4-octet" : "2-octet");
	blast_loop(&b);
	blast_report(&b);
	for (unsigned i = 0; i < b.n; i++) {
		if (b.conns[i]->fd >= 0)
			close(b.conns[i]->fd);
		free(b.conns[i]);
	}
	if (b.lfd >= 0)
		close(b.lfd);
	free(b.st.data);
	return b.failed ? 1 : 0;
}

/* ---- options ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " --listen ADDR[:PORT] --sessions K --stream FILE\n"
	    "           [--asn N] [--router-id A.B.C.D] [--hold-time S] [--timeout S]\n"
	    "           [--quiet]\n"
	    "Waits for K BGP neighbors, then writes the UPDATE stream FILE (from\n"
	    "bgp_sink --save) to each, as fast as each takes it; prints one JSON\n"
	    "line when all have closed. --asn defaults to the recorded feeder's,\n"
	    "--router-id to the listening address, --timeout to 600 s.\n");
}

enum { OPT_ROUTER_ID = 256, OPT_HOLD_TIME, OPT_TIMEOUT };

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "sessions", required_argument, NULL, 'k' },
	{ "stream", required_argument, NULL, 's' },
	{ "asn", required_argument, NULL, 'a' },
	{ "router-id", required_argument, NULL, OPT_ROUTER_ID },
	{ "hold-time", required_argument, NULL, OPT_HOLD_TIME },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool opt_one(struct opts *o, int ch, const char *arg)
{
	unsigned long v = 0;
	struct in_addr a;

	switch (ch) {
	case 'l': o->listen_on = arg; return true;
	case 's': o->stream_path = arg; return true;
	case 'q': o->quiet = true; return true;
	case 'k':
		o->sessions = parse_ulong(arg, MAX_SESSIONS, &v) ? (unsigned)v : 0;
		return o->sessions > 0;
	case 'a':
		if (!parse_ulong(arg, UINT32_MAX, &v))
			return false;
		o->asn = (uint32_t)v;
		return o->asn != 0;
	case OPT_ROUTER_ID:
		if (inet_pton(AF_INET, arg, &a) != 1)
			return false;
		o->router_id = ntohl(a.s_addr);
		return o->router_id != 0;
	case OPT_HOLD_TIME:
		o->hold_time = parse_ulong(arg, 65535, &v) ? (unsigned)v : 1;
		return o->hold_time == 0 || o->hold_time >= 3;
	case OPT_TIMEOUT:
		o->timeout = parse_ulong(arg, 86400, &v) ? (double)v : 0;
		return o->timeout > 0;
	default:
		return false;
	}
}

static int opts_parse(int argc, char **argv, struct opts *o)
{
	int ch;

	memset(o, 0, sizeof *o);
	o->hold_time = 240;
	o->timeout = 600;
	while ((ch = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			return 0;
		}
		if (!opt_one(o, ch, optarg)) {
			warnx_("bad or missing value for an option");
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !o->listen_on || !o->stream_path || !o->sessions) {
		warnx_("give --listen, --sessions (1-%d) and --stream", MAX_SESSIONS);
		usage(stderr);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = opts_parse(argc, argv, &o);

	if (rc >= 0)
		return rc;
	signals_init();
	return blast_run(&o);
}
