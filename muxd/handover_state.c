/*
 * handover_state.c — the upgrade's state, written and read
 * (handover_state.h). Every length is checked against what is left: the
 * bytes come from another build of muxd, possibly a broken one.
 */
#include "muxd/handover_state.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/lib/rbuf.h"
#include "muxd/lib/wbuf.h"

#define MAGIC "MUXHOVER"
#define MAGIC_LEN 8
#define HEADER_LEN (MAGIC_LEN + 2 + 2 + 4)
#define RECORD_HEADER_LEN 5
#define PROCESS_LEN (4 + 8 + 4 + 2 + 2 + 2)
#define LISTENER_MAX_LEN (2 + 1 + 16 + 2)

enum { REC_PROCESS = 1, REC_LISTENER = 2, REC_SESSION = 3, REC_VIEW = 4 };
#define COUNTERS_LEN (8 * 8)
#define SESSION_FIXED_LEN (2 + 1 + 4 + 4 + 1 + 1 + 1 + 2 * COUNTERS_LEN + 2 + 2 + 4 + 4)

static size_t listener_len(const struct handover_listener *l)
{
	return 2 + 1 + (sockaddr_family(&l->addr) == AF_INET6 ? 16 : 4) + 2;
}

/* Names are at most 255 bytes on the wire (configuration names are far
 * shorter). */
static size_t name_len(const char *name)
{
	return strnlen(name, 255);
}

static size_t session_len(const struct handover_session *x)
{
	return SESSION_FIXED_LEN + name_len(x->owner) + name_len(x->instance) +
	    x->open_rx_len + x->open_tx_len + x->unread_len + x->unwritten_len;
}

static size_t view_len(const struct handover_view *v)
{
	return 1 + name_len(v->name) + v->table_len;
}

size_t handover_state_size(const struct handover_state *s)
{
	size_t n = HEADER_LEN + RECORD_HEADER_LEN + PROCESS_LEN;

	for (size_t i = 0; i < s->nlisteners; i++)
		n += RECORD_HEADER_LEN + listener_len(&s->listeners[i]);
	for (size_t i = 0; i < s->nsessions; i++)
		n += RECORD_HEADER_LEN + session_len(&s->sessions[i]);
	for (size_t i = 0; i < s->nviews; i++)
		n += RECORD_HEADER_LEN + view_len(&s->views[i]);
	return n;
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	wbuf_u32(w, (uint32_t)(v >> 32));
	wbuf_u32(w, (uint32_t)v);
}

static void put_name(struct wbuf *w, const char *name)
{
	size_t n = name_len(name);

	wbuf_u8(w, (uint8_t)n);
	wbuf_bytes(w, name, n);
}

static void put_counters(struct wbuf *w, const struct handover_counters *c)
{
	for (int i = 0; i < 6; i++)
		put_u64(w, c->msgs[i]);
	put_u64(w, c->bytes);
	put_u64(w, c->prefixes);
}

/* The AFIs of a refresh as flag bits (handover_state.h). */
#define FLAG_LOCAL 1
#define FLAG_REFRESH_V4 2
#define FLAG_REFRESH_V6 4

static uint8_t session_flags(const struct handover_session *x)
{
	uint8_t f = x->initiated_locally ? FLAG_LOCAL : 0;

	if (x->refreshing && x->refresh_afi != BGP_AFI_IPV6)
		f |= FLAG_REFRESH_V4;
	if (x->refreshing && x->refresh_afi != BGP_AFI_IPV4)
		f |= FLAG_REFRESH_V6;
	return f;
}

static void session_flags_in(struct handover_session *x, uint8_t f)
{
	x->initiated_locally = f & FLAG_LOCAL;
	x->refreshing = f & (FLAG_REFRESH_V4 | FLAG_REFRESH_V6);
	x->refresh_afi = (f & FLAG_REFRESH_V4) && (f & FLAG_REFRESH_V6) ? 0 :
	    f & FLAG_REFRESH_V4 ? BGP_AFI_IPV4 : f & FLAG_REFRESH_V6 ? BGP_AFI_IPV6 : 0;
}

