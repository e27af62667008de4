/*
 * bgp_sink — a small, fast BGP receiver for benchmarks and tests.
 *
 * It holds one session (connecting out, or waiting for the neighbor),
 * decodes every UPDATE with the project's codec (muxd/bgp_update.h) and
 * keeps the table it was sent: which prefixes are announced now, each
 * with a hash of the path attributes it came with. It stops when that
 * table is the one it was told to expect, at End-of-RIB, or when the
 * neighbor closes, and prints one JSON line on stdout:
 *
 *   {"name":"c1","prefixes":577699,"updates":89679,"bytes":…,
 *    "first_update_at":1700000000.123456,"done_at":1700000002.654321,…}
 *
 * Times are CLOCK_REALTIME seconds, so the lines of several sinks and of
 * the feeder can be compared. first_update_at is the first UPDATE that
 * announces or withdraws a prefix (not an End-of-RIB); done_at when what
 * it waits for was complete. Progress goes to stderr ("… established",
 * "first UPDATE with routes …", "done …").
 *
 * Recording: --save FILE keeps every UPDATE byte for byte (bgp_blast sends
 * the same bytes again); --dump-table FILE keeps the final table, which
 * --expect-table FILE of a later run checks against, prefix by prefix and
 * attributes too.
 *
 *   bgp_sink --listen 127.0.94.1 --save feed.stream --dump-table feed.table
 *   bgp_sink --connect 127.0.91.1 --bind 127.0.92.1 --asn 65101 \
 *       --expect-table feed.table --linger 1
 *
 * The session is the codec around one non-blocking socket and poll():
 * OPEN, KEEPALIVE, hold timer, NOTIFICATION, an empty answer to
 * ROUTE-REFRESH (BoRR/EoRR) — never a full FSM. Every loop is bounded by
 * --timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp.h"
#include "muxd/bgp_msg.h"
#include "muxd/bgp_open.h"
#include "muxd/bgp_update.h"
#include "muxd/rbuf.h"
#include "muxd/sockaddr.h"
#include "muxd/wbuf.h"

#define PROG "bgp_sink"

#define IN_CAP (4u << 20)       /* read buffer: ~1000 full UPDATEs a read */
#define OUT_CAP (64u << 10)     /* only small messages go out */
#define CLOSE_WAIT 1.0          /* seconds for the neighbor to close */
#define RETRY_PAUSE_MS 100      /* between connection attempts */
#define STALL_WARN 1.0          /* CPU seconds to handle one read: suspect */

/* Files shared with bgp_blast: a recorded UPDATE stream and a table. */
#define STREAM_MAGIC "BGPSTRM1"
#define STREAM_HDR_LEN 24       /* magic, flags, AS, BGP Identifier, 0 */
#define TABLE_MAGIC "BGPTBL01"
#define TABLE_HDR_LEN 16        /* magic, count */
#define TABLE_REC_LEN 28        /* afi, len, 0, path id, attr hash, addr */
enum { STREAM_AS4 = 1, STREAM_ADDPATH4 = 2, STREAM_ADDPATH6 = 4, STREAM_EXTMSG = 8 };


struct opts {
	const char *connect_to;         /* ADDR[:PORT] */
	const char *bind_addr;
	const char *listen_on;          /* ADDR[:PORT] */
	const char *save_path;
	const char *dump_path;
	const char *expect_path;
	const char *name;
	uint32_t asn;
	uint32_t peer_as;               /* 0: any */
	uint32_t router_id;             /* 0: our IPv4 address */
	unsigned hold_time;
	unsigned long expect;           /* 0: no count to wait for */
	double linger;                  /* seconds to stay once done */
	double timeout;                 /* seconds for the whole run */
	double connect_wait;            /* seconds to keep trying to connect */
	bool addpath, ext_msg, until_eor, quiet;
};

/* ---- small helpers ---------------------------------------------------- */

#include "tests/tools/tool_common.h"

static double clock_secs(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono(void) { return clock_secs(CLOCK_MONOTONIC); }
static double wall(void) { return clock_secs(CLOCK_REALTIME); }

static bool parse_secs(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *v >= 0 && *v < 1e6;
}

static bool parse_ipv4(const char *s, uint32_t *v)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*v = ntohl(a.s_addr);
	return true;
}

/* "127.0.0.1", "127.0.0.1:1179", "::1", "[::1]:1179"; port 179 if none. */
static bool parse_hostport(const char *s, struct sockaddr_mux *sa)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *colon = strrchr(s, ':');
	unsigned long p = BGP_PORT;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] != '\0' && close[1] != ':'))
			return false;
		n = (size_t)(close - s - 1);
		port = close[1] ? close + 2 : NULL;
		s++;
	} else if (colon && strchr(s, ':') == colon) {
		n = (size_t)(colon - s);
		port = colon + 1;
	} else {
		n = strlen(s);
	}
	if (n >= sizeof host || (port && (!parse_ulong(port, 65535, &p) || !p)))
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	return sockaddr_parse(host, (uint16_t)p, sa);
}

/* ---- the table of routes ---------------------------------------------- */

enum { R_USED = 1, R_PRESENT = 2, R_EXPECTED = 4, R_SEEN = 8 };

/* One prefix (with its path id) ever announced or expected. Entries are
 * never removed: a withdrawn route only loses R_PRESENT. */
struct route {
	uint8_t addr[16];
	uint32_t path_id;
	uint32_t attr;                  /* hash of the attributes received */
	uint32_t want;                  /* the expected hash, with R_EXPECTED */
	uint8_t afi;
	uint8_t len;
	uint8_t flags;                  /* R_* */
};

/* Open addressing, linear probing, at most 70 % full. */
struct table {
	struct route *slot;
	size_t cap;                     /* a power of two */
	size_t used;
	size_t present;                 /* routes announced now */
	size_t expected;                /* routes with R_EXPECTED */
	size_t matched;                 /* present and expected */
	size_t extra;                   /* present, not expected */
	size_t seen;                    /* distinct routes ever announced */
	unsigned long stray;            /* withdrawals of absent routes */
};

static uint64_t mix64(uint64_t z)
{
	z ^= z >> 33;
	z *= 0xff51afd7ed558ccdull;
	z ^= z >> 33;
	z *= 0xc4ceb9fe1a85ec53ull;
	return z ^ (z >> 33);
}

static uint64_t key_hash(uint16_t afi, uint8_t len, uint32_t path_id,
    const uint8_t *addr)
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return mix64(a ^ mix64(b ^ ((uint64_t)path_id << 16 | (uint64_t)afi << 8 | len)));
}

static bool route_is(const struct route *r, const struct bgp_prefix *p)
{
	return r->afi == p->afi && r->len == p->len && r->path_id == p->path_id &&
	    memcmp(r->addr, p->addr, sizeof r->addr) == 0;
}

/*
 * Slots come zeroed from mmap, on huge pages where the kernel has them
 * (THP "madvise" mode is common): a lookup is one cache miss at random
 * in tens of MiB, and without them a TLB miss too — half the sink's time.
 */
