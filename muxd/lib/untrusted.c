/*
 * untrusted.c — UTF-8 repair, escaping for log lines.
 */
#include "muxd/lib/untrusted.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char replacement[] = "\xef\xbf\xbd";       /* U+FFFD */

size_t untrusted_utf8_len(const uint8_t *p, size_t len)
{
	uint8_t c, lo = 0x80, hi = 0xbf;        /* the second octet's range */
	size_t n;

	if (len == 0)
		return 0;
	c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;              /* overlong */
		else if (c == 0xed)
			hi = 0x9f;              /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;              /* overlong */
		else if (c == 0xf4)
			hi = 0x8f;              /* past U+10FFFF */
	} else {
		return 0;                       /* 0x80-0xc1, 0xf5-0xff */
	}
	if (len < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return n;
}

char *untrusted_utf8(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s), o = 0;
	/* each invalid octet grows to three */
	char *out = malloc(len * 3 + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = untrusted_utf8_len(p + i, len - i);
		if (n == 0) {
			memcpy(out + o, replacement, 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return out;
}

/* Whether the n-octet character at p must be escaped in a log line. */
static bool log_unsafe(const uint8_t *p, size_t n)
{
	if (n == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	if (n == 2)
		return p[0] == 0xc2 && p[1] < 0xa0;                     /* C1 */
	return n == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	    (p[2] == 0xa8 || p[2] == 0xa9);                         /* U+2028/9 */
}

char *untrusted_log_escape(char *dst, size_t len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t slen = strlen(s), o = 0;

	if (len == 0)
		return dst;
	for (size_t i = 0; i < slen;) {
		size_t n = untrusted_utf8_len(p + i, slen - i);
		bool escape = n == 0 || log_unsafe(p + i, n);
		size_t octets = n ? n : 1, need = escape ? 4 * octets : octets;
		if (o + need >= len)
			break;
		for (size_t k = 0; k < octets; k++) {
			if (escape) {
				dst[o++] = '\\';
				dst[o++] = 'x';
				dst[o++] = hex[p[i + k] >> 4];
				dst[o++] = hex[p[i + k] & 15];
			} else {
				dst[o++] = (char)p[i + k];
			}
		}
		i += octets;
	}
	dst[o] = '\0';
	return dst;
}