static void put_session(struct wbuf *w, const struct handover_session *x)
{
	wbuf_u8(w, REC_SESSION);
	wbuf_u32(w, (uint32_t)session_len(x));
	wbuf_u16(w, x->fd_index);
	wbuf_u8(w, x->kind);
	wbuf_u32(w, x->id);
	wbuf_u32(w, x->uptime);
	wbuf_u8(w, session_flags(x));
	put_name(w, x->owner);
	put_name(w, x->instance);
	put_counters(w, &x->rx);
	put_counters(w, &x->tx);
	wbuf_u16(w, (uint16_t)x->open_rx_len);
	wbuf_bytes(w, x->open_rx, x->open_rx_len);
	wbuf_u16(w, (uint16_t)x->open_tx_len);
	wbuf_bytes(w, x->open_tx, x->open_tx_len);
	wbuf_u32(w, (uint32_t)x->unread_len);
	wbuf_bytes(w, x->unread, x->unread_len);
	wbuf_u32(w, (uint32_t)x->unwritten_len);
	wbuf_bytes(w, x->unwritten, x->unwritten_len);
}

static void put_view(struct wbuf *w, const struct handover_view *v)
{
	wbuf_u8(w, REC_VIEW);
	wbuf_u32(w, (uint32_t)view_len(v));
	put_name(w, v->name);
	wbuf_bytes(w, v->table, v->table_len);
}

static void put_listener(struct wbuf *w, const struct handover_listener *l)
{
	wbuf_u8(w, REC_LISTENER);
	wbuf_u32(w, (uint32_t)listener_len(l));
	wbuf_u16(w, l->fd_index);
	if (sockaddr_family(&l->addr) == AF_INET6) {
		wbuf_u8(w, 6);
		wbuf_bytes(w, &l->addr.u.sin6.sin6_addr, 16);
	} else {
		wbuf_u8(w, 4);
		wbuf_bytes(w, &l->addr.u.sin.sin_addr, 4);
	}
	wbuf_u16(w, sockaddr_port(&l->addr));
}

size_t handover_state_encode(const struct handover_state *s, uint8_t *buf, size_t cap)
{
	size_t total = handover_state_size(s);

	for (size_t i = 0; i < s->nsessions; i++)
		if (s->sessions[i].open_rx_len > UINT16_MAX || s->sessions[i].open_tx_len > UINT16_MAX)
			return 0;       /* an OPEN is at most 4,096 bytes */
	if (total > UINT32_MAX)
		return 0;
	struct wbuf w = wbuf_make(buf, cap);

	wbuf_bytes(&w, MAGIC, MAGIC_LEN);
	wbuf_u16(&w, HANDOVER_VERSION);
	wbuf_u16(&w, 0);
	wbuf_u32(&w, (uint32_t)total);
	wbuf_u8(&w, REC_PROCESS);
	wbuf_u32(&w, PROCESS_LEN);
	wbuf_u32(&w, s->generation);
	wbuf_u32(&w, (uint32_t)(s->started >> 32));
	wbuf_u32(&w, (uint32_t)s->started);
	wbuf_u32(&w, s->old_pid);
	wbuf_u16(&w, s->nfds);
	wbuf_u16(&w, s->lock_index);
	wbuf_u16(&w, s->ready_index);
	for (size_t i = 0; i < s->nlisteners; i++)
		put_listener(&w, &s->listeners[i]);
	for (size_t i = 0; i < s->nsessions; i++)
		put_session(&w, &s->sessions[i]);
	for (size_t i = 0; i < s->nviews; i++)
		put_view(&w, &s->views[i]);
	return w.overflow || w.len != total ? 0 : w.len;
}

static bool get_process(struct rbuf *r, struct handover_state *s)
{
	uint32_t hi, lo;

	if (r->len != PROCESS_LEN)
		return false;
	rbuf_u32(r, &s->generation);
	rbuf_u32(r, &hi);
	rbuf_u32(r, &lo);
	s->started = (uint64_t)hi << 32 | lo;
	rbuf_u32(r, &s->old_pid);
	rbuf_u16(r, &s->nfds);
	rbuf_u16(r, &s->lock_index);
	rbuf_u16(r, &s->ready_index);
	return true;
}