static struct route *slots_new(size_t cap)
{
	void *p = mmap(NULL, cap * sizeof(struct route), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, cap * sizeof(struct route), MADV_HUGEPAGE);
	return p;
}

static void slots_free(struct route *slot, size_t cap)
{
	if (slot)
		munmap(slot, cap * sizeof *slot);
}

static bool table_init(struct table *t, size_t routes)
{
	size_t cap = 1u << 12;

	memset(t, 0, sizeof *t);
	while (cap < SIZE_MAX / 2 && cap * 7 < routes * 10 + 10)
		cap *= 2;
	t->slot = slots_new(cap);
	t->cap = cap;
	return t->slot != NULL;
}

static void table_free(struct table *t)
{
	slots_free(t->slot, t->cap);
	memset(t, 0, sizeof *t);
}

static struct route *table_slot(struct route *slot, size_t cap, uint64_t h,
    const struct bgp_prefix *p)
{
	size_t mask = cap - 1, i = (size_t)h & mask;

	/* Never full (table_grow keeps it under 70 %): an empty slot ends it. */
	while ((slot[i].flags & R_USED) && !route_is(&slot[i], p))
		i = (i + 1) & mask;
	return &slot[i];
}

static void route_prefix(const struct route *r, struct bgp_prefix *p)
{
	memset(p, 0, sizeof *p);
	p->afi = r->afi;
	p->len = r->len;
	p->path_id = r->path_id;
	memcpy(p->addr, r->addr, sizeof p->addr);
}

static bool table_grow(struct table *t)
{
	size_t cap = t->cap * 2;
	struct route *slot = slots_new(cap);
	struct bgp_prefix p;

	if (!slot)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		const struct route *r = &t->slot[i];
		if (!(r->flags & R_USED))
			continue;
		route_prefix(r, &p);
		*table_slot(slot, cap, key_hash(r->afi, r->len, r->path_id, r->addr), &p) = *r;
	}
	slots_free(t->slot, t->cap);
	t->slot = slot;
	t->cap = cap;
	return true;
}

static uint64_t prefix_hash(const struct bgp_prefix *p)
{
	return key_hash(p->afi, p->len, p->path_id, p->addr);
}

/* Start loading the slot a lookup of hash h will read first. */
static void table_prefetch(const struct table *t, uint64_t h)
{
	__builtin_prefetch(&t->slot[(size_t)h & (t->cap - 1)]);
}

/* The route for p (of hash h), added (not present) when new; NULL if out
 * of memory. */
static struct route *table_get(struct table *t, const struct bgp_prefix *p, uint64_t h)
{
	struct route *r;

	if ((t->used + 1) * 10 > t->cap * 7 && !table_grow(t))
		return NULL;
	r = table_slot(t->slot, t->cap, h, p);
	if (!(r->flags & R_USED)) {
		memcpy(r->addr, p->addr, sizeof r->addr);
		r->path_id = p->path_id;
		r->afi = (uint8_t)p->afi;
		r->len = p->len;
		r->flags = R_USED;
		t->used++;
	}
	return r;
}

static struct route *table_find(struct table *t, const struct bgp_prefix *p)
{
	struct route *r = table_slot(t->slot, t->cap, prefix_hash(p), p);

	return (r->flags & R_USED) ? r : NULL;
}

static bool table_announce(struct table *t, const struct bgp_prefix *p, uint64_t h,
    uint32_t attr)
{
	struct route *r = table_get(t, p, h);

	if (!r)
		return false;
	r->attr = attr;
	if (!(r->flags & R_SEEN))
		t->seen++;
	if (r->flags & R_PRESENT)
		return true;
	r->flags |= R_PRESENT | R_SEEN;
	t->present++;
	if (r->flags & R_EXPECTED)
		t->matched++;
	else
		t->extra++;
	return true;
}

static void table_withdraw(struct table *t, const struct bgp_prefix *p)
{
	struct route *r = table_find(t, p);

	if (!r || !(r->flags & R_PRESENT)) {
		t->stray++;
		return;
	}
	r->flags &= (uint8_t)~R_PRESENT;
	t->present--;
	if (r->flags & R_EXPECTED)
		t->matched--;
	else
		t->extra--;
}

/* Present and expected, with other attributes than expected. */
static unsigned long table_attr_mismatch(const struct table *t)
{
	unsigned long n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		const struct route *r = &t->slot[i];
		if ((r->flags & (R_PRESENT | R_EXPECTED)) == (R_PRESENT | R_EXPECTED) &&
		    r->attr != r->want)
			n++;
	}
	return n;
}

/* ---- table files ------------------------------------------------------ */

static void record_put(struct wbuf *w, const struct route *r)
{
	wbuf_u8(w, r->afi);
	wbuf_u8(w, r->len);
	wbuf_u16(w, 0);
	wbuf_u32(w, r->path_id);
	wbuf_u32(w, r->attr);
	wbuf_bytes(w, r->addr, sizeof r->addr);
}

/* The routes present now, as records after a header. */
static bool table_dump(const struct table *t, const char *path)
{
	uint8_t buf[TABLE_REC_LEN > TABLE_HDR_LEN ? TABLE_REC_LEN : TABLE_HDR_LEN];
	FILE *f = fopen(path, "wb");
	struct wbuf w = wbuf_make(buf, sizeof buf);
	bool ok;

	if (!f) {
		warnx_("%s: %s", path, strerror(errno));
		return false;
	}
	wbuf_bytes(&w, TABLE_MAGIC, 8);
	wbuf_u32(&w, (uint32_t)((uint64_t)t->present >> 32));
	wbuf_u32(&w, (uint32_t)t->present);
	ok = fwrite(buf, 1, w.len, f) == w.len;
	for (size_t i = 0; ok && i < t->cap; i++) {
		if (!(t->slot[i].flags & R_PRESENT))
			continue;
		w = wbuf_make(buf, sizeof buf);
		record_put(&w, &t->slot[i]);
		ok = fwrite(buf, 1, w.len, f) == w.len;
	}
	if (fclose(f) != 0 || !ok) {
		warnx_("%s: cannot write the table: %s", path, strerror(errno));
		return false;
	}
	return true;
}

static bool record_get(struct rbuf *b, struct bgp_prefix *p, uint32_t *attr)
{
	uint8_t afi, len;
	uint16_t zero;

	memset(p, 0, sizeof *p);
	if (!rbuf_u8(b, &afi) || !rbuf_u8(b, &len) || !rbuf_u16(b, &zero) ||
	    !rbuf_u32(b, &p->path_id) || !rbuf_u32(b, attr) ||
	    !rbuf_copy(b, p->addr, sizeof p->addr))
		return false;
	p->afi = afi;
	p->len = len;
	return (afi == BGP_AFI_IPV4 && len <= 32) || (afi == BGP_AFI_IPV6 && len <= 128);
}

