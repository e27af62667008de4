/*
 * jbuf.h — a small JSON text writer for the live stream's hot path.
 *
 * Rendering every UPDATE with jansson's tree costs tens of microseconds
 * (an object and a hash table per field); writing the text directly costs
 * about a microsecond, which matters when a full table streams to
 * subscribers. The caller writes keys, commas and brackets itself; the
 * writer escapes strings (control characters, quotes, and every byte
 * above 0x7f as \u00XX, so output is valid JSON and ASCII whatever a peer
 * sent) and formats numbers.
 */
#ifndef BGPMUX_JBUF_H
#define BGPMUX_JBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct jbuf {
	char *p;
	size_t len, cap;
	bool oom;                       /* an allocation failed: output lost */
};

void jb_init(struct jbuf *b);
/* The text, NUL-terminated, to free(); NULL after an allocation failure. */
char *jb_take(struct jbuf *b);
/* Empty again, its memory kept (a scratch buffer reused per message). */
void jb_reset(struct jbuf *b);
void jb_free(struct jbuf *b);

/* Room for n more bytes (and the NUL jb_take adds); false after an
 * allocation failure. */
bool jb_grow(struct jbuf *b, size_t n);
static inline bool jb_room(struct jbuf *b, size_t n)
{
	return (!b->oom && b->len + n + 1 <= b->cap) || jb_grow(b, n);
}

/* n bytes as they are: inline, as most of a message is short literals
 * (a memcpy of a constant length compiles to a few moves). */
static inline void jb_bytes(struct jbuf *b, const char *s, size_t n)
{
	if (!jb_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* A string literal, its length known at compile time. */
#define JB_LIT(b, s) jb_bytes((b), "" s, sizeof(s) - 1)

void jb_lit(struct jbuf *b, const char *s);             /* unescaped */
void jb_str(struct jbuf *b, const char *s);             /* "escaped" */
void jb_uint(struct jbuf *b, uint64_t v);
/* v in lowercase hexadecimal, no prefix */
void jb_xint(struct jbuf *b, uint64_t v);
/* Milliseconds, trailing zeros dropped but one: 1700000000.12, 1700000000.0 */
void jb_time(struct jbuf *b, double t);
/* "0a1b…" */
void jb_hex(struct jbuf *b, const uint8_t *p, size_t n);

#endif