static bool get_listener(struct rbuf *r, struct handover_listener *l)
{
	uint8_t fam, a[16];
	uint16_t port;

	if (!rbuf_u16(r, &l->fd_index) || !rbuf_u8(r, &fam) || (fam != 4 && fam != 6))
		return false;
	size_t alen = fam == 6 ? 16 : 4;
	if (r->len != alen + 2 || !rbuf_copy(r, a, alen) || !rbuf_u16(r, &port))
		return false;
	memset(&l->addr, 0, sizeof l->addr);
	if (fam == 6) {
		l->addr.u.sin6.sin6_family = AF_INET6;
		memcpy(&l->addr.u.sin6.sin6_addr, a, 16);
		l->addr.len = sizeof l->addr.u.sin6;
	} else {
		l->addr.u.sin.sin_family = AF_INET;
		memcpy(&l->addr.u.sin.sin_addr, a, 4);
		l->addr.len = sizeof l->addr.u.sin;
	}
	sockaddr_set_port(&l->addr, port);
	return true;
}

static bool get_u64(struct rbuf *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (!rbuf_u32(r, &hi) || !rbuf_u32(r, &lo))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

/* A name: no NUL inside, NUL-terminated in out (256 bytes). */
static bool get_name(struct rbuf *r, char *out)
{
	uint8_t n;

	if (!rbuf_u8(r, &n) || !rbuf_copy(r, out, n))
		return false;
	out[n] = '\0';
	return strlen(out) == n;
}

static bool get_counters(struct rbuf *r, struct handover_counters *c)
{
	bool ok = true;

	for (int i = 0; i < 6; i++)
		ok = ok && get_u64(r, &c->msgs[i]);
	return ok && get_u64(r, &c->bytes) && get_u64(r, &c->prefixes);
}

/* Bytes with a 16- or 32-bit length before them, borrowed from r. */
static bool get_bytes(struct rbuf *r, bool wide, const uint8_t **p, size_t *len)
{
	uint16_t n16;
	uint32_t n32 = 0;

	if (wide ? !rbuf_u32(r, &n32) : !rbuf_u16(r, &n16))
		return false;
	*len = wide ? n32 : n16;
	*p = r->p;
	return rbuf_skip(r, *len);
}

static bool get_session(struct rbuf *r, struct handover_session *x)
{
	uint8_t flags;

	memset(x, 0, sizeof *x);
	if (!rbuf_u16(r, &x->fd_index) || !rbuf_u8(r, &x->kind) ||
	    x->kind < HANDOVER_UPSTREAM || x->kind > HANDOVER_CLIENT ||
	    !rbuf_u32(r, &x->id) || !rbuf_u32(r, &x->uptime) || !rbuf_u8(r, &flags) ||
	    !get_name(r, x->owner) || !get_name(r, x->instance) ||
	    !get_counters(r, &x->rx) || !get_counters(r, &x->tx) ||
	    !get_bytes(r, false, &x->open_rx, &x->open_rx_len) ||
	    !get_bytes(r, false, &x->open_tx, &x->open_tx_len) ||
	    !get_bytes(r, true, &x->unread, &x->unread_len) ||
	    !get_bytes(r, true, &x->unwritten, &x->unwritten_len))
		return false;
	session_flags_in(x, flags);
	return rbuf_empty(r);
}

static bool get_view(struct rbuf *r, struct handover_view *v)
{
	if (!get_name(r, v->name))
		return false;
	v->table = r->p;
	v->table_len = r->len;
	return true;
}

/* Arrays grow by doubling: more room is needed when n is 0, or a power
 * of two from 16 on (the capacity then). False when out of memory. */
static bool room_for(void **arr, size_t n, size_t elem)
{
	if (n != 0 && (n < 16 || (n & (n - 1)) != 0))
		return true;
	void *p = realloc(*arr, (n == 0 ? 16 : n * 2) * elem);
	if (p)
		*arr = p;
	return p != NULL;
}

static bool get_session_or_view(uint8_t type, struct rbuf *body, struct handover_state *s,
    char *why, size_t why_len)
{
	bool session = type == REC_SESSION;
	size_t n = session ? s->nsessions : s->nviews;

	if (n >= (session ? HANDOVER_MAX_SESSIONS : HANDOVER_MAX_VIEWS) ||
	    !(session ? room_for((void **)&s->sessions, n, sizeof *s->sessions) :
	    room_for((void **)&s->views, n, sizeof *s->views))) {
		snprintf(why, why_len, "too many %s records", session ? "session" : "view");
		return false;
	}
	if (session ? !get_session(body, &s->sessions[n]) : !get_view(body, &s->views[n])) {
		snprintf(why, why_len, "a malformed %s record", session ? "session" : "view");
		return false;
	}
	session ? s->nsessions++ : s->nviews++;
	return true;
}

/* One record; false with why. */
static bool get_record(uint8_t type, struct rbuf *body, struct handover_state *s,
    bool *have_process, char *why, size_t why_len)
{
	if (type == REC_PROCESS) {
		if (*have_process || !get_process(body, s)) {
			snprintf(why, why_len, "a repeated or malformed process record");
			return false;
		}
		*have_process = true;
		return true;
	}
	if (type == REC_SESSION || type == REC_VIEW)
		return get_session_or_view(type, body, s, why, why_len);
	if (type != REC_LISTENER)
		return true;            /* a newer writer's: not ours to read */
	if (s->nlisteners >= HANDOVER_MAX_LISTENERS) {
		snprintf(why, why_len, "more than %d listeners", HANDOVER_MAX_LISTENERS);
		return false;
	}
	if (body->len > LISTENER_MAX_LEN ||
	    !get_listener(body, &s->listeners[s->nlisteners])) {
		snprintf(why, why_len, "a malformed listener record");
		return false;
	}
	s->nlisteners++;
	return true;
}

/* Every descriptor a record names is one handed over (not the state
 * itself), and no two records name the same one. */
static bool check_indices(const struct handover_state *s, char *why, size_t why_len)
{
	uint8_t *named = calloc((size_t)s->nfds / 8 + 1, 1);
	bool ok = named != NULL && s->nfds > 0;

	for (size_t i = 0; ok && i < s->nlisteners + s->nsessions; i++) {
		uint16_t k = i < s->nlisteners ? s->listeners[i].fd_index :
		    s->sessions[i - s->nlisteners].fd_index;
		ok = k > 0 && k < s->nfds && !(named[k / 8] & (1u << (k % 8)));
		if (ok)
			named[k / 8] |= (uint8_t)(1u << (k % 8));
	}
	free(named);
	if (!ok)
		snprintf(why, why_len, "a descriptor index outside the %u handed over, "
		    "or named twice", s->nfds);
	return ok;
}

static bool get_header(struct rbuf *r, size_t len, char *why, size_t why_len)
{
	char magic[MAGIC_LEN];
	uint16_t version, flags;
	uint32_t total;

	if (!rbuf_copy(r, magic, MAGIC_LEN) || memcmp(magic, MAGIC, MAGIC_LEN) != 0 ||
	    !rbuf_u16(r, &version) || !rbuf_u16(r, &flags) || !rbuf_u32(r, &total)) {
		snprintf(why, why_len, "not a muxd handover state (%zu bytes)", len);
		return false;
	}
	if (version > HANDOVER_VERSION) {
		snprintf(why, why_len, "state version %u is newer than this muxd's (%u)",
		    version, HANDOVER_VERSION);
		return false;
	}
	if (total != len) {
		snprintf(why, why_len, "state of %u bytes, %zu received", total, len);
		return false;
	}
	return true;
}

bool handover_state_decode(const uint8_t *p, size_t len, struct handover_state *out,
    char *why, size_t why_len)
{
	struct rbuf r = rbuf_make(p, len);
	bool have_process = false, ok;

	memset(out, 0, sizeof *out);
	if (!get_header(&r, len, why, why_len))
		return false;
	out->listeners = calloc(HANDOVER_MAX_LISTENERS, sizeof *out->listeners);
	ok = out->listeners != NULL;
	if (!ok)
		snprintf(why, why_len, "out of memory");
	while (ok && !rbuf_empty(&r)) {
		uint8_t type;
		uint32_t blen;
		struct rbuf body;
		ok = rbuf_u8(&r, &type) && rbuf_u32(&r, &blen) && rbuf_sub(&r, blen, &body);
		if (!ok)
			snprintf(why, why_len, "a record runs past the end of the state");
		else
			ok = get_record(type, &body, out, &have_process, why, why_len);
	}
	if (ok && !have_process) {
		snprintf(why, why_len, "no process record");
		ok = false;
	}
	if (ok)
		ok = check_indices(out, why, why_len);
	if (!ok)
		handover_state_release(out);
	return ok;
}

void handover_state_release(struct handover_state *s)
{
	free(s->listeners);
	free(s->sessions);
	free(s->views);
	memset(s, 0, sizeof *s);
}