static bool table_expect_one(struct table *t, const uint8_t *rec)
{
	struct rbuf b = rbuf_make(rec, TABLE_REC_LEN);
	struct bgp_prefix p;
	uint32_t attr;
	struct route *r;

	if (!record_get(&b, &p, &attr) || !(r = table_get(t, &p, prefix_hash(&p))))
		return false;
	if (!(r->flags & R_EXPECTED))
		t->expected++;
	r->flags |= R_EXPECTED;
	r->want = attr;
	return true;
}

static bool table_header(FILE *f, uint64_t *count)
{
	uint8_t hdr[TABLE_HDR_LEN];
	struct rbuf b = rbuf_make(hdr, sizeof hdr);
	uint32_t hi, lo;

	if (fread(hdr, 1, sizeof hdr, f) != sizeof hdr || memcmp(hdr, TABLE_MAGIC, 8))
		return false;
	rbuf_skip(&b, 8);
	rbuf_u32(&b, &hi);
	rbuf_u32(&b, &lo);
	*count = (uint64_t)hi << 32 | lo;
	return *count < (1ull << 32);
}

/* Loads a table written by --dump-table as the routes to expect. */
static bool table_expect(struct table *t, const char *path)
{
	uint8_t rec[TABLE_REC_LEN];
	FILE *f = fopen(path, "rb");
	uint64_t count = 0, i;
	bool ok;

	if (!f) {
		warnx_("%s: %s", path, strerror(errno));
		return false;
	}
	ok = table_header(f, &count);
	table_free(t);
	ok = ok && table_init(t, (size_t)count);
	for (i = 0; ok && i < count; i++)
		ok = fread(rec, 1, sizeof rec, f) == sizeof rec && table_expect_one(t, rec);
	fclose(f);
	if (!ok)
		warnx_("%s: not a table written by " PROG " --dump-table "
		    "(bad header or record %" PRIu64 ")", path, i);
	return ok;
}

/* ---- attribute hashing ------------------------------------------------ */

/* FNV-1a, 64 bits: one multiply a byte is nothing next to the decode. */
static void fnv(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

static void fnv_u32(uint64_t *h, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	fnv(h, b, sizeof b);
}

static void fnv_blob(uint64_t *h, struct bgp_bytes b)
{
	fnv_u32(h, b.len);
	fnv(h, b.p, b.len);
}

static int cmp4(const void *a, const void *b) { return memcmp(a, b, 4); }
static int cmp8(const void *a, const void *b) { return memcmp(a, b, 8); }
static int cmp12(const void *a, const void *b) { return memcmp(a, b, 12); }

/*
 * Communities are a set (RFC 1997, 4360, 8092): speakers sort them and
 * drop duplicates on the way (BIRD does), so they hash in sorted order,
 * once each. size is 4, 8 or 12 bytes; the list fits one message.
 */
static void fnv_set(uint64_t *h, struct bgp_bytes b, size_t size)
{
	static uint8_t sorted[BGP_EXT_MAX_LEN];
	size_t n = b.len / size, kept = 0;

	if (n == 0) {
		fnv_u32(h, 0);
		return;
	}
	memcpy(sorted, b.p, n * size);
	qsort(sorted, n, size, size == 4 ? cmp4 : size == 8 ? cmp8 : cmp12);
	for (size_t i = 0; i < n; i++) {
		if (i && memcmp(sorted + i * size, sorted + (i - 1) * size, size) == 0)
			continue;
		fnv(h, sorted + i * size, size);
		kept++;
	}
	fnv_u32(h, (uint32_t)kept);
}

/*
 * What a transparent re-advertiser passes on unchanged, in decoded form
 * (so a 2-octet session's AS_PATH + AS4_PATH hashes like the 4-octet
 * AS_PATH): ORIGIN, AS_PATH, MED, ATOMIC_AGGREGATE, AGGREGATOR, the three
 * kinds of communities (as sets), and unknown optional transitive
 * attributes. Left
 * out: LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST (they never cross eBGP)
 * and the next hop (attrs_hash_nh adds it).
 */
static uint64_t attrs_hash_base(const struct bgp_attrs *a)
{
	const uint64_t keep = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) |
	    BGP_ATTR_BIT(BGP_ATTR_AS_PATH) | BGP_ATTR_BIT(BGP_ATTR_MED) |
	    BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE) | BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR) |
	    BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES) | BGP_ATTR_BIT(BGP_ATTR_EXT_COMMUNITIES) |
	    BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
	uint64_t present = a->present & keep, h = 0xcbf29ce484222325ull;

	fnv_u32(&h, (uint32_t)(present >> 32));
	fnv_u32(&h, (uint32_t)present);
	fnv_u32(&h, a->origin);
	fnv_blob(&h, a->as_path);
	if (present & BGP_ATTR_BIT(BGP_ATTR_MED))
		fnv_u32(&h, a->med);
	if (present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)) {
		fnv_u32(&h, a->aggregator_as);
		fnv(&h, a->aggregator_addr, sizeof a->aggregator_addr);
	}
	fnv_set(&h, a->communities, 4);
	fnv_set(&h, a->ext_communities, 8);
	fnv_set(&h, a->large_communities, 12);
	for (unsigned i = 0; i < a->unknown_count; i++) {
		const struct bgp_raw_attr *u = &a->unknown[i];
		if ((u->flags & BGP_ATTR_F_OPTIONAL) && (u->flags & BGP_ATTR_F_TRANSITIVE)) {
			fnv_u32(&h, u->type);
			fnv_blob(&h, u->val);
		}
	}
	return h;
}

/* An IPv6 next hop counts by its global address only: a link-local one
 * after it is for the link, and may be dropped on the way. */
static uint32_t attrs_hash_nh(uint64_t h, const uint8_t *nh, size_t len)
{
	fnv(&h, nh, len > 16 ? 16 : len);
	return (uint32_t)(h ^ (h >> 32));
}

/* ---- the session ------------------------------------------------------ */

enum sess_state { ST_CONNECTING, ST_OPENSENT, ST_OPENCONFIRM, ST_ESTABLISHED };

struct sink {
	const struct opts *o;
	int fd;
	enum sess_state state;
	char peer_name[INET6_ADDRSTRLEN + 8];
	uint8_t *in;
	size_t in_len;
	uint8_t out[OUT_CAP];
	size_t out_len;
	/* What the OPEN exchange settled. */
	struct bgp_codec_ctx ctx;
	uint32_t local_id, peer_as, peer_id;
	unsigned hold;
	bool enhanced_rr;
	double last_rx, last_tx;        /* monotonic */
	double deadline;                /* monotonic: --timeout */
	double linger_until;            /* monotonic, once done */
	/* What arrived. */
	struct table table;
	FILE *save;
	uint8_t scratch[BGP_ATTR_SCRATCH(BGP_EXT_MAX_LEN)];
	unsigned long updates, announced, withdrawn;
	unsigned long treat_as_withdraw, attr_discard;     /* RFC 7606 */
	uint64_t bytes;
	bool eor_ipv4, eor_ipv6;
	double established_at, first_update_at, done_at;        /* realtime */
	/* How it ended. */
	bool finished, peer_closed, failed;
	char end[200];
};

