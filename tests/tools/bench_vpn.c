/*
 * bench_vpn.c — how fast a view goes out as VPN routes and comes back
 * (muxd/rib/rib_vpn.h), on one core: the view host's export and the
 * instance host's rebuild, without the network.
 *
 * Builds one view of N IPv4 prefixes (500,000 by default) with K paths
 * each (2), the paths spread over S attribute sets (100,000: about ten
 * routes a set, as in a full table), R consecutive prefixes sharing a
 * path's set (10: an origin's neighbouring prefixes; 1 for none, the
 * worst case for packing), then
 *   export: rib_vpn_export into UPDATEs of 4096 bytes (ADD-PATH), kept
 *           in memory;
 *   import: every UPDATE decoded (bgp_update_decode) and rebuilt with
 *           rib_vpn_import into a second rib: attrset_intern and
 *           adjrib_announce per route, as an instance host does;
 * and checks the copy holds as many routes. Prints one JSON line:
 *
 *   {"routes":1000000,"updates":…,"bytes":…,"export_s":…,"import_s":…,
 *    "export_routes_per_s":…,"import_routes_per_s":…}
 *
 * With -f FILE the view is instead the table one peer sent in a recorded
 * session (an MRT file of BGP4MP UPDATEs, e.g. tests/data's PCH full
 * table): real attribute sets in their real prefix order, one path a
 * prefix.
 *
 * -c sets the routes an export step takes (RIB_VPN_CHUNK by default).
 *
 * -l measures live changes instead: every route of the view withdrawn
 * one change at a time, as a view host's sender is told when the view's
 * upstream goes down, once as one UPDATE per change (rib_vpn_withdraw of
 * one route, how changes went before they were batched) and once through
 * a batch (rib_vpn_batch), with -x the UPDATE size (4096, or 65535 for
 * extended messages). Prints one JSON line per way:
 *
 *   {"way":"per-change","routes":…,"updates":…,"bytes":…,"cpu_s":…}
 *
 *   bench_vpn [-n prefixes] [-k paths] [-s sets] [-r run] [-c step]
 *       [-f FILE.mrt[.gz]] [-l [-x max_len]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp/update_walk.h"
#include "muxd/rib/rib_vpn.h"
#include "tests/tools/lib/mrt_updates.h"

struct out {
	uint8_t *buf;
	size_t len, cap, updates;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int keep(const uint8_t *msg, size_t len, void *arg)
{
	struct out *o = arg;

	if (o->len + len > o->cap) {
		o->cap = 2 * (o->len + len);
		o->buf = realloc(o->buf, o->cap);
		if (o->buf == NULL)
			return 1;
	}
	memcpy(o->buf + o->len, msg, len);
	o->len += len;
	o->updates++;
	return 0;
}

/* Counts what a live change sends; the bytes go nowhere. */
struct tally {
	size_t updates, bytes;
};

static int count(const uint8_t *msg, size_t len, void *arg)
{
	struct tally *t = arg;
	(void)msg;

	t->updates++;
	t->bytes += len;
	return 0;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int collect(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct bgp_prefix **at = arg;
	(void)set;

	*(*at)++ = *p;
	return 0;
}

static void live_report(const char *way, size_t routes, const struct tally *t,
    double cpu)
{
	printf("{\"way\":\"%s\",\"routes\":%zu,\"updates\":%zu,\"bytes\":%zu,"
	    "\"cpu_s\":%.3f}\n", way, routes, t->updates, t->bytes, cpu);
}

/* Every IPv4 route of rib withdrawn one change at a time, both ways. */
static void live(const struct adjrib *rib, const struct rib_vpn_spec *spec)
{
	size_t n = adjrib_count(rib, BGP_AFI_IPV4);
	struct bgp_prefix *routes = malloc((n ? n : 1) * sizeof *routes), *at = routes;
	struct adjrib_cursor c;
	struct tally one = { 0 }, many = { 0 };

	adjrib_cursor_init(&c, BGP_AFI_IPV4);
	while (!adjrib_cursor_done(&c))
		adjrib_cursor_next(rib, &c, RIB_VPN_CHUNK, collect, &at);
	double t0 = cpu_now();
	for (size_t i = 0; i < n; i++)
		rib_vpn_withdraw(&routes[i], 1, BGP_AFI_IPV4, spec, count, &one, NULL);
	live_report("per-change", n, &one, cpu_now() - t0);
	t0 = cpu_now();
	struct rib_vpn_batch *b = rib_vpn_batch_new(count, &many);
	for (size_t i = 0; i < n; i++)
		rib_vpn_batch_add(b, &routes[i], NULL, BGP_AFI_IPV4, spec);
	rib_vpn_batch_flush(b);
	rib_vpn_batch_free(b);
	live_report("batched", n, &many, cpu_now() - t0);
	free(routes);
}

static struct attrset *bench_set(struct attrstore *s, unsigned i)
{
	uint32_t a1 = 64496 + i % 1000, a2 = 4200000000u + i;
	uint8_t path[10] = { BGP_AS_SEQUENCE, 2, (uint8_t)(a1 >> 24), (uint8_t)(a1 >> 16),
	    (uint8_t)(a1 >> 8), (uint8_t)a1, (uint8_t)(a2 >> 24), (uint8_t)(a2 >> 16),
	    (uint8_t)(a2 >> 8), (uint8_t)a2 };
	uint8_t comm[8] = { 0xfd, 0xe8, 0, (uint8_t)i, 0xfd, 0xe8, 1, (uint8_t)(i >> 8) };
	uint8_t nh[4] = { 192, 0, 2, (uint8_t)(1 + i % 200) };
	struct bgp_attrs a;

	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES) |
	    BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	a.communities = (struct bgp_bytes){ comm, 4 + 4 * (i % 2) };
	a.local_pref = 100;
	memcpy(a.next_hop, nh, 4);
	return attrset_intern(s, &a, nh, 4);
}

