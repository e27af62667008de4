/*
 * bench_pathstore.c — speed and memory of the path store.
 *
 *   bench_pathstore [prefixes [attrsets [paths]]]   (default 1000000 1000 300000)
 *
 * Scenarios: a full IPv4 table (one path per prefix, a mix of lengths like
 * the real table's) announced in random order, the same in prefix order
 * (as a full-table dump usually comes), an ADD-PATH view (a tenth of the prefixes with 10
 * paths each), an IPv6 table (a fifth of the prefixes), interning, and one
 * prefix with `paths` ADD-PATH paths withdrawn in ascending, descending
 * and random path id order (the cost must stay linear in the paths).
 * Every figure is printed as "name: value unit"; memory is the growth of
 * the resident set (/proc/self/statm) next to what the rib counts itself.
 *
 *   bench_pathstore views V [prefixes]             (default 1000000)
 *
 * The profile of scripts/bench-scale.sh's load, without the sessions: V
 * views, each with its own attribute store, fed the synthetic table of
 * mrt_replay --synthetic (tests/tools/lib/synth.h: the same prefixes for
 * every view, AS 64512+u and a next hop of its own, so every view's
 * attribute sets differ), decoded, interned and announced as a view does.
 * Prints where the bytes go (nodes, branch nodes, hash slots, path
 * arrays, attribute sets with their malloc overhead) against the growth
 * of the resident set, the CPU seconds per million paths, and the CPU
 * time of loading one view's snapshot (an upgrade's takeover).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/rib/pathstore.h"
#include "muxd/rib/rib_snapshot.h"
#include "tests/tools/lib/synth.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long rss_bytes(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* Prefix lengths roughly as in today's IPv4 table: 60 % /24, the rest
 * spread over /16–/23. Addresses: a permutation of the /24s of 1/8–223/8,
 * so the /24s are all different. */
static void make_ipv4(struct bgp_prefix *p, size_t n)
{
	const uint32_t space = 223u << 16;      /* /24s from 1.0.0.0 */
	for (size_t i = 0; i < n; i++) {
		uint32_t k = (uint32_t)((i * 2654435761u) % space);
		uint32_t a = (1u << 24) + (k << 8);
		unsigned r = rng() % 100, len = r < 60 ? 24 : 16 + r % 8;
		a &= len ? ~0u << (32 - len) : 0;
		memset(&p[i], 0, sizeof p[i]);
		p[i].afi = BGP_AFI_IPV4;
		p[i].len = (uint8_t)len;
		p[i].addr[0] = (uint8_t)(a >> 24);
		p[i].addr[1] = (uint8_t)(a >> 16);
		p[i].addr[2] = (uint8_t)(a >> 8);
		p[i].addr[3] = (uint8_t)a;
	}
}

/* /32–/48 inside 2000::/3, mostly /48. */
static void make_ipv6(struct bgp_prefix *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&p[i], 0, sizeof p[i]);
		p[i].afi = BGP_AFI_IPV6;
		unsigned r = rng() % 100, len = r < 50 ? 48 : r < 70 ? 32 : 33 + r % 15;
		uint64_t hi = ((uint64_t)0x2 << 60) | ((uint64_t)rng() << 28) | (i & 0xfffffff);
		hi &= ~0ULL << (64 - len);
		for (int b = 0; b < 8; b++)
			p[i].addr[b] = (uint8_t)(hi >> (56 - 8 * b));
		p[i].len = (uint8_t)len;
	}
}

static uint8_t path_bytes[1000][2 + 4 * 5];

