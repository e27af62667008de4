/*
 * test_bgp_mrt.c — the UPDATE codec against real UPDATEs: 510 whole
 * messages from RouteViews, RIPE RIS and PCH collectors (see
 * tests/data/SOURCES.md). Each must decode, survive a round trip through
 * the encoders, and, for a subset, read exactly as `bgpdump -m` printed it.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"
#include "tests/unit/check_run.h"

#define SAMPLE "tests/data/bgp-updates-sample.mrt"
#define BGPDUMP "tests/data/bgp-updates-sample.bgpdump"
#define SAMPLE_RECORDS 510

struct mrt_rec {
	uint32_t ts;
	int32_t usec;           /* BGP4MP_ET; -1 without */
	bool as4;               /* BGP4MP_MESSAGE_AS4: 4-octet AS_PATH too */
	char peer[INET6_ADDRSTRLEN];
	uint32_t peer_as;
	const uint8_t *msg;     /* the whole BGP message, marker first */
	size_t len;
};

static uint8_t file[1 << 20];
static struct mrt_rec recs[1024];
static size_t nrecs;
static uint8_t scratch[16 * 65536];

static const char *data_path(const char *name)
{
	static char path[512];
	const char *dir = getenv("BGPMUX_SRCDIR");

	snprintf(path, sizeof path, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
	return path;
}

/* One BGP4MP(_ET) MESSAGE(_AS4) record (RFC 6396 §4.4); false otherwise. */
static bool mrt_parse(uint32_t ts, uint16_t type, uint16_t sub, struct rbuf b,
    struct mrt_rec *m)
{
	uint16_t afi = 0, as16 = 0;
	uint8_t ip[16];

	if ((type != 16 && type != 17) || (sub != 1 && sub != 4))
		return false;
	m->usec = -1;
	if (type == 17) {
		uint32_t us;
		ck_assert(rbuf_u32(&b, &us));
		m->usec = (int32_t)us;
	}
	m->ts = ts;
	m->as4 = sub == 4;
	if (m->as4) {
		ck_assert(rbuf_u32(&b, &m->peer_as) && rbuf_skip(&b, 4));
	} else {
		ck_assert(rbuf_u16(&b, &as16) && rbuf_skip(&b, 2));
		m->peer_as = as16;
	}
	ck_assert(rbuf_skip(&b, 2) && rbuf_u16(&b, &afi));
	size_t alen = afi == 1 ? 4 : 16;
	ck_assert(rbuf_copy(&b, ip, alen) && rbuf_skip(&b, alen));
	inet_ntop(afi == 1 ? AF_INET : AF_INET6, ip, m->peer, sizeof m->peer);
	m->msg = b.p;
	m->len = b.len;
	return m->len > 19 && m->msg[18] == BGP_UPDATE;
}

static void mrt_load(void)
{
	FILE *f = fopen(data_path(SAMPLE), "rb");

	ck_assert_msg(f != NULL, "cannot open %s (run from the tree's top)", SAMPLE);
	size_t n = fread(file, 1, sizeof file, f);
	fclose(f);
	struct rbuf r = rbuf_make(file, n), body;
	uint32_t ts, len;
	uint16_t type, sub;

	nrecs = 0;
	while (!rbuf_empty(&r)) {
		ck_assert(rbuf_u32(&r, &ts) && rbuf_u16(&r, &type) &&
		    rbuf_u16(&r, &sub) && rbuf_u32(&r, &len));
		ck_assert(rbuf_sub(&r, len, &body));
		ck_assert(nrecs < sizeof recs / sizeof recs[0]);
		if (mrt_parse(ts, type, sub, body, &recs[nrecs]))
			nrecs++;
	}
}

static struct bgp_codec_ctx rec_ctx(const struct mrt_rec *m)
{
	/* Internal: nothing is discarded for coming from outside. */
	struct bgp_codec_ctx c = { .as4 = m->as4, .max_len = BGP_EXT_MAX_LEN };
	return c;
}

static bool rec_decode(const struct mrt_rec *m, const struct bgp_codec_ctx *c,
    struct bgp_update *u, struct bgp_err *e)
{
	return bgp_update_decode(m->msg + BGP_HEADER_LEN, m->len - BGP_HEADER_LEN,
	    c, scratch, sizeof scratch, u, e);
}

/* ---- every record decodes ------------------------------------------- */

START_TEST(test_mrt_decode_all)
{
	size_t ok = 0, taw = 0, discard = 0, eor = 0, prefixes = 0;

	mrt_load();
	ck_assert_uint_eq(nrecs, SAMPLE_RECORDS);
	for (size_t i = 0; i < nrecs; i++) {
		struct bgp_codec_ctx c = rec_ctx(&recs[i]);
		struct bgp_update u;
		struct bgp_err e;
		ck_assert_msg(rec_decode(&recs[i], &c, &u, &e), "record %zu: %s", i, e.why);
		if (e.tier == BGP_TIER_OK) {
			ok++;
		} else if (e.tier == BGP_TIER_WITHDRAW) {
			/* The one real AS_PATH with AS 0 (RFC 7607). */
			ck_assert_uint_eq(e.subcode, BGP_ERR_UPD_AS_PATH);
			ck_assert(u.treat_as_withdraw);
			taw++;
		} else {
			/* Real AGGREGATORs with AS 0: dropped, routes kept. */
			ck_assert_uint_eq(e.subcode, BGP_ERR_UPD_OPTIONAL);
			ck_assert(!(u.attrs.present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)));
			discard++;
		}
		eor += u.end_of_rib;
		prefixes += (size_t)bgp_nlri_count(u.nlri.p, u.nlri.len, 1, false);
	}
	ck_assert_uint_eq(ok, SAMPLE_RECORDS - 4);
	ck_assert_uint_eq(taw, 1);
	ck_assert_uint_eq(discard, 3);
	ck_assert_uint_gt(prefixes, 1000);
	(void)eor;
}
END_TEST