static void sink_end(struct sink *s, bool failed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Told to wait for something that has not arrived: ending now fails. */
static bool waiting(const struct sink *s)
{
	const struct opts *o = s->o;

	return (o->expect_path || o->expect || o->until_eor) && !s->done_at;
}

/* The first reason to end wins; later ones are consequences. */
static void sink_end(struct sink *s, bool failed, const char *fmt, ...)
{
	va_list ap;

	if (s->finished)
		return;
	s->finished = true;
	s->failed = failed;
	va_start(ap, fmt);
	vsnprintf(s->end, sizeof s->end, fmt, ap);
	va_end(ap);
	if (failed)
		warnx_("%s", s->end);
	else
		say(s->o, "%s", s->end);
}

static struct wbuf sink_wbuf(struct sink *s)
{
	return wbuf_make(s->out + s->out_len, sizeof s->out - s->out_len);
}

static void sink_commit(struct sink *s, const struct wbuf *w)
{
	if (w->overflow) {
		sink_end(s, true, "output queue to %s full: it does not read", s->peer_name);
		return;
	}
	s->out_len += w->len;
}

static void sink_flush(struct sink *s)
{
	while (s->out_len > 0) {
		ssize_t n = write(s->fd, s->out, s->out_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			s->peer_closed = true;
			sink_end(s, s->state != ST_ESTABLISHED || waiting(s),
			    "writing to %s: %s", s->peer_name, strerror(errno));
			return;
		}
		memmove(s->out, s->out + n, s->out_len - (size_t)n);
		s->out_len -= (size_t)n;
		s->last_tx = mono();
	}
}

static void sink_keepalive(struct sink *s)
{
	struct wbuf w = sink_wbuf(s);

	bgp_keepalive_encode(&w);
	sink_commit(s, &w);
	s->last_tx = mono();
}

static void sink_notify(struct sink *s, const struct bgp_err *e)
{
	struct wbuf w = sink_wbuf(s);

	bgp_notification_encode(&w, e->code, e->subcode, e->data, e->data_len);
	sink_commit(s, &w);
	sink_flush(s);
	sink_end(s, true, "sent NOTIFICATION %u/%u (%s, %s) to %s: %s", e->code,
	    e->subcode, bgp_err_code_name(e->code),
	    bgp_err_subcode_name(e->code, e->subcode), s->peer_name,
	    e->why ? e->why : "protocol error");
}

static void sink_fail(struct sink *s, uint8_t code, uint8_t subcode, const char *why)
{
	struct bgp_err e = { 0 };

	bgp_err_set(&e, BGP_TIER_RESET, code, subcode, NULL, 0, why);
	sink_notify(s, &e);
}

/* ---- what we say in OPEN ---------------------------------------------- */

static void open_fill(const struct sink *s, struct bgp_open *op)
{
	const struct opts *o = s->o;
	struct bgp_caps *c = &op->caps;

	memset(op, 0, sizeof *op);
	op->version = BGP_VERSION;
	op->my_as = o->asn > 0xffff ? BGP_AS_TRANS : (uint16_t)o->asn;
	op->hold_time = (uint16_t)o->hold_time;
	op->bgp_id = s->local_id;
	c->present = BGP_CAPF_MP | BGP_CAPF_AS4 | BGP_CAPF_ROUTE_REFRESH |
	    BGP_CAPF_ENHANCED_RR;
	c->mp[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	c->mp[1] = (struct bgp_family){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
	c->mp_count = 2;
	c->as4 = o->asn;
	if (o->addpath) {
		c->present |= BGP_CAPF_ADD_PATH;
		c->addpath[0] = (struct bgp_addpath_family){ c->mp[0], BGP_ADDPATH_RECEIVE };
		c->addpath[1] = (struct bgp_addpath_family){ c->mp[1], BGP_ADDPATH_RECEIVE };
		c->addpath_count = 2;
	}
	if (o->ext_msg)
		c->present |= BGP_CAPF_EXT_MESSAGE;
}

static bool sink_send_open(struct sink *s)
{
	struct bgp_open op;
	struct wbuf w = sink_wbuf(s);

	open_fill(s, &op);
	if (!bgp_open_encode(&w, &op)) {
		sink_end(s, true, "cannot encode our OPEN");
		return false;
	}
	sink_commit(s, &w);
	s->state = ST_OPENSENT;
	return true;
}

static bool peer_sends_addpath(const struct bgp_caps *c, uint16_t afi)
{
	return bgp_caps_addpath_mode(c, afi, BGP_SAFI_UNICAST) & BGP_ADDPATH_SEND;
}

static void open_negotiate(struct sink *s, const struct bgp_open *op)
{
	const struct bgp_caps *c = &op->caps;
	const struct opts *o = s->o;

	s->peer_as = bgp_open_peer_as(op);
	s->peer_id = op->bgp_id;
	s->hold = op->hold_time < o->hold_time ? op->hold_time : o->hold_time;
	s->ctx.as4 = (c->present & BGP_CAPF_AS4) != 0;
	s->ctx.ebgp = s->peer_as != o->asn;
	s->ctx.addpath[BGP_AFI_IPV4] = o->addpath && peer_sends_addpath(c, BGP_AFI_IPV4);
	s->ctx.addpath[BGP_AFI_IPV6] = o->addpath && peer_sends_addpath(c, BGP_AFI_IPV6);
	s->ctx.max_len = o->ext_msg && (c->present & BGP_CAPF_EXT_MESSAGE) ?
	    BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	/* RFC 7313 §3: both route refresh and enhanced route refresh. */
	s->enhanced_rr = (c->present & BGP_CAPF_ENHANCED_RR) &&
	    (c->present & (BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ROUTE_REFRESH_CISCO));
}

/* ---- recording -------------------------------------------------------- */

static void save_header(struct sink *s)
{
	uint8_t hdr[STREAM_HDR_LEN];
	struct wbuf w = wbuf_make(hdr, sizeof hdr);
	uint32_t flags = 0;

	if (s->ctx.as4)
		flags |= STREAM_AS4;
	if (s->ctx.addpath[BGP_AFI_IPV4])
		flags |= STREAM_ADDPATH4;
	if (s->ctx.addpath[BGP_AFI_IPV6])
		flags |= STREAM_ADDPATH6;
	if (s->ctx.max_len > BGP_MAX_LEN)
		flags |= STREAM_EXTMSG;
	wbuf_bytes(&w, STREAM_MAGIC, 8);
	wbuf_u32(&w, flags);
	wbuf_u32(&w, s->peer_as);
	wbuf_u32(&w, s->peer_id);
	wbuf_u32(&w, 0);
	fwrite(hdr, 1, w.len, s->save);
}

static void save_message(struct sink *s, const uint8_t *msg, size_t len)
{
	if (s->save && fwrite(msg, 1, len, s->save) != len) {
		warnx_("%s: cannot write: %s", s->o->save_path, strerror(errno));
		fclose(s->save);
		s->save = NULL;
	}
}

/* ---- UPDATE ----------------------------------------------------------- */

static void note_done(struct sink *s)
{
	s->done_at = wall();
	s->linger_until = mono() + s->o->linger;
	say(s->o, "done: %zu prefixes, %lu UPDATEs", s->table.present, s->updates);
}

/* Whether what we were told to wait for has arrived. */
static bool sink_is_done(const struct sink *s)
{
	const struct opts *o = s->o;
	const struct table *t = &s->table;

	/* Every expected route held; extra ones are reported, not waited
	 * out (a route the feed withdraws later is extra until then). */
	if (o->expect_path)
		return t->matched == t->expected;
	if (o->expect)
		return t->present >= o->expect;
	return o->until_eor && s->eor_ipv4;
}

/* Prefixes go to the table in batches: their slots are fetched from
 * memory together, not one cache miss after another. */
#define ANNOUNCE_BATCH 32

static bool walk_announce(struct sink *s, struct bgp_bytes nlri, uint16_t afi,
    uint32_t attr)
{
	struct rbuf r = rbuf_make(nlri.p, nlri.len);
	struct bgp_prefix p[ANNOUNCE_BATCH];
	uint64_t h[ANNOUNCE_BATCH];
	bool more = true;
	size_t n, i;

	/* bgp_update_decode checked the block whole: this cannot stop early. */
	while (more) {
		for (n = 0; n < ANNOUNCE_BATCH &&
		    (more = bgp_nlri_next(&r, afi, s->ctx.addpath[afi], &p[n])); n++) {
			h[n] = prefix_hash(&p[n]);
			table_prefetch(&s->table, h[n]);
		}
		for (i = 0; i < n; i++)
			if (!table_announce(&s->table, &p[i], h[i], attr))
				return false;
		s->announced += n;
	}
	return true;
}

static void walk_withdraw(struct sink *s, struct bgp_bytes nlri, uint16_t afi)
{
	struct rbuf r = rbuf_make(nlri.p, nlri.len);
	struct bgp_prefix p;

	while (bgp_nlri_next(&r, afi, s->ctx.addpath[afi], &p)) {
		table_withdraw(&s->table, &p);
		s->withdrawn++;
	}
}

static bool unicast_v4v6(uint16_t afi, uint8_t safi)
{
	return safi == BGP_SAFI_UNICAST && (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6);
}

static bool update_announce(struct sink *s, const struct bgp_update *u)
{
	const struct bgp_attrs *a = &u->attrs;
	uint64_t base;

	if (u->nlri.len == 0 && !(a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)))
		return true;
	base = attrs_hash_base(a);
	if (u->nlri.len && !walk_announce(s, u->nlri, BGP_AFI_IPV4,
	    attrs_hash_nh(base, a->next_hop, sizeof a->next_hop)))
		return false;
	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) &&
	    unicast_v4v6(a->mp_reach.afi, a->mp_reach.safi))
		return walk_announce(s, a->mp_reach.nlri, a->mp_reach.afi,
		    attrs_hash_nh(base, a->mp_reach.next_hop.p, a->mp_reach.next_hop.len));
	return true;
}