static struct attrset **make_sets(struct attrstore *s, size_t n)
{
	struct attrset **sets = calloc(n, sizeof *sets);
	static const uint8_t nh[4] = { 192, 0, 2, 1 };
	for (size_t i = 0; i < n; i++) {
		uint8_t *pb = path_bytes[i % 1000];
		pb[0] = BGP_AS_SEQUENCE;
		pb[1] = 5;
		for (int k = 0; k < 5; k++) {
			uint32_t asn = 64496 + (uint32_t)((i * 7 + (size_t)k * 13) % 1000);
			pb[2 + 4 * k] = (uint8_t)(asn >> 24);
			pb[3 + 4 * k] = (uint8_t)(asn >> 16);
			pb[4 + 4 * k] = (uint8_t)(asn >> 8);
			pb[5 + 4 * k] = (uint8_t)asn;
		}
		struct bgp_attrs a;
		memset(&a, 0, sizeof a);
		a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
		    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_MED);
		a.as_path.p = pb;
		a.as_path.len = sizeof path_bytes[0];
		memcpy(a.next_hop, nh, 4);
		a.med = (uint32_t)i;
		sets[i] = attrset_intern(s, &a, nh, 4);
		if (sets[i] == NULL) {
			fprintf(stderr, "bench_pathstore: attrset_intern failed\n");
			exit(1);
		}
	}
	return sets;
}

static int count_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	(void)p;
	(void)set;
	++*(size_t *)arg;
	return 0;
}

static int first_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	(void)p;
	(void)set;
	++*(size_t *)arg;
	return 1;
}

static void report(const char *scenario, const char *what, double value, const char *unit)
{
	printf("%-10s %-28s %10.1f %s\n", scenario, what, value, unit);
}

/* Announce p[0..n) with paths path ids each, then measure replace, get,
 * walk, cursor walk and withdraw. */
static void run(const char *name, struct attrstore *s, struct attrset **sets,
    size_t nsets, struct bgp_prefix *p, size_t n, uint32_t paths)
{
	struct adjrib *rib = adjrib_new(s);
	size_t routes = n * paths;
	long rss0 = rss_bytes();

	double t = now_ns();
	for (uint32_t id = 0; id < paths; id++) {
		for (size_t i = 0; i < n; i++) {
			p[i].path_id = id + (paths > 1);
			adjrib_announce(rib, &p[i], sets[(i * 31 + id) % nsets]);
		}
	}
	/* What still waits to be linked is part of the load (a view settles
	 * at End-of-RIB): timed here, not left to the walk below. */
	adjrib_settle(rib);
	double t_ins = now_ns() - t;
	long rss1 = rss_bytes();
	struct adjrib_stats st;
	adjrib_stats(rib, &st);
	routes = st.routes;

	report(name, "routes", (double)st.routes, "");
	report(name, "prefixes", (double)st.prefixes, "");
	report(name, "announce (new)", t_ins / (double)routes, "ns/route");
	report(name, "memory (RSS growth)", (double)(rss1 - rss0) / (double)routes, "bytes/route");
	report(name, "memory (rib's own count)", (double)st.bytes / (double)routes, "bytes/route");
	report(name, "trie nodes", (double)st.nodes / (double)st.prefixes, "per prefix");

	t = now_ns();
	for (size_t i = 0; i < n; i++) {
		p[i].path_id = paths > 1;
		adjrib_announce(rib, &p[i], sets[(i * 31 + 7) % nsets]);
	}
	report(name, "announce (replace)", (now_ns() - t) / (double)n, "ns/route");

	t = now_ns();
	size_t found = 0;
	for (size_t i = 0; i < n; i++)
		found += adjrib_get(rib, &p[i]) != NULL;
	report(name, "get (exact)", (now_ns() - t) / (double)n, "ns/lookup");

	size_t visited = 0;
	t = now_ns();
	adjrib_walk(rib, 0, count_cb, &visited);
	report(name, "walk", (now_ns() - t) / (double)visited, "ns/route");

	struct adjrib_cursor c;
	adjrib_cursor_init(&c, 0);
	visited = 0;
	t = now_ns();
	while (!adjrib_cursor_done(&c))
		adjrib_cursor_next(rib, &c, 1000, count_cb, &visited);
	report(name, "cursor walk (chunks 1000)", (now_ns() - t) / (double)visited, "ns/route");

	t = now_ns();
	for (size_t i = 0; i < 100000; i++) {
		struct bgp_prefix q = p[(i * 7919) % n];
		q.len = 32;
		if (q.afi == BGP_AFI_IPV6)
			q.len = 128;
		visited = 0;
		adjrib_lookup(rib, &q, ADJRIB_COVERING, count_cb, &visited);
	}
	report(name, "longest match (covering)", (now_ns() - t) / 100000.0, "ns/lookup");

	t = now_ns();
	for (uint32_t id = 0; id < paths; id++) {
		for (size_t i = 0; i < n; i++) {
			p[i].path_id = id + (paths > 1);
			adjrib_withdraw(rib, &p[i]);
		}
	}
	report(name, "withdraw", (now_ns() - t) / (double)routes, "ns/route");
	if (found != n || adjrib_count(rib, 0) != 0) {
		fprintf(stderr, "bench_pathstore: %s: rib inconsistent\n", name);
		exit(1);
	}
	adjrib_free(rib);
}

