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

#include "muxd/lib/rbuf.h"
#include "muxd/lib/wbuf.h"

#define MAGIC "MUXHOVER"
#define MAGIC_LEN 8
#define HEADER_LEN (MAGIC_LEN + 2 + 2 + 4)
#define RECORD_HEADER_LEN 5
#define PROCESS_LEN (4 + 8 + 4 + 2 + 2 + 2)
#define LISTENER_MAX_LEN (2 + 1 + 16 + 2)

enum { REC_PROCESS = 1, REC_LISTENER = 2 };

static size_t listener_len(const struct handover_listener *l)
{
	return 2 + 1 + (sockaddr_family(&l->addr) == AF_INET6 ? 16 : 4) + 2;
}

size_t handover_state_size(const struct handover_state *s)
{
	size_t n = HEADER_LEN + RECORD_HEADER_LEN + PROCESS_LEN;

	for (size_t i = 0; i < s->nlisteners; i++)
		n += RECORD_HEADER_LEN + listener_len(&s->listeners[i]);
	return n;
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

static bool check_indices(const struct handover_state *s, char *why, size_t why_len)
{
	bool ok = s->nfds > 0 && s->lock_index < s->nfds && s->ready_index < s->nfds;

	for (size_t i = 0; ok && i < s->nlisteners; i++)
		ok = s->listeners[i].fd_index > 0 && s->listeners[i].fd_index < s->nfds;
	if (!ok)
		snprintf(why, why_len, "a descriptor index outside the %u handed over",
		    s->nfds);
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
	memset(s, 0, sizeof *s);
}