/* ---- round trips ---------------------------------------------------- */

/* Re-encode u for a neighbor with ctx c: MP attributes first, as
 * RFC 7606 §5.1 asks, then the others. */
static size_t update_reencode(const struct bgp_update *u,
    const struct bgp_codec_ctx *c, uint8_t *out, size_t cap)
{
	static uint8_t attrs[65536];
	struct wbuf a = wbuf_make(attrs, sizeof attrs), w = wbuf_make(out, cap);
	const struct bgp_attrs *x = &u->attrs;

	if (x->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI))
		bgp_attr_put_mp_reach(&a, x->mp_reach.afi, x->mp_reach.safi,
		    x->mp_reach.next_hop.p, x->mp_reach.next_hop.len,
		    x->mp_reach.nlri.p, x->mp_reach.nlri.len);
	if (x->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI))
		bgp_attr_put_mp_unreach(&a, x->mp_unreach.afi, x->mp_unreach.safi,
		    x->mp_unreach.nlri.p, x->mp_unreach.nlri.len);
	bgp_attrs_encode(&a, x, c);
	ck_assert(!a.overflow);
	return bgp_update_encode(&w, c->max_len, u->withdrawn.p, u->withdrawn.len,
	    attrs, a.len, u->nlri.p, u->nlri.len);
}