static void bench_intern(struct attrstore *s, size_t nsets)
{
	struct bgp_attrs a;
	static const uint8_t nh[4] = { 192, 0, 2, 1 };
	struct attrset **sets = make_sets(s, nsets);
	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_MED);
	a.as_path.p = path_bytes[0];
	a.as_path.len = sizeof path_bytes[0];
	memcpy(a.next_hop, nh, 4);

	enum { N = 1000000 };
	double t = now_ns();
	for (size_t i = 0; i < N; i++) {
		a.as_path.p = path_bytes[i % nsets % 1000];
		a.med = (uint32_t)(i % nsets);
		attrset_put(attrset_intern(s, &a, nh, 4));
	}
	report("intern", "hit (existing set)", (now_ns() - t) / N, "ns/intern");

	t = now_ns();
	for (size_t i = 0; i < N / 10; i++) {
		a.med = (uint32_t)(nsets + i);
		attrset_put(attrset_intern(s, &a, nh, 4));
	}
	report("intern", "miss (new set, then freed)", (now_ns() - t) / (N / 10), "ns/intern");

	struct attrstore_stats st;
	attrstore_stats(s, &st);
	report("intern", "set size", (double)st.set_bytes / (double)st.sets, "bytes/set");
	for (size_t i = 0; i < nsets; i++)
		attrset_put(sets[i]);
	free(sets);
}

static int prefix_qsort_cmp(const void *a, const void *b)
{
	return bgp_prefix_cmp(a, b);
}

/* One prefix with npaths paths (ids 1..npaths, announced in ascending
 * order), then every path withdrawn in the order ids[] gives, timed; the
 * lowest path is looked up after each withdrawal, as an instance does for
 * its clients without ADD-PATH. */
static double one_prefix_withdraw(struct attrstore *s, struct attrset *set,
    const uint32_t *ids, uint32_t npaths)
{
	struct adjrib *rib = adjrib_new(s);
	struct bgp_prefix p = { .afi = BGP_AFI_IPV4, .len = 24, .addr = { 192, 0, 2 } };
	struct bgp_prefix first = p;
	size_t visited = 0;

	for (uint32_t id = 1; id <= npaths; id++) {
		p.path_id = id;
		adjrib_announce(rib, &p, set);
	}
	double t = now_ns();
	for (uint32_t i = 0; i < npaths; i++) {
		p.path_id = ids[i];
		if (!adjrib_withdraw(rib, &p)) {
			fprintf(stderr, "bench_pathstore: path %u missing\n", ids[i]);
			exit(1);
		}
		adjrib_lookup(rib, &first, ADJRIB_EXACT, first_cb, &visited);
	}
	t = now_ns() - t;
	if (adjrib_count(rib, 0) != 0) {
		fprintf(stderr, "bench_pathstore: one prefix: rib inconsistent\n");
		exit(1);
	}
	adjrib_free(rib);
	return t;
}

static void bench_one_prefix(uint32_t npaths)
{
	static const char *const orders[] = { "ascending", "descending", "random" };
	struct attrstore *s = attrstore_new();
	struct attrset **sets = make_sets(s, 1);
	uint32_t *ids = malloc(npaths * sizeof *ids);
	char what[64];

	for (int o = 0; o < 3; o++) {
		for (uint32_t i = 0; i < npaths; i++)
			ids[i] = o == 1 ? npaths - i : i + 1;
		for (uint32_t i = npaths - 1; o == 2 && i > 0; i--) {
			uint32_t j = rng() % (i + 1), x = ids[i];
			ids[i] = ids[j];
			ids[j] = x;
		}
		double t = one_prefix_withdraw(s, sets[0], ids, npaths);
		snprintf(what, sizeof what, "withdraw %s (total)", orders[o]);
		report("1-prefix", what, t / 1e9, "s");
		snprintf(what, sizeof what, "withdraw %s", orders[o]);
		report("1-prefix", what, t / npaths, "ns/path");
	}
	attrset_put(sets[0]);
	free(sets);
	free(ids);
	attrstore_free(s);
}

