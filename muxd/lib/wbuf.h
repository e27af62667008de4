/*
 * wbuf.h — the writer every encoder uses.
 *
 * The caller owns the memory and its capacity; a put that does not fit sets
 * `overflow` and writes nothing more, so an encoder checks once at the end.
 * Encoders allocate nothing.
 */
#ifndef BGPMUX_WBUF_H
#define BGPMUX_WBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool overflow;
};

static inline struct wbuf wbuf_make(void *p, size_t cap)
{
	struct wbuf w = { (uint8_t *)p, cap, 0, false };
	return w;
}

static inline bool wbuf_room(struct wbuf *w, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return false;
	}
	return true;
}

static inline void wbuf_u8(struct wbuf *w, uint8_t v)
{
	if (wbuf_room(w, 1))
		w->p[w->len++] = v;
}

static inline void wbuf_u16(struct wbuf *w, uint16_t v)
{
	if (!wbuf_room(w, 2))
		return;
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

static inline void wbuf_u32(struct wbuf *w, uint32_t v)
{
	if (!wbuf_room(w, 4))
		return;
	w->p[w->len++] = (uint8_t)(v >> 24);
	w->p[w->len++] = (uint8_t)(v >> 16);
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

static inline void wbuf_bytes(struct wbuf *w, const void *src, size_t n)
{
	if (n && wbuf_room(w, n)) {
		memcpy(w->p + w->len, src, n);
		w->len += n;
	}
}

/* Reserve a length field to fill in later with wbuf_patch16/8. */
static inline size_t wbuf_mark(struct wbuf *w, size_t n)
{
	size_t at = w->len;
	if (wbuf_room(w, n)) {
		memset(w->p + w->len, 0, n);
		w->len += n;
	}
	return at;
}

static inline void wbuf_patch16(struct wbuf *w, size_t at, uint16_t v)
{
	if (!w->overflow && at + 2 <= w->len) {
		w->p[at] = (uint8_t)(v >> 8);
		w->p[at + 1] = (uint8_t)v;
	}
}

static inline void wbuf_patch8(struct wbuf *w, size_t at, uint8_t v)
{
	if (!w->overflow && at + 1 <= w->len)
		w->p[at] = v;
}

#endif