static void update_withdraw_all(struct sink *s, const struct bgp_update *u)
{
	const struct bgp_attrs *a = &u->attrs;

	walk_withdraw(s, u->withdrawn, BGP_AFI_IPV4);
	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI)) &&
	    unicast_v4v6(a->mp_unreach.afi, a->mp_unreach.safi))
		walk_withdraw(s, a->mp_unreach.nlri, a->mp_unreach.afi);
	if (!u->treat_as_withdraw)
		return;
	/* RFC 7606: what it announces is withdrawn instead. */
	walk_withdraw(s, u->nlri, BGP_AFI_IPV4);
	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) &&
	    unicast_v4v6(a->mp_reach.afi, a->mp_reach.safi))
		walk_withdraw(s, a->mp_reach.nlri, a->mp_reach.afi);
}

/* Whether it announces or withdraws anything: an End-of-RIB (a new
 * client's empty initial dump ends with one) does not start the clock. */
static bool update_has_routes(const struct bgp_update *u)
{
	const struct bgp_attrs *a = &u->attrs;

	return u->withdrawn.len || u->nlri.len ||
	    ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) && a->mp_reach.nlri.len) ||
	    ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI)) && a->mp_unreach.nlri.len);
}

/* A real feed can carry thousands of the same fault (LOCAL_PREF from
 * an eBGP peer): the first of each tier is shown, the rest counted. */
static void note_rfc7606(struct sink *s, const struct bgp_update *u,
    const struct bgp_err *e)
{
	unsigned long *count = u->treat_as_withdraw ? &s->treat_as_withdraw :
	    &s->attr_discard;

	if ((*count)++ == 0)
		warnx_("UPDATE %lu from %s: %s (RFC 7606 %s; further ones counted)",
		    s->updates, s->peer_name, e->why ? e->why : "error",
		    u->treat_as_withdraw ? "treat-as-withdraw" : "attribute discard");
}

static void handle_update(struct sink *s, const uint8_t *msg, size_t len)
{
	struct bgp_update u;
	struct bgp_err e = { 0 };

	if (s->state != ST_ESTABLISHED) {
		sink_fail(s, BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM, "UPDATE before Established");
		return;
	}
	s->updates++;
	s->bytes += len;
	save_message(s, msg, len);
	if (!bgp_update_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &s->ctx,
	    s->scratch, sizeof s->scratch, &u, &e)) {
		sink_notify(s, &e);
		return;
	}
	if (e.tier != BGP_TIER_OK)
		note_rfc7606(s, &u, &e);
	if (!s->first_update_at && update_has_routes(&u)) {
		s->first_update_at = wall();
		say(s->o, "first UPDATE with routes from %s", s->peer_name);
	}
	if (u.end_of_rib) {
		s->eor_ipv4 |= u.eor_afi == BGP_AFI_IPV4 && u.eor_safi == BGP_SAFI_UNICAST;
		s->eor_ipv6 |= u.eor_afi == BGP_AFI_IPV6 && u.eor_safi == BGP_SAFI_UNICAST;
	}
	update_withdraw_all(s, &u);
	if (!u.treat_as_withdraw && !update_announce(s, &u))
		sink_end(s, true, "out of memory for the table");
	if (!s->done_at && sink_is_done(s))
		note_done(s);
}

/* ---- the other messages ----------------------------------------------- */

static void open_report(const struct sink *s)
{
	struct in_addr id = { htonl(s->peer_id) };
	char idbuf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &id, idbuf, sizeof idbuf);
	say(s->o, "%s: AS%" PRIu32 ", id %s, hold time %u s, 4-octet AS %s, "
	    "ADD-PATH ipv4 %s ipv6 %s, max message %zu", s->peer_name, s->peer_as,
	    idbuf, s->hold, s->ctx.as4 ? "yes" : "no",
	    s->ctx.addpath[BGP_AFI_IPV4] ? "yes" : "no",
	    s->ctx.addpath[BGP_AFI_IPV6] ? "yes" : "no", s->ctx.max_len);
}