/* Each scenario in a child of its own, so that memory one scenario freed
 * does not hide the next one's growth. */
static void scenario(const char *name, struct bgp_prefix *p, size_t n,
    uint32_t paths, size_t nsets)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct attrstore *s = attrstore_new();
		struct attrset **sets = make_sets(s, nsets);
		run(name, s, sets, nsets, p, n, paths);
		for (size_t i = 0; i < nsets; i++)
			attrset_put(sets[i]);
		free(sets);
		if (attrstore_count(s) != 0) {
			fprintf(stderr, "bench_pathstore: %s: sets leaked\n", name);
			_exit(1);
		}
		attrstore_free(s);
		fflush(stdout);
		_exit(0);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_pathstore: scenario %s failed\n", name);
		exit(1);
	}
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One view: its store, its rib, and the sets it interned (to measure
 * them: canonical bytes, malloc's usable size). */
struct bview {
	struct attrstore *store;
	struct adjrib *rib;
	struct attrset **sets;
	size_t nsets, cap;
};

static void view_keep_set(struct bview *v, struct attrset *set)
{
	if (v->nsets == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 1024;
		v->sets = realloc(v->sets, v->cap * sizeof *v->sets);
		if (v->sets == NULL)
			exit(1);
	}
	v->sets[v->nsets++] = attrset_get(set);
}

struct feed_one {
	struct adjrib *rib;
	struct attrset *set;
};

static void feed_announce(const struct bgp_prefix *p, void *arg)
{
	struct feed_one *f = arg;
	adjrib_announce(f->rib, p, f->set);
}

/* Decode, intern and announce every UPDATE of l into v, as a view does
 * (one intern per UPDATE, its prefixes announced through a batch).
 * Returns the paths. */
static size_t view_feed(struct bview *v, const struct update_list *l)
{
	static const struct bgp_codec_ctx ctx = {
		.as4 = true, .ebgp = true, .max_len = BGP_MAX_LEN,
	};
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	size_t paths = 0;

	for (size_t m = 0; m < l->n; m++) {
		const uint8_t *msg = l->data + l->msgs[m].off;
		struct bgp_update u;
		struct bgp_err e;
		if (!bgp_update_decode(msg + BGP_HEADER_LEN, l->msgs[m].len - BGP_HEADER_LEN,
		    &ctx, scratch, sizeof scratch, &u, &e) || e.tier != BGP_TIER_OK) {
			fprintf(stderr, "bench_pathstore: synthetic UPDATE refused: %s\n", e.why);
			exit(1);
		}
		size_t before = attrstore_count(v->store);
		struct attrset *set = attrset_intern(v->store, &u.attrs, u.attrs.next_hop, 4);
		if (set == NULL)
			exit(1);
		if (attrstore_count(v->store) > before)
			view_keep_set(v, set);
		struct rbuf r = rbuf_make(u.nlri.p, u.nlri.len);
		struct bgp_prefix p;
		struct feed_one one = { v->rib, set };
		struct adjrib_batch b = { .rib = v->rib, .fn = feed_announce, .arg = &one };
		while (bgp_nlri_next(&r, BGP_AFI_IPV4, false, &p)) {
			adjrib_batch_add(&b, &p);
			paths++;
		}
		adjrib_batch_flush(&b);
		attrset_put(set);
	}
	return paths;
}

static void views_report(const char *what, double total, size_t paths, const char *note)
{
	printf("views  %-34s %12.0f bytes %7.2f bytes/path  %s\n", what, total,
	    total / (double)paths, note);
}

/* What sharing a table costs a walk: a full view's, and a peer's with
 * ten routes among the full tables (it goes over every node); then the
 * clear of one full view (its session down). */
static void views_walks(struct adjrib_table *shared, struct bview *v, unsigned nviews)
{
	struct adjrib *peer = adjrib_new_in(shared, v[0].store);
	struct bgp_prefix p = { .afi = BGP_AFI_IPV4, .len = 24, .addr = { 11, 0, 0 } };
	for (int i = 0; i < 10; i++) {
		p.addr[2] = (uint8_t)(i * 20);
		adjrib_announce(peer, &p, v[0].sets[0]);
	}
	size_t seen = 0;
	double t = now_ns();
	adjrib_walk(v[0].rib, 0, count_cb, &seen);
	printf("views  walk of a full view: %.1f ms (%zu routes)\n", (now_ns() - t) / 1e6, seen);
	seen = 0;
	t = now_ns();
	adjrib_walk(peer, 0, count_cb, &seen);
	printf("views  walk of a 10-route peer in the same table: %.1f ms (%zu routes)\n",
	    (now_ns() - t) / 1e6, seen);
	adjrib_free(peer);
	t = now_ns();
	size_t gone = adjrib_clear(v[nviews - 1].rib);
	printf("views  clear of one full view among %u: %.1f ms (%zu routes)\n", nviews,
	    (now_ns() - t) / 1e6, gone);
}

/* An upgrade's takeover of the full view v: its snapshot read into a
 * rib of a new table, as the new process does (views/view.c). */
static void views_snapshot(const struct bview *v)
{
	size_t len, paths;
	char why[128];
	uint8_t *snap = rib_snapshot_write(v->rib, &len);
	struct adjrib_table *t = adjrib_table_new();
	struct adjrib *rib = adjrib_new_in(t, v->store);
	double cpu0 = cpu_s();
	if (!rib_snapshot_read(rib, v->store, snap, len, &paths, why, sizeof why)) {
		fprintf(stderr, "bench_pathstore: snapshot refused: %s\n", why);
		exit(1);
	}
	printf("views  snapshot load of a full view: %.1f ms CPU (%zu paths)\n",
	    (cpu_s() - cpu0) * 1e3, paths);
	adjrib_free(rib);
	adjrib_table_free(t);
	free(snap);
}

/* Where the bytes of V views go; see the comment at the top. */
static int bench_views(unsigned nviews, size_t n)
{
	struct bview *v = calloc(nviews, sizeof *v);
	struct update_list *feeds = calloc(nviews, sizeof *feeds);
	for (unsigned u = 0; u < nviews; u++) {
		uint32_t nh = (198u << 24) | (18u << 16) | ((u + 1) / 250) << 8 | ((u + 1) % 250 + 1);
		if (!synth_table(&feeds[u], n, 64512 + u + 1, nh, true, false))
			return 1;
	}
	long rss0 = rss_bytes();
	double cpu0 = cpu_s();
	size_t paths = 0;
	struct adjrib_table *shared = adjrib_table_new();     /* as views/view.c */
	for (unsigned u = 0; u < nviews; u++) {
		v[u].store = attrstore_new();
		v[u].rib = adjrib_new_in(shared, v[u].store);
		paths += view_feed(&v[u], &feeds[u]);
		adjrib_settle(v[u].rib);        /* its End-of-RIB, as views/view.c */
	}
	double cpu = cpu_s() - cpu0;
	long rss = rss_bytes() - rss0;

	struct adjrib_stats sum;
	size_t sets = 0, canon = 0, set_struct = 0, usable = 0, table = 0;
	adjrib_table_stats(shared, &sum);
	for (unsigned u = 0; u < nviews; u++) {
		struct attrstore_stats as;
		attrstore_stats(v[u].store, &as);
		sets += as.sets;
		set_struct += as.set_bytes;
		table += as.table_bytes;
		for (size_t k = 0; k < v[u].nsets; k++) {
			size_t wl, nl;
			attrset_wire(v[u].sets[k], &wl);
			attrset_next_hop(v[u].sets[k], &nl);
			canon += wl + nl;
			usable += malloc_usable_size(v[u].sets[k]);
		}
	}
	if (sum.routes != paths) {
		fprintf(stderr, "bench_pathstore: views: %zu routes for %zu paths\n",
		    sum.routes, paths);
		return 1;
	}
	printf("views  %u views x %zu prefixes: %zu paths, %zu distinct prefixes, %zu nodes "
	    "(%zu branch), %zu attribute sets (%.1f canonical bytes each)\n",
	    nviews, n, paths, sum.prefixes, sum.nodes, sum.nodes - sum.prefixes,
	    sets, sets ? (double)canon / (double)sets : 0.0);
	char note[96];
	snprintf(note, sizeof note, "%.2f nodes/prefix, pool slots included",
	    (double)sum.nodes / (double)sum.prefixes);
	views_report("trie nodes (prefix + branch)", (double)sum.node_bytes, paths, note);
	views_report("hash slots", (double)sum.hash_bytes, paths, "");
	views_report("path arrays", (double)sum.path_bytes, paths,
	    "prefixes with paths of several views, or ADD-PATH");
	views_report("attribute sets: canonical bytes", (double)canon, paths, "");
	views_report("attribute sets: struct headers", (double)(set_struct - canon), paths, "");
	views_report("attribute sets: malloc overhead", (double)(usable + 16 * sets - set_struct),
	    paths, "usable size - asked + 16-byte chunk header (x86-64 glibc)");
	views_report("attribute sets: hash tables, scratch", (double)table, paths, "");
	double counted = (double)(sum.node_bytes + sum.hash_bytes + sum.path_bytes) +
	    (double)(usable + 16 * sets + table);
	views_report("total counted", counted, paths, "");
	views_report("RSS growth", (double)rss, paths, "/proc/self/statm");
	printf("views  ingest (decode, intern, announce) %.3f CPU s, %.3f CPU s per M paths\n",
	    cpu, cpu / ((double)paths / 1e6));
	views_snapshot(&v[0]);
	views_walks(shared, v, nviews);
	for (unsigned u = 0; u < nviews; u++) {
		adjrib_free(v[u].rib);
		for (size_t k = 0; k < v[u].nsets; k++)
			attrset_put(v[u].sets[k]);
		free(v[u].sets);
		attrstore_free(v[u].store);
		update_list_free(&feeds[u]);
	}
	adjrib_table_free(shared);
	free(v);
	free(feeds);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "views") == 0) {
		unsigned long nviews = strtoul(argv[2], NULL, 10);
		size_t np = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000000;
		if (nviews == 0 || nviews > 1000 || np == 0)
			return 2;
		return bench_views((unsigned)nviews, np);
	}
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t nsets = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	unsigned long npaths = argc > 3 ? strtoul(argv[3], NULL, 10) : 300000;
	if (n < 10 || nsets == 0 || npaths < 1 || npaths > ADJRIB_MAX_PATHS) {
		fprintf(stderr, "usage: bench_pathstore [prefixes >= 10 [attrsets [paths]]]\n");
		return 2;
	}
	struct bgp_prefix *p4 = calloc(n, sizeof *p4);
	struct bgp_prefix *p6 = calloc(n / 5, sizeof *p6);
	make_ipv4(p4, n);
	make_ipv6(p6, n / 5);

	printf("bench_pathstore: %zu IPv4 prefixes, %zu attribute sets\n", n, nsets);
	scenario("ipv4", p4, n, 1, nsets);
	/* A full-table dump arrives in (roughly) prefix order from most
	 * implementations: nodes then sit in memory in walk order. */
	struct bgp_prefix *sorted = malloc(n * sizeof *sorted);
	memcpy(sorted, p4, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, prefix_qsort_cmp);
	scenario("ipv4-dump", sorted, n, 1, nsets);
	free(sorted);
	scenario("addpath", p4, n / 10, 10, nsets);
	scenario("ipv6", p6, n / 5, 1, nsets);
	struct attrstore *s = attrstore_new();
	bench_intern(s, nsets);
	attrstore_free(s);
	bench_one_prefix((uint32_t)npaths);
	free(p4);
	free(p6);
	return 0;
}