static void build(struct adjrib *rib, struct attrset **sets, unsigned long n,
    unsigned long k, unsigned long nsets, unsigned long run)
{
	for (unsigned long i = 0; i < n; i++) {
		struct bgp_prefix p = { .afi = BGP_AFI_IPV4, .len = 24 };
		uint32_t net = 0x01000000u + (uint32_t)i * 256;
		p.addr[0] = (uint8_t)(net >> 24);
		p.addr[1] = (uint8_t)(net >> 16);
		p.addr[2] = (uint8_t)(net >> 8);
		for (unsigned long j = 0; j < k; j++) {
			p.path_id = (uint32_t)j + 1;
			adjrib_announce(rib, &p, sets[(i / run * 7 + j * 13) % nsets]);
		}
	}
}

/* The recorded table: every UPDATE decoded and walked into rib. */
struct load {
	struct attrstore *store;
	struct adjrib *rib;
	const struct bgp_attrs *attrs;
};

static void load_announce(const struct bgp_prefix *p, const uint8_t *nh,
    size_t nh_len, void *arg)
{
	struct load *l = arg;
	struct attrset *set = attrset_intern(l->store, l->attrs, nh, nh_len);

	adjrib_announce(l->rib, p, set);
	attrset_put(set);
}

static void load_withdraw(const struct bgp_prefix *p, void *arg)
{
	struct load *l = arg;

	adjrib_withdraw(l->rib, p);
}

static bool load_file(const char *path, struct attrstore *store, struct adjrib *rib)
{
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	static const struct bgp_family fams[] = {
		{ BGP_AFI_IPV4, BGP_SAFI_UNICAST }, { BGP_AFI_IPV6, BGP_SAFI_UNICAST },
	};
	static const struct update_walk_ops ops = { load_withdraw, load_announce };
	struct mrt_updates_spec spec = { path, NULL, 0, true };
	struct update_list ul = { 0 };
	struct load l = { store, rib, NULL };
	uint32_t peer_as;

	if (!mrt_updates_load(&spec, &ul, &peer_as))
		return false;
	struct bgp_codec_ctx ctx = { .as4 = ul.as4, .max_len = BGP_MAX_LEN };
	for (size_t i = 0; i < ul.n; i++) {
		const uint8_t *m = ul.data + ul.msgs[i].off;
		struct bgp_update u;
		struct bgp_err err;
		struct update_walk_stats st = { 0 };
		if (!bgp_update_decode(m + BGP_HEADER_LEN, ul.msgs[i].len - BGP_HEADER_LEN,
		    &ctx, scratch, sizeof scratch, &u, &err))
			continue;
		l.attrs = &u.attrs;
		update_walk(&u, &ctx, fams, 2, &ops, &l, &st);
	}
	update_list_free(&ul);
	return true;
}

struct import {
	struct attrstore *store;
	struct adjrib *rib;
};

static void on_announce(const struct bgp_vpn_prefix *vp, const struct bgp_attrs *a,
    const uint8_t *nh, size_t nh_len, void *arg)
{
	struct import *im = arg;
	struct attrset *set = attrset_intern(im->store, a, nh, nh_len);

	adjrib_announce(im->rib, &vp->p, set);
	attrset_put(set);
}