static void handle_open(struct sink *s, const uint8_t *body, size_t len)
{
	struct bgp_open op;
	struct bgp_err e = { 0 };

	if (s->state != ST_OPENSENT) {
		sink_fail(s, BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM, "a second OPEN");
		return;
	}
	if (!bgp_open_decode(body, len, &op, &e) ||
	    !bgp_open_check(&op, s->o->peer_as, s->local_id, &e)) {
		sink_notify(s, &e);
		return;
	}
	open_negotiate(s, &op);
	open_report(s);
	sink_keepalive(s);
	s->state = ST_OPENCONFIRM;
}

static void handle_keepalive(struct sink *s)
{
	if (s->state != ST_OPENCONFIRM)
		return;
	s->state = ST_ESTABLISHED;
	s->established_at = wall();
	if (s->save)
		save_header(s);
	say(s->o, "session with %s established", s->peer_name);
}

static void handle_notification(struct sink *s, const uint8_t *body, size_t len)
{
	struct bgp_notification n;
	struct bgp_err e = { 0 };

	s->peer_closed = true;
	if (!bgp_notification_decode(body, len, &n, &e)) {
		sink_end(s, true, "%s sent a malformed NOTIFICATION", s->peer_name);
		return;
	}
	/* A Cease ends a recording normally; anything else is a failure. */
	sink_end(s, waiting(s) || (n.code != BGP_ERR_CEASE && !s->done_at),
	    "%s sent NOTIFICATION %u/%u (%s, %s)%s%s", s->peer_name, n.code, n.subcode,
	    bgp_err_code_name(n.code), bgp_err_subcode_name(n.code, n.subcode),
	    n.shutdown_msg[0] ? ": " : "", n.shutdown_msg);
}

/* We hold no routes of our own: the refresh is BoRR and EoRR at once. */
static void handle_refresh(struct sink *s, const uint8_t *body, size_t len)
{
	struct bgp_route_refresh rr;
	struct bgp_err e = { 0 };
	struct wbuf w;

	if (!bgp_route_refresh_decode(body, len, &rr, &e)) {
		sink_notify(s, &e);
		return;
	}
	if (rr.subtype != BGP_RR_NORMAL || !s->enhanced_rr)
		return;
	w = sink_wbuf(s);
	rr.subtype = BGP_RR_BORR;
	bgp_route_refresh_encode(&w, &rr);
	rr.subtype = BGP_RR_EORR;
	bgp_route_refresh_encode(&w, &rr);
	sink_commit(s, &w);
}

static void sink_handle(struct sink *s, const uint8_t *msg, size_t len, uint8_t type)
{
	const uint8_t *body = msg + BGP_HEADER_LEN;
	size_t blen = len - BGP_HEADER_LEN;

	switch (type) {
	case BGP_UPDATE: handle_update(s, msg, len); break;
	case BGP_KEEPALIVE: handle_keepalive(s); break;
	case BGP_OPEN: handle_open(s, body, blen); break;
	case BGP_NOTIFICATION: handle_notification(s, body, blen); break;
	case BGP_ROUTE_REFRESH: handle_refresh(s, body, blen); break;
	default: sink_fail(s, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, "unknown message type");
	}
}

/* Every whole message in the input buffer; the rest waits for more. */
static void sink_dispatch(struct sink *s)
{
	size_t off = 0;

	while (!s->finished) {
		struct bgp_header h;
		struct bgp_err e = { 0 };
		size_t max = s->state == ST_ESTABLISHED ? s->ctx.max_len : BGP_MAX_LEN;
		int n = bgp_header_decode(s->in + off, s->in_len - off, max, &h, &e);
		if (n == 0)
			break;
		if (n < 0) {
			sink_notify(s, &e);
			return;
		}
		sink_handle(s, s->in + off, (size_t)n, h.type);
		off += (size_t)n;
		if (s->finished)
			break;
	}
	memmove(s->in, s->in + off, s->in_len - off);
	s->in_len -= off;
}

/* Handling one read costs milliseconds of CPU; far more means something
 * went wrong in this process (or the machine under it): say so, the
 * figures of the run are suspect. Waiting for a CPU is not counted: with
 * many clients on few cores it is normal. */
static void sink_check_stall(struct sink *s, size_t bytes, double cpu_before)
{
	double took = clock_secs(CLOCK_PROCESS_CPUTIME_ID) - cpu_before;

	if (took > STALL_WARN)
		warnx_("handling %zu bytes from %s took %.1f s of CPU, not milliseconds: "
		    "stalled (timings of this run are suspect)", bytes, s->peer_name, took);
}

static void sink_read(struct sink *s)
{
	double cpu = clock_secs(CLOCK_PROCESS_CPUTIME_ID);
	ssize_t n = read(s->fd, s->in + s->in_len, IN_CAP - s->in_len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		s->peer_closed = true;
		sink_end(s, s->state != ST_ESTABLISHED || waiting(s),
		    "%s closed the connection%s%s", s->peer_name, n < 0 ? ": " : "",
		    n < 0 ? strerror(errno) : "");
		return;
	}
	s->in_len += (size_t)n;
	s->last_rx = mono();
	sink_dispatch(s);
	sink_check_stall(s, (size_t)n, cpu);
}

/* ---- sockets ---------------------------------------------------------- */

static bool set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL), one = 1;

	/* KEEPALIVEs and NOTIFICATIONs should not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static int connect_once(const struct opts *o, const struct sockaddr_mux *to)
{
	struct sockaddr_mux from;
	int fd = socket(sockaddr_family(to), SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (o->bind_addr) {
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (!sockaddr_parse(o->bind_addr, 0, &from) ||
		    bind(fd, &from.u.sa, from.len) < 0) {
			warnx_("--bind %s: %s", o->bind_addr, strerror(errno));
			close(fd);
			errno = EINVAL;
			return -1;
		}
	}
	if (connect(fd, &to->u.sa, to->len) == 0)
		return fd;
	close(fd);
	return -1;
}

/* Tries again while the neighbor is not listening yet. */
static int tcp_connect(const struct opts *o)
{
	struct sockaddr_mux to;
	double give_up = mono() + o->connect_wait;

	if (!parse_hostport(o->connect_to, &to)) {
		warnx_("--connect %s: not ADDR[:PORT]", o->connect_to);
		return -1;
	}
	for (;;) {
		int fd = connect_once(o, &to);
		if (fd >= 0)
			return fd;
		if (errno == EINVAL || stop_signal || mono() > give_up) {
			warnx_("cannot connect to %s: %s", o->connect_to, strerror(errno));
			return -1;
		}
		poll(NULL, 0, RETRY_PAUSE_MS);
	}
}