static bool bytes_eq(struct bgp_bytes a, struct bgp_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static void check_round_trip(size_t i, bool as4)
{
	static uint8_t out[65536], scratch2[16 * 65536];
	struct bgp_codec_ctx c = rec_ctx(&recs[i]), c2;
	struct bgp_update u, v;
	struct bgp_err e;

	ck_assert(rec_decode(&recs[i], &c, &u, &e));
	if (e.tier != BGP_TIER_OK)
		return;
	c2 = c;
	c2.as4 = as4;
	size_t n = update_reencode(&u, &c2, out, sizeof out);
	ck_assert_msg(n > 0, "record %zu: does not re-encode", i);
	ck_assert(bgp_update_decode(out + BGP_HEADER_LEN, n - BGP_HEADER_LEN, &c2,
	    scratch2, sizeof scratch2, &v, &e));
	ck_assert_msg(e.tier == BGP_TIER_OK, "record %zu: %s", i, e.why);
	ck_assert(bytes_eq(u.withdrawn, v.withdrawn));
	ck_assert(bytes_eq(u.nlri, v.nlri));
	ck_assert_msg(bgp_attrs_equal(&u.attrs, &v.attrs), "record %zu differs", i);
	ck_assert_int_eq(u.end_of_rib, v.end_of_rib);
}

START_TEST(test_mrt_round_trip_as4)
{
	mrt_load();
	for (size_t i = 0; i < nrecs; i++)
		check_round_trip(i, true);
}
END_TEST

START_TEST(test_mrt_round_trip_as2)
{
	/* To a 2-octet neighbor: AS_TRANS, AS4_PATH and AS4_AGGREGATOR, and
	 * back to the same attributes. */
	mrt_load();
	for (size_t i = 0; i < nrecs; i++)
		check_round_trip(i, false);
}
END_TEST

/* Every prefix of a message cut short or grown decodes or fails cleanly
 * (the sanitizer build checks that nothing is read out of bounds). */
START_TEST(test_mrt_truncated_and_padded)
{
	static uint8_t buf[8192];

	mrt_load();
	for (size_t i = 0; i < nrecs; i += 7) {
		size_t body = recs[i].len - BGP_HEADER_LEN;
		struct bgp_codec_ctx c = rec_ctx(&recs[i]);
		ck_assert_uint_le(body + 1, sizeof buf);
		for (size_t n = 0; n <= body + 1; n++) {
			struct bgp_update u;
			struct bgp_err e;
			memcpy(buf, recs[i].msg + BGP_HEADER_LEN, body);
			buf[body] = 0x20;       /* a prefix length with nothing after */
			bool ok = bgp_update_decode(buf, n, &c, scratch, sizeof scratch,
			    &u, &e);
			ck_assert(ok == (e.tier != BGP_TIER_RESET));
			if (n == body + 1)
				ck_assert(!ok && e.subcode == BGP_ERR_UPD_NETWORK);
		}
	}
}
END_TEST

/* ---- against bgpdump -m ------------------------------------------- */

static const char *origin_name(uint8_t o)
{
	static const char *const names[] = { "IGP", "EGP", "INCOMPLETE" };
	return o < 3 ? names[o] : "?";
}

static void fmt_communities(struct bgp_bytes c, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i + 4 <= c.len && at < len; i += 4)
		at += (size_t)snprintf(buf + at, len - at, "%s%u:%u", i ? " " : "",
		    be16(c.p + i), be16(c.p + i + 2));
}

/* The attribute half of an "A" line, from the AS path on. */
static void fmt_attrs(const struct bgp_attrs *a, const char *nh, char *buf,
    size_t len)
{
	char path[4096], comm[4096], aggr[64] = "";

	bgp_aspath_format(a->as_path, path, sizeof path);
	fmt_communities(a->communities, comm, sizeof comm);
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)) {
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, a->aggregator_addr, ip, sizeof ip);
		snprintf(aggr, sizeof aggr, "%u %s", a->aggregator_as, ip);
	}
	snprintf(buf, len, "%s|%s|%s|%u|%u|%s|%s|%s|", path,
	    origin_name(a->origin), nh, a->local_pref, a->med, comm,
	    a->present & BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE) ? "AG" : "NAG",
	    aggr);
}

struct lines {
	char text[64][8192];
	size_t n;
};

static void emit_block(struct lines *out, const struct mrt_rec *m,
    struct bgp_bytes block, uint16_t afi, const char *attrs)
{
	struct rbuf r = rbuf_make(block.p, block.len);
	struct bgp_prefix p;
	char pfx[BGP_PREFIX_STRLEN];

