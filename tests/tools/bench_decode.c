/*
 * bench_decode.c — how fast the UPDATE codec takes in a full table.
 *
 * Builds N IPv4 prefixes (1,000,000 by default) packed in realistic
 * UPDATEs: about 100 prefixes per attribute set, AS paths of 2–6 hops,
 * 0–4 communities, MED on some, prefix lengths /16–/24. Then decodes them
 * all, several rounds on one core, as a receiver does: every attribute
 * decoded (bgp_update_decode, 4-octet external session) and every prefix
 * walked with bgp_nlri_next. Prints prefixes/s and bytes/s, best and
 * median of the rounds.
 *
 *   bench_decode [-n prefixes] [-r rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp/bgp_update.h"

struct bench {
	uint8_t *buf;           /* the UPDATEs, back to back, headers included */
	size_t len;
	size_t messages;
	size_t prefixes;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

/* One attribute set as a neighbor would send it. */
static size_t bench_attrs(uint8_t *out, size_t cap)
{
	uint8_t path[64], comm[16];
	struct bgp_attrs a;
	struct wbuf pw = wbuf_make(path, sizeof path), w = wbuf_make(out, cap);
	unsigned hops = 2 + rng() % 5, ncomm = rng() % 5;
	const struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true };

	memset(&a, 0, sizeof a);
	wbuf_u8(&pw, BGP_AS_SEQUENCE);
	wbuf_u8(&pw, (uint8_t)hops);
	wbuf_u32(&pw, 64496);                   /* the neighbor */
	for (unsigned i = 1; i < hops; i++)
		wbuf_u32(&pw, 1 + rng() % 400000);
	struct wbuf cw = wbuf_make(comm, sizeof comm);
	for (unsigned i = 0; i < ncomm; i++)
		wbuf_u32(&cw, 64496u << 16 | (rng() % 1000));
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	a.origin = (uint8_t)(rng() % 3);
	a.as_path = (struct bgp_bytes){ path, (uint16_t)pw.len };
	memcpy(a.next_hop, "\xc0\x00\x02\x01", 4);
	if (rng() % 3 == 0) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_MED);
		a.med = rng() % 1000;
	}
	if (ncomm) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
		a.communities = (struct bgp_bytes){ comm, (uint16_t)cw.len };
	}
	bgp_attrs_encode(&w, &a, &ctx);
	return w.overflow ? 0 : w.len;
}

static void bench_prefix(struct bgp_prefix *p, size_t i)
{
	memset(p, 0, sizeof *p);
	p->afi = BGP_AFI_IPV4;
	p->len = (uint8_t)(16 + rng() % 9);
	uint32_t a = (uint32_t)(0x01000000u + i * 256 + (rng() & 0xff00));
	a &= ~0u << (32 - p->len);
	p->addr[0] = (uint8_t)(a >> 24);
	p->addr[1] = (uint8_t)(a >> 16);
	p->addr[2] = (uint8_t)(a >> 8);
	p->addr[3] = (uint8_t)a;
}

/* One UPDATE of up to `count` prefixes for a fresh attribute set. */
static size_t bench_update(struct bench *b, size_t cap, size_t first, size_t count)
{
	uint8_t attrs[256];
	struct bgp_pack_spec spec = { .afi = BGP_AFI_IPV4, .safi = BGP_SAFI_UNICAST,
	    .max_len = BGP_MAX_LEN, .attrs = attrs };
	struct wbuf w = wbuf_make(b->buf + b->len, cap - b->len);
	struct bgp_packer pk;
	struct bgp_prefix p;
	size_t n = 0;

	spec.attrs_len = bench_attrs(attrs, sizeof attrs);
	if (spec.attrs_len == 0 || !bgp_packer_begin(&pk, &w, &spec))
		return 0;
	for (; n < count; n++) {
		bench_prefix(&p, first + n);
		if (!bgp_packer_add(&pk, &p))
			break;
	}
	if (bgp_packer_finish(&pk) == 0)
		return 0;
	b->len += w.len;
	b->messages++;
	return n;
}