static int tcp_accept(const struct opts *o)
{
	struct sockaddr_mux at;
	int one = 1, fd, lfd;
	struct pollfd p;

	if (!parse_hostport(o->listen_on, &at)) {
		warnx_("--listen %s: not ADDR[:PORT]", o->listen_on);
		return -1;
	}
	lfd = socket(sockaddr_family(&at), SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(lfd, &at.u.sa, at.len) < 0 || listen(lfd, 1) < 0) {
		warnx_("cannot listen on %s: %s", o->listen_on, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	say(o, "listening on %s", o->listen_on);
	p = (struct pollfd){ .fd = lfd, .events = POLLIN };
	fd = -1;
	if (poll(&p, 1, (int)(o->timeout * 1000)) > 0)
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	else
		warnx_("nobody connected to %s within %.0f s", o->listen_on, o->timeout);
	close(lfd);
	return fd;
}

static uint32_t local_ipv4(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 || ss.ss_family != AF_INET)
		return 0;
	return ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
}

static void peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct sockaddr_mux a;
	char host[INET6_ADDRSTRLEN];

	snprintf(buf, len, "neighbor");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    sockaddr_from((struct sockaddr *)&ss, sl, &a))
		snprintf(buf, len, "%s", sockaddr_ntop(&a, host, sizeof host));
}

/* ---- the run ---------------------------------------------------------- */

static bool sink_init(struct sink *s, const struct opts *o, int fd)
{
	s->o = o;
	s->fd = fd;
	s->deadline = mono() + o->timeout;
	s->last_rx = s->last_tx = mono();
	s->hold = o->hold_time;
	peer_name(fd, s->peer_name, sizeof s->peer_name);
	s->local_id = o->router_id ? o->router_id : local_ipv4(fd);
	if (!s->local_id) {
		warnx_("no IPv4 address to use as BGP Identifier: give --router-id");
		return false;
	}
	if (!set_nonblocking(fd) || !(s->in = malloc(IN_CAP))) {
		warnx_("cannot set up the connection: %s", strerror(errno));
		return false;
	}
	if (o->save_path && !(s->save = fopen(o->save_path, "wb"))) {
		warnx_("%s: %s", o->save_path, strerror(errno));
		return false;
	}
	if (s->save)
		setvbuf(s->save, NULL, _IOFBF, 1u << 20);
	return o->expect_path ? table_expect(&s->table, o->expect_path) :
	    table_init(&s->table, o->expect ? o->expect : 1u << 16);
}

static int poll_timeout_ms(const struct sink *s)
{
	double t = mono(), until = s->deadline;

	if (s->hold && s->last_tx + s->hold / 3.0 < until)
		until = s->last_tx + s->hold / 3.0;
	if (s->done_at && s->linger_until < until)
		until = s->linger_until;
	if (until <= t)
		return 0;
	return until - t > 1.0 ? 1000 : (int)((until - t) * 1000) + 1;
}

static void sink_timers(struct sink *s)
{
	double t = mono();

	if (s->done_at && t >= s->linger_until)
		sink_end(s, false, "done, and lingered %.1f s", s->o->linger);
	else if (t >= s->deadline)
		sink_end(s, true, "timed out after %.0f s (%zu prefixes held)",
		    s->o->timeout, s->table.present);
	else if (s->hold && t > s->last_rx + s->hold && s->state == ST_ESTABLISHED)
		sink_fail(s, BGP_ERR_HOLD, 0, "hold timer expired");
	else if (s->hold && s->state >= ST_OPENCONFIRM && t >= s->last_tx + s->hold / 3.0)
		sink_keepalive(s);
}

static void sink_loop(struct sink *s)
{
	if (!sink_send_open(s))
		return;
	while (!s->finished) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		if (s->out_len)
			p.events |= POLLOUT;
		if (stop_signal) {
			sink_end(s, !s->done_at, "stopped by signal %d", (int)stop_signal);
			break;
		}
		int n = poll(&p, 1, poll_timeout_ms(s));
		if (n < 0 && errno != EINTR) {
			sink_end(s, true, "poll: %s", strerror(errno));
			break;
		}
		if (n > 0 && (p.revents & POLLOUT))
			sink_flush(s);
		if (n > 0 && !s->finished && (p.revents & (POLLIN | POLLHUP | POLLERR)))
			sink_read(s);
		if (!s->finished)
			sink_timers(s);
		if (!s->finished && s->out_len)
			sink_flush(s);
	}
}

/* Cease, then a short wait for the neighbor to close: closing with bytes
 * unread would reset the connection and could lose the NOTIFICATION. */
static void sink_close(struct sink *s)
{
	struct wbuf w;
	double give_up = mono() + CLOSE_WAIT;

	if (!s->peer_closed && s->state >= ST_OPENCONFIRM) {
		s->out_len = 0;
		w = sink_wbuf(s);
		bgp_notification_encode_shutdown(&w, BGP_CEASE_ADMIN_SHUTDOWN,
		    s->failed ? PROG " gave up" : PROG " done");
		s->out_len = w.overflow ? 0 : w.len;
		/* Best effort: blocking is fine now, nothing else to do. */
		fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK);
		if (s->out_len && write(s->fd, s->out, s->out_len) < 0)
			give_up = 0;
		shutdown(s->fd, SHUT_WR);
		while (mono() < give_up) {
			struct pollfd p = { .fd = s->fd, .events = POLLIN };
			if (poll(&p, 1, 100) <= 0)
				continue;
			if (read(s->fd, s->in, IN_CAP) <= 0)
				break;
		}
	}
	close(s->fd);
	s->fd = -1;
}

static void json_time(const char *key, double t)
{
	if (t > 0)
		printf(",\"%s\":%.6f", key, t);
	else
		printf(",\"%s\":null", key);
}