	char when[32];

	if (m->usec >= 0)
		snprintf(when, sizeof when, "_ET|%u.%06d", m->ts, m->usec);
	else
		snprintf(when, sizeof when, "|%u", m->ts);
	while (bgp_nlri_next(&r, afi, false, &p)) {
		ck_assert_uint_lt(out->n, 64);
		bgp_prefix_format(&p, pfx, sizeof pfx);
		snprintf(out->text[out->n++], sizeof out->text[0],
		    "BGP4MP%s|%c|%s|%u|%s%s%s", when, attrs ? 'A' : 'W', m->peer,
		    m->peer_as, pfx, attrs ? "|" : "", attrs ? attrs : "");
	}
}

/* The lines bgpdump prints for one UPDATE, in its order: withdrawals,
 * then announcements; IPv4 fields before MP attributes. */
static void render(const struct mrt_rec *m, const struct bgp_update *u,
    struct lines *out)
{
	const struct bgp_attrs *a = &u->attrs;
	char nh[INET6_ADDRSTRLEN], attrs[8192];

	out->n = 0;
	emit_block(out, m, u->withdrawn, BGP_AFI_IPV4, NULL);
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI))
		emit_block(out, m, a->mp_unreach.nlri, a->mp_unreach.afi, NULL);
	inet_ntop(AF_INET, a->next_hop, nh, sizeof nh);
	fmt_attrs(a, nh, attrs, sizeof attrs);
	emit_block(out, m, u->nlri, BGP_AFI_IPV4, attrs);
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) {
		const struct bgp_mp_reach *r = &a->mp_reach;
		inet_ntop(r->next_hop.len >= 16 ? AF_INET6 : AF_INET, r->next_hop.p,
		    nh, sizeof nh);
		fmt_attrs(a, nh, attrs, sizeof attrs);
		emit_block(out, m, r->nlri, r->afi, attrs);
	}
}

START_TEST(test_mrt_matches_bgpdump)
{
	static char line[8192];
	static struct lines got;
	FILE *f = fopen(data_path(BGPDUMP), "r");
	size_t checked = 0, lines = 0;
	char *save = NULL;

	mrt_load();
	ck_assert(f != NULL);
	ck_assert(fgets(line, sizeof line, f) != NULL);
	const char *list = strchr(line, ':');
	ck_assert(list != NULL);
	static char idx[8192];
	snprintf(idx, sizeof idx, "%s", list + 1);
	for (char *t = strtok_r(idx, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		size_t i = strtoul(t, NULL, 10);
		struct bgp_codec_ctx c = rec_ctx(&recs[i]);
		struct bgp_update u;
		struct bgp_err e;
		ck_assert(rec_decode(&recs[i], &c, &u, &e) && e.tier == BGP_TIER_OK);
		render(&recs[i], &u, &got);
		for (size_t k = 0; k < got.n; k++) {
			ck_assert(fgets(line, sizeof line, f) != NULL);
			line[strcspn(line, "\n")] = '\0';
			ck_assert_msg(strcmp(line, got.text[k]) == 0,
			    "record %zu:\n bgpdump %s\n bgpmux  %s", i, line, got.text[k]);
			lines++;
		}
		checked++;
	}
	ck_assert(fgets(line, sizeof line, f) == NULL);     /* all lines used */
	fclose(f);
	ck_assert_uint_gt(checked, 100);
	ck_assert_uint_gt(lines, 150);
}
END_TEST

static Suite *mrt_suite(void)
{
	Suite *s = suite_create("bgp_mrt");
	TCase *tc = tcase_create("real updates");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mrt_decode_all);
	tcase_add_test(tc, test_mrt_round_trip_as4);
	tcase_add_test(tc, test_mrt_round_trip_as2);
	tcase_add_test(tc, test_mrt_truncated_and_padded);
	tcase_add_test(tc, test_mrt_matches_bgpdump);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(mrt_suite());
}