static void on_withdraw(const struct bgp_vpn_prefix *vp, void *arg)
{
	struct import *im = arg;

	adjrib_withdraw(im->rib, &vp->p);
}

static double import_all(const struct out *o, struct import *im)
{
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	static const struct rib_vpn_import_ops ops = { on_announce, on_withdraw };
	struct bgp_codec_ctx ctx = { .as4 = true, .max_len = BGP_MAX_LEN };
	struct bgp_update u;
	struct bgp_err err;
	double t0 = now();

	ctx.addpath[AID_IPV4_VPN] = ctx.addpath[AID_IPV6_VPN] = true;
	for (size_t off = 0; off < o->len;) {
		size_t len = be16(o->buf + off + 16);
		if (!bgp_update_decode(o->buf + off + BGP_HEADER_LEN, len - BGP_HEADER_LEN,
		    &ctx, scratch, sizeof scratch, &u, &err)) {
			fprintf(stderr, "bench_vpn: an UPDATE did not decode: %s\n", err.why);
			exit(1);
		}
		rib_vpn_import(&u, &ctx, &ops, im);
		off += len;
	}
	return now() - t0;
}

/* The export in steps, then the import into a second rib; 0 when the
 * copy holds as many routes. */
static int export_import(const struct adjrib *rib, const struct attrstore *store,
    const struct rib_vpn_spec *spec, unsigned long chunk)
{
	struct rib_vpn_stats st;
	struct out o = { 0 };
	double t0 = now();

	memset(&st, 0, sizeof st);
	for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		struct rib_vpn_walk w;
		rib_vpn_walk_init(&w, afi, spec);
		while (!rib_vpn_walk_done(&w))
			rib_vpn_walk_step(rib, &w, chunk, keep, &o, &st);
	}
	double t_export = now() - t0;

	struct import im = { attrstore_new(), NULL };
	im.rib = adjrib_new(im.store);
	double t_import = import_all(&o, &im);
	size_t routes = adjrib_count(rib, 0), copied = adjrib_count(im.rib, 0);
	printf("{\"routes\":%zu,\"copied\":%zu,\"sets\":%zu,\"updates\":%zu,\"bytes\":%zu,"
	    "\"step\":%lu,\"export_s\":%.3f,\"import_s\":%.3f,\"export_routes_per_s\":%.0f,"
	    "\"import_routes_per_s\":%.0f}\n", routes, copied, attrstore_count(store),
	    o.updates, o.len, chunk,
	    t_export, t_import, (double)routes / t_export, (double)routes / t_import);
	free(o.buf);
	adjrib_free(im.rib);
	attrstore_free(im.store);
	return copied == routes ? 0 : 1;
}

int main(int argc, char **argv)
{
	unsigned long n = 500000, k = 2, nsets = 100000, run = 10, chunk = RIB_VPN_CHUNK;
	unsigned long max_len = BGP_MAX_LEN;
	const char *file = NULL;
	bool live_only = false;
	int ch;

	while ((ch = getopt(argc, argv, "n:k:s:r:c:f:lx:")) != -1) {
		if (ch == 'f' || ch == 'l') {
			file = ch == 'f' ? optarg : file;
			live_only |= ch == 'l';
			continue;
		}
		unsigned long *v = ch == 'n' ? &n : ch == 'k' ? &k : ch == 's' ? &nsets :
		    ch == 'r' ? &run : ch == 'c' ? &chunk : ch == 'x' ? &max_len : NULL;
		if (v == NULL || (*v = strtoul(optarg, NULL, 10)) == 0) {
			fprintf(stderr, "usage: bench_vpn [-n prefixes] [-k paths] [-s sets] "
			    "[-r run] [-c step] [-f FILE.mrt[.gz]] [-l [-x max_len]]\n");
			return 2;
		}
	}
	struct attrstore *store = attrstore_new();
	struct adjrib *rib = adjrib_new(store);
	struct attrset **sets = calloc(nsets, sizeof *sets);
	for (unsigned long i = 0; file == NULL && i < nsets; i++)
		sets[i] = bench_set(store, (unsigned)i);
	if (file == NULL)
		build(rib, sets, n, k, nsets, run);
	else if (!load_file(file, store, rib))
		return 1;

	struct rib_vpn_spec spec = { .label = 100, .addpath = true, .max_len = max_len };
	bgp_rd_make(65000, 1, &spec.rd);
	int rc = 0;
	if (live_only)
		live(rib, &spec);
	else
		rc = export_import(rib, store, &spec, chunk);
	for (unsigned long i = 0; i < nsets; i++)
		attrset_put(sets[i]);
	free(sets);
	adjrib_free(rib);
	attrstore_free(store);
	return rc;
}