static double cpu_secs(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* One line: what arrived, when, and whether it is what was expected. */
static void sink_report(const struct sink *s)
{
	const struct table *t = &s->table;
	const char *e;

	printf("{\"name\":\"%s\",\"prefixes\":%zu", s->o->name ? s->o->name : "", t->present);
	if (s->o->expect_path)
		printf(",\"expected\":%zu,\"missing\":%zu,\"extra\":%zu,\"attr_mismatch\":%lu",
		    t->expected, t->expected - t->matched, t->extra, table_attr_mismatch(t));
	printf(",\"distinct\":%zu,\"announced\":%lu,\"withdrawn\":%lu,"
	    "\"stray_withdrawals\":%lu,\"treat_as_withdraw\":%lu,\"attr_discard\":%lu,"
	    "\"updates\":%lu,\"bytes\":%" PRIu64 ",\"eor_ipv4\":%s",
	    t->seen, s->announced, s->withdrawn, t->stray, s->treat_as_withdraw,
	    s->attr_discard, s->updates, s->bytes, s->eor_ipv4 ? "true" : "false");
	json_time("established_at", s->established_at);
	json_time("first_update_at", s->first_update_at);
	json_time("done_at", s->done_at);
	printf(",\"complete\":%s,\"cpu_s\":%.3f,\"end\":\"", s->done_at ? "true" : "false",
	    cpu_secs());
	for (e = s->end; *e; e++)
		if (*e != '"' && *e != '\\' && (unsigned char)*e >= 0x20)
			putchar(*e);
	printf("\"}\n");
	fflush(stdout);
}

static int sink_run(const struct opts *o, int fd)
{
	static struct sink s;   /* large: the scratch buffer */
	bool ok = sink_init(&s, o, fd);

	if (ok)
		sink_loop(&s);
	else
		sink_end(&s, true, "could not start");
	if (s.fd >= 0)
		sink_close(&s);
	if (s.save && fclose(s.save) != 0) {
		warnx_("%s: cannot write: %s", o->save_path, strerror(errno));
		s.failed = true;
	}
	if (ok && o->dump_path && !table_dump(&s.table, o->dump_path))
		s.failed = true;
	sink_report(&s);
	table_free(&s.table);
	free(s.in);
	return s.failed ? 1 : 0;
}

/* ---- options ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " (--connect ADDR[:PORT] [--bind ADDR] | --listen ADDR[:PORT])\n"
	    "           [--asn N] [--peer-as N] [--router-id A.B.C.D] [--hold-time S]\n"
	    "           [--addpath] [--ext-msg] [--name LABEL] [--quiet]\n"
	    "           [--expect N | --expect-table FILE | --until-eor] [--linger S]\n"
	    "           [--timeout S] [--connect-wait S] [--save FILE] [--dump-table FILE]\n"
	    "Receives one BGP session's UPDATEs, keeps the table they make, and prints\n"
	    "one JSON line (CLOCK_REALTIME times) when it stops: once it holds N\n"
	    "prefixes, every route of the table in FILE (from --dump-table), or has\n"
	    "End-of-RIB for IPv4 — plus --linger S seconds — or when the neighbor\n"
	    "closes. --asn defaults to 65101, --router-id to our IPv4 address,\n"
	    "--timeout to 600 s, --connect-wait to 30 s, port to 179.\n");
}

enum {
	OPT_BIND = 256, OPT_PEER_AS, OPT_ROUTER_ID, OPT_HOLD_TIME, OPT_ADDPATH,
	OPT_EXT_MSG, OPT_EXPECT_TABLE, OPT_UNTIL_EOR, OPT_LINGER, OPT_TIMEOUT,
	OPT_CONNECT_WAIT, OPT_SAVE, OPT_DUMP, OPT_NAME,
};

static const struct option long_opts[] = {
	{ "connect", required_argument, NULL, 'c' },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "listen", required_argument, NULL, 'l' },
	{ "asn", required_argument, NULL, 'a' },
	{ "peer-as", required_argument, NULL, OPT_PEER_AS },
	{ "router-id", required_argument, NULL, OPT_ROUTER_ID },
	{ "hold-time", required_argument, NULL, OPT_HOLD_TIME },
	{ "addpath", no_argument, NULL, OPT_ADDPATH },
	{ "ext-msg", no_argument, NULL, OPT_EXT_MSG },
	{ "expect", required_argument, NULL, 'n' },
	{ "expect-table", required_argument, NULL, OPT_EXPECT_TABLE },
	{ "until-eor", no_argument, NULL, OPT_UNTIL_EOR },
	{ "linger", required_argument, NULL, OPT_LINGER },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "connect-wait", required_argument, NULL, OPT_CONNECT_WAIT },
	{ "save", required_argument, NULL, OPT_SAVE },
	{ "dump-table", required_argument, NULL, OPT_DUMP },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool opt_number(const char *name, const char *arg, unsigned long max,
    unsigned long *v)
{
	if (parse_ulong(arg, max, v))
		return true;
	warnx_("--%s %s: want a number up to %lu", name, arg, max);
	return false;
}

static bool opt_secs(const char *name, const char *arg, double *v)
{
	if (parse_secs(arg, v))
		return true;
	warnx_("--%s %s: want seconds", name, arg);
	return false;
}

static bool opt_value(struct opts *o, int ch, const char *arg)
{
	unsigned long v = 0;
	bool ok = true;

	switch (ch) {
	case 'a':
		ok = opt_number("asn", arg, UINT32_MAX, &v) && v;
		o->asn = (uint32_t)v;
		break;
	case OPT_PEER_AS:
		ok = opt_number("peer-as", arg, UINT32_MAX, &v);
		o->peer_as = (uint32_t)v;
		break;
	case OPT_ROUTER_ID:
		ok = parse_ipv4(arg, &o->router_id) && o->router_id;
		if (!ok)
			warnx_("--router-id %s: want a non-zero IPv4 address", arg);
		break;
	case OPT_HOLD_TIME:
		ok = opt_number("hold-time", arg, 65535, &v) && (v == 0 || v >= 3);
		o->hold_time = (unsigned)v;
		break;
	case 'n': ok = opt_number("expect", arg, ULONG_MAX, &o->expect) && o->expect; break;
	case OPT_LINGER: ok = opt_secs("linger", arg, &o->linger); break;
	case OPT_TIMEOUT: ok = opt_secs("timeout", arg, &o->timeout) && o->timeout > 0; break;
	case OPT_CONNECT_WAIT: ok = opt_secs("connect-wait", arg, &o->connect_wait); break;
	default: ok = false; break;
	}
	return ok;
}

static bool opt_one(struct opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'c': o->connect_to = arg; return true;
	case OPT_BIND: o->bind_addr = arg; return true;
	case 'l': o->listen_on = arg; return true;
	case OPT_ADDPATH: o->addpath = true; return true;
	case OPT_EXT_MSG: o->ext_msg = true; return true;
	case OPT_EXPECT_TABLE: o->expect_path = arg; return true;
	case OPT_UNTIL_EOR: o->until_eor = true; return true;
	case OPT_SAVE: o->save_path = arg; return true;
	case OPT_DUMP: o->dump_path = arg; return true;
	case OPT_NAME: o->name = arg; return true;
	case 'q': o->quiet = true; return true;
	default: return opt_value(o, ch, arg);
	}
}

static bool opts_check(const struct opts *o, int argc)
{
	if (optind < argc) {
		warnx_("unexpected argument");
		return false;
	}
	if (!o->connect_to == !o->listen_on) {
		warnx_("give --connect ADDR or --listen ADDR");
		return false;
	}
	if (o->bind_addr && o->listen_on) {
		warnx_("--bind goes with --connect; --listen names its own address");
		return false;
	}
	if ((o->expect_path != NULL) + (o->expect != 0) + o->until_eor > 1) {
		warnx_("give one of --expect, --expect-table, --until-eor");
		return false;
	}
	if (o->name && strpbrk(o->name, "\"\\")) {
		warnx_("--name: no quotes or backslashes");
		return false;
	}
	return true;
}

static int opts_parse(int argc, char **argv, struct opts *o)
{
	int ch;

	memset(o, 0, sizeof *o);
	o->asn = 65101;
	o->hold_time = 240;
	o->timeout = 600;
	o->connect_wait = 30;
	while ((ch = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			return 0;
		}
		if (!opt_one(o, ch, optarg)) {
			usage(stderr);
			return 2;
		}
	}
	if (!opts_check(o, argc)) {
		usage(stderr);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = opts_parse(argc, argv, &o), fd;

	if (rc >= 0)
		return rc;
	signals_init();
	fd = o.listen_on ? tcp_accept(&o) : tcp_connect(&o);
	if (fd < 0)
		return 1;
	return sink_run(&o, fd);
}