static void bench_build(struct bench *b, size_t prefixes)
{
	size_t cap = prefixes * 8 + 65536;

	b->buf = malloc(cap);
	if (b->buf == NULL) {
		fprintf(stderr, "bench_decode: out of memory for %zu bytes\n", cap);
		exit(1);
	}
	b->len = b->messages = b->prefixes = 0;
	while (b->prefixes < prefixes) {
		size_t want = 80 + rng() % 41;          /* 80–120 per set */
		if (want > prefixes - b->prefixes)
			want = prefixes - b->prefixes;
		size_t n = bench_update(b, cap, b->prefixes, want);
		if (n == 0) {
			fprintf(stderr, "bench_decode: could not build an UPDATE\n");
			exit(1);
		}
		b->prefixes += n;
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One pass over every UPDATE; returns the prefixes seen. sum keeps the
 * compiler from dropping the work. */
static size_t bench_decode_all(const struct bench *b, uint8_t *scratch,
    size_t scratch_cap, uint64_t *sum)
{
	static const struct bgp_codec_ctx ctx = {
		.as4 = true, .ebgp = true, .max_len = BGP_MAX_LEN,
	};
	size_t at = 0, prefixes = 0;
	struct bgp_update u;
	struct bgp_err e;
	struct bgp_prefix p;

	while (at < b->len) {
		size_t len = be16(b->buf + at + BGP_MARKER_LEN);
		if (!bgp_update_decode(b->buf + at + BGP_HEADER_LEN, len - BGP_HEADER_LEN,
		    &ctx, scratch, scratch_cap, &u, &e) || e.tier != BGP_TIER_OK) {
			fprintf(stderr, "bench_decode: UPDATE at %zu refused: %s\n", at, e.why);
			exit(1);
		}
		struct rbuf r = rbuf_make(u.nlri.p, u.nlri.len);
		while (bgp_nlri_next(&r, BGP_AFI_IPV4, false, &p)) {
			*sum += p.addr[1] + p.len;
			prefixes++;
		}
		*sum += u.attrs.as_path.len + u.attrs.communities.len;
		at += len;
	}
	return prefixes;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	size_t prefixes = 1000000;
	int rounds = 5, opt;
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	struct bench b;
	uint64_t sum = 0;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			prefixes = strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else {
			fprintf(stderr, "usage: bench_decode [-n prefixes] [-r rounds]\n");
			return 2;
		}
	}
	if (prefixes == 0 || rounds < 1 || rounds > 100) {
		fprintf(stderr, "bench_decode: need -n > 0 and 1 <= -r <= 100\n");
		return 2;
	}
	bench_build(&b, prefixes);
	printf("built %zu prefixes in %zu UPDATEs, %zu bytes (%.1f prefixes/UPDATE)\n",
	    b.prefixes, b.messages, b.len, (double)b.prefixes / (double)b.messages);

	double secs[100];
	bench_decode_all(&b, scratch, sizeof scratch, &sum);    /* warm up */
	for (int i = 0; i < rounds; i++) {
		double t0 = now();
		size_t n = bench_decode_all(&b, scratch, sizeof scratch, &sum);
		secs[i] = now() - t0;
		if (n != b.prefixes) {
			fprintf(stderr, "bench_decode: walked %zu prefixes of %zu\n", n,
			    b.prefixes);
			return 1;
		}
		printf("round %d: %.3f s, %.2f M prefixes/s, %.1f MB/s\n", i + 1, secs[i],
		    (double)n / secs[i] / 1e6, (double)b.len / secs[i] / 1e6);
	}
	qsort(secs, (size_t)rounds, sizeof secs[0], cmp_double);
	double best = secs[0], median = secs[rounds / 2];
	printf("decode: best %.2f M prefixes/s (%.1f MB/s), median %.2f M prefixes/s "
	    "(%.1f MB/s) over %d rounds [check %llu]\n",
	    (double)b.prefixes / best / 1e6, (double)b.len / best / 1e6,
	    (double)b.prefixes / median / 1e6, (double)b.len / median / 1e6, rounds,
	    (unsigned long long)(sum & 0xffff));
	free(b.buf);
	return 0;
}
