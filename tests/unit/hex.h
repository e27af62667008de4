/*
 * hex.h — bytes written as hex in a unit test ("18 c0 00 02", blanks
 * ignored), as captured from a real router or tshark.
 */
#ifndef BGPMUX_TEST_HEX_H
#define BGPMUX_TEST_HEX_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes s into out (at most cap bytes); returns the length. A bad
 * digit, an odd digit left over or an overflow fails the test. */
static inline size_t hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;
		if (*s == ' ' || *s == '\n')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			ck_abort_msg("bad hex digit '%c'", *s);
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_uint_lt(n, cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	ck_assert_msg(hi < 0, "an odd number of hex digits");
	return n;
}

#endif
