/*
 * rbuf.h — the bounds-checked reader every wire byte goes through.
 *
 * A reader never reads past its end: each get returns false at the end and
 * leaves the reader where it was. Decoders read fields with these and never
 * do pointer arithmetic on packets themselves.
 */
#ifndef BGPMUX_RBUF_H
#define BGPMUX_RBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rbuf {
	const uint8_t *p;
	size_t len;     /* bytes left */
};

static inline struct rbuf rbuf_make(const void *p, size_t len)
{
	struct rbuf r = { (const uint8_t *)p, len };
	return r;
}

static inline bool rbuf_empty(const struct rbuf *r) { return r->len == 0; }

static inline bool rbuf_u8(struct rbuf *r, uint8_t *v)
{
	if (r->len < 1)
		return false;
	*v = r->p[0];
	r->p++;
	r->len--;
	return true;
}

static inline bool rbuf_u16(struct rbuf *r, uint16_t *v)
{
	if (r->len < 2)
		return false;
	*v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->len -= 2;
	return true;
}

static inline bool rbuf_u32(struct rbuf *r, uint32_t *v)
{
	if (r->len < 4)
		return false;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->len -= 4;
	return true;
}

static inline bool rbuf_copy(struct rbuf *r, void *dst, size_t n)
{
	if (r->len < n)
		return false;
	memcpy(dst, r->p, n);
	r->p += n;
	r->len -= n;
	return true;
}

/* Split the next n bytes off as a reader of their own. */
static inline bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub)
{
	if (r->len < n)
		return false;
	sub->p = r->p;
	sub->len = n;
	r->p += n;
	r->len -= n;
	return true;
}

static inline bool rbuf_skip(struct rbuf *r, size_t n)
{
	struct rbuf ignored;
	return rbuf_sub(r, n, &ignored);
}

/* Big-endian loads from bytes already known to be in bounds. */
static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
