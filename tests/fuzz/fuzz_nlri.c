/*
 * fuzz_nlri.c — libFuzzer target for the NLRI codec and the prefix text
 * forms.
 *
 * The first octet picks the family (bit 0: IPv6) and ADD-PATH (bit 1);
 * the rest is an NLRI block. bgp_nlri_count and a walk with
 * bgp_nlri_next must agree; every prefix read must encode back to bytes
 * that read as the same prefix, and its text must parse back to it. The
 * same bytes are also tried as prefix text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_nlri: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

static void check_prefix(const struct bgp_prefix *p, bool addpath)
{
	uint8_t buf[32];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_prefix q;
	char text[BGP_PREFIX_STRLEN];

	bgp_nlri_put(&w, p, addpath);
	CHECK(!w.overflow && w.len == bgp_nlri_size(p, addpath));
	struct rbuf r = rbuf_make(buf, w.len);
	CHECK(bgp_nlri_next(&r, p->afi, addpath, &q) && rbuf_empty(&r));
	CHECK(memcmp(p, &q, sizeof q) == 0);
	bgp_prefix_format(p, text, sizeof text);
	CHECK(bgp_prefix_parse(text, &q));
	q.path_id = p->path_id;
	CHECK(bgp_prefix_cmp(p, &q) == 0);
}

static void check_block(const uint8_t *p, size_t len, uint16_t afi, bool addpath)
{
	long count = bgp_nlri_count(p, len, afi, addpath);
	struct rbuf r = rbuf_make(p, len);
	struct bgp_prefix prefix;
	long n = 0;

	while (bgp_nlri_next(&r, afi, addpath, &prefix)) {
		check_prefix(&prefix, addpath);
		n++;
	}
	if (count >= 0)
		CHECK(n == count && rbuf_empty(&r));
	else
		CHECK(!rbuf_empty(&r));
}

/* Text that parses formats to text that parses to the same prefix. */
static void check_text(const uint8_t *data, size_t size)
{
	char s[128], again[BGP_PREFIX_STRLEN];
	struct bgp_prefix p, q;

	if (size >= sizeof s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!bgp_prefix_parse(s, &p))
		return;
	bgp_prefix_format(&p, again, sizeof again);
	CHECK(bgp_prefix_parse(again, &q));
	CHECK(memcmp(&p, &q, sizeof p) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	check_block(data + 1, size - 1, (data[0] & 1) ? BGP_AFI_IPV6 : BGP_AFI_IPV4,
	    (data[0] & 2) != 0);
	check_text(data, size);
	return 0;
}
