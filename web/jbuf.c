/*
 * jbuf.c — the JSON text writer.
 */
#include "web/jbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/xalloc.h"

void jb_init(struct jbuf *b)
{
	memset(b, 0, sizeof *b);
}

void jb_reset(struct jbuf *b)
{
	b->len = 0;
	b->oom = false;
}

void jb_free(struct jbuf *b)
{
	free(b->p);
	jb_init(b);
}

bool jb_grow(struct jbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	char *p = grow_array(b->p, &b->cap, b->len + n + 1, 1);
	if (p == NULL) {
		b->oom = true;
		return false;
	}
	b->p = p;
	return true;
}

char *jb_take(struct jbuf *b)
{
	char *p = b->p;
	if (b->oom || !jb_room(b, 0)) {
		free(b->p);
		jb_init(b);
		return NULL;
	}
	p = b->p;
	p[b->len] = '\0';
	jb_init(b);
	return p;
}


void jb_lit(struct jbuf *b, const char *s)
{
	jb_bytes(b, s, strlen(s));
}

static bool plain(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

void jb_str(struct jbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *c = (const unsigned char *)s;

	jb_bytes(b, "\"", 1);
	while (*c) {
		size_t n = 0;
		while (plain(c[n]))
			n++;
		jb_bytes(b, (const char *)c, n);          /* a run of plain characters */
		c += n;
		if (*c == '"' || *c == '\\') {
			char e[2] = { '\\', (char)*c++ };
			jb_bytes(b, e, 2);
		} else if (*c) {
			char e[6] = { '\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 15] };
			jb_bytes(b, e, 6);
			c++;
		}
	}
	jb_bytes(b, "\"", 1);
}

void jb_uint(struct jbuf *b, uint64_t v)
{
	char buf[24];
	size_t i = sizeof buf;

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jb_bytes(b, buf + i, sizeof buf - i);
}

void jb_xint(struct jbuf *b, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char buf[16];
	size_t i = sizeof buf;

	do {
		buf[--i] = hex[v & 15];
		v >>= 4;
	} while (v);
	jb_bytes(b, buf + i, sizeof buf - i);
}

void jb_time(struct jbuf *b, double t)
{
	/* integers, not "%.3f": printf's float path was a third of the cost
	 * of rendering a small message */
	uint64_t ms = (uint64_t)llround(t * 1000);
	char frac[4] = { (char)('0' + ms / 100 % 10), (char)('0' + ms / 10 % 10),
	    (char)('0' + ms % 10), 0 };
	size_t n = 3;

	jb_uint(b, ms / 1000);
	while (n > 1 && frac[n - 1] == '0')
		n--;
	jb_bytes(b, ".", 1);
	jb_bytes(b, frac, n);
}

void jb_hex(struct jbuf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	if (!jb_room(b, 2 * n + 2))
		return;
	char *o = b->p + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		*o++ = hex[p[i] >> 4];
		*o++ = hex[p[i] & 15];
	}
	*o++ = '"';
	b->len += 2 * n + 2;
}
