/*
 * mrt_replay — a small BGP speaker that replays a recorded session.
 *
 * It reads the UPDATE messages one peer sent in an MRT file (BGP4MP or
 * BGP4MP_ET, subtypes MESSAGE and MESSAGE_AS4, plain or gzip, RFC 6396),
 * opens a session to a neighbor (or waits for one) and sends them
 * verbatim, as fast as the neighbor takes them. --synthetic N sends a
 * generated table of N IPv4 prefixes instead, for benchmarks.
 *
 *   mrt_replay --connect 127.0.0.100 --bind 127.0.0.101 pch-….gz
 *   mrt_replay --listen 127.0.0.1:11179 --synthetic 1000000 --asn 65001
 *
 * The clock starts at the first UPDATE and stops when the neighbor has
 * provably read the last one: it answers a ROUTE-REFRESH we send after
 * them with BoRR/EoRR (RFC 7313; a speaker handles messages in order).
 * Without enhanced route refresh (or no answer within --sync-wait), when
 * its TCP acknowledged the last byte: an earlier stop, by up to what its
 * receive buffer holds.
 *
 * Options: --limit N (UPDATEs), --eor (End-of-RIB for IPv4 and IPv6 at the
 * end), --hold (keep the session up until SIGTERM; else Cease at once),
 * --peer ADDR (which recorded peer; default the first), --quiet. One
 * summary line goes to stderr at the end.
 *
 * The session code is the project's codec (muxd/bgp_*.h) around one
 * non-blocking socket and poll(): enough to keep a session up (OPEN,
 * KEEPALIVE, hold timer, NOTIFICATION), never a full FSM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/sockios.h>
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
#include <sys/ioctl.h>
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
#include "tests/tools/mrt_read.h"

#define PROG "mrt_replay"

#define IN_CAP (256 * 1024)
#define OUT_CAP (1024 * 1024)
/* Room always left in the output queue for a control message (KEEPALIVE,
 * NOTIFICATION, ROUTE-REFRESH, End-of-RIB) behind the replayed bytes. */
#define OUT_SLACK (2 * BGP_MAX_LEN)
#define OPEN_WAIT 60.0          /* seconds for the OPEN/KEEPALIVE exchange */
#define DEFAULT_SYNC_WAIT 30    /* seconds for BoRR/EoRR after the TCP ack */
#define CLOSE_WAIT 2.0          /* seconds for the neighbor to close */
#define DEFAULT_HOLD 90

/* Address family bits of a message or of a session (1 << AFI). */
#define FAM_IPV4 (1u << BGP_AFI_IPV4)
#define FAM_IPV6 (1u << BGP_AFI_IPV6)
#define FAM_OTHER 0x80u         /* a family we never negotiate, or IPv4
				 * with an IPv6 next hop (RFC 8950) */

/* Synthetic prefixes: 11.0.0.0 up to 100.0.0.0, clear of 10/8 and 100.64/10. */
#define SYNTH_FIRST 0x0b000000u
#define SYNTH_END 0x64000000u


struct opts {
	const char *file;
	const char *connect_to;         /* ADDR[:PORT] */
	const char *bind_addr;
	const char *listen_on;          /* ADDR[:PORT] */
	const char *peer;               /* which recorded peer */
	uint32_t asn;                   /* 0: the recorded peer's AS */
	uint32_t router_id;             /* 0: our IPv4 address */
	uint32_t next_hop;              /* synthetic; 0: our IPv4 address */
	unsigned hold_time;
	unsigned sync_wait;             /* 0: no ROUTE-REFRESH probe */
	unsigned long limit;            /* 0: every UPDATE */
	unsigned long synthetic;        /* 0: replay the file */
	bool eor, hold, quiet;
};

/* One UPDATE to send: where it is and what it carries. */
struct msg_ref {
	uint32_t off;
	uint16_t len;
	uint16_t announced;
	uint16_t withdrawn;
	uint8_t families;               /* FAM_* bits */
};

/* The UPDATE messages to send, back to back, with their index. */
struct replay {
	uint8_t *data;
	size_t len, cap;
	struct msg_ref *msgs;
	size_t n, msgs_cap;
	bool as4;                       /* AS_PATH encoding of the messages */
	bool have_encoding;
	bool have_peer;
	uint16_t peer_afi;              /* the recorded peer */
	uint8_t peer_ip[16];
	uint32_t peer_as;
	unsigned long announced, withdrawn;
	unsigned long bad_records, skipped_addpath, skipped_big,
	    skipped_bad, skipped_encoding, treat_as_withdraw;
};

enum conn_state { ST_OPENSENT, ST_OPENCONFIRM, ST_ESTABLISHED };

struct conn {
	int fd;
	enum conn_state state;
	const struct opts *o;
	char name[INET6_ADDRSTRLEN + 8];        /* the neighbor, for messages */
	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_off, out_len;
	double last_rx, last_tx;
	uint32_t local_id;
	bool want_as4;                  /* we send the 4-octet AS capability */
	/* What the OPEN exchange settled. */
	unsigned hold;
	unsigned families;
	bool as4;
	bool enhanced_rr;
	uint32_t peer_as, peer_id;
	/* What the neighbor sent once established. */
	double t_refresh;               /* first BoRR/EoRR, 0 before */
	unsigned long updates_in;
	bool refresh_noted;
};

struct stats {
	unsigned long messages, announced, withdrawn, skipped_family;
	uint64_t bytes;
	double t_start, t_acked;
};

/* ---- small helpers -------------------------------------------------- */

#include "tests/tools/tool_common.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_ipv4(const char *s, uint32_t *v)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*v = ntohl(a.s_addr);
	return true;
}

/* "127.0.0.1", "127.0.0.1:1179", "::1", "[::1]:1179". */
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
		n = (size_t)(colon - s);        /* one colon: IPv4 with a port */
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

/* ---- the messages to send ------------------------------------------- */

static bool replay_grow(struct replay *rp, size_t len)
{
	if (rp->len + len > rp->cap) {
		size_t cap = rp->cap ? rp->cap * 2 : 1 << 20;
		while (cap < rp->len + len)
			cap *= 2;
		uint8_t *p = realloc(rp->data, cap);
		if (!p)
			return false;
		rp->data = p;
		rp->cap = cap;
	}
	if (rp->n == rp->msgs_cap) {
		size_t cap = rp->msgs_cap ? rp->msgs_cap * 2 : 4096;
		struct msg_ref *m = realloc(rp->msgs, cap * sizeof *m);
		if (!m)
			return false;
		rp->msgs = m;
		rp->msgs_cap = cap;
	}
	return true;
}

static bool replay_add(struct replay *rp, const uint8_t *msg, size_t len,
    struct msg_ref ref)
{
	if (rp->len + len > UINT32_MAX || !replay_grow(rp, len)) {
		warnx_("out of memory after %zu messages (%zu bytes)", rp->n, rp->len);
		return false;
	}
	ref.off = (uint32_t)rp->len;
	ref.len = (uint16_t)len;
	memcpy(rp->data + rp->len, msg, len);
	rp->len += len;
	rp->msgs[rp->n++] = ref;
	rp->announced += ref.announced;
	rp->withdrawn += ref.withdrawn;
	return true;
}

static void replay_free(struct replay *rp)
{
	free(rp->data);
	free(rp->msgs);
	memset(rp, 0, sizeof *rp);
}

/* Prefixes in an NLRI block the decoder already checked whole. */
static unsigned nlri_count(struct bgp_bytes b, uint16_t afi)
{
	struct rbuf r = rbuf_make(b.p, b.len);
	struct bgp_prefix p;
	unsigned n = 0;

	while (!rbuf_empty(&r) && bgp_nlri_next(&r, afi, false, &p))
		n++;
	return n;
}

/* Families the receiver must have negotiated for an MP attribute. */
static unsigned mp_family(uint16_t afi, uint8_t safi)
{
	if (safi == BGP_SAFI_UNICAST && (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6))
		return 1u << afi;
	return FAM_OTHER;
}

static void account_mp(const struct bgp_attrs *a, struct msg_ref *ref)
{
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) {
		ref->families |= mp_family(a->mp_reach.afi, a->mp_reach.safi);
		if (a->mp_reach.afi == BGP_AFI_IPV4 && a->mp_reach.next_hop.len != 4)
			ref->families |= FAM_OTHER;
		if (!(ref->families & FAM_OTHER))
			ref->announced += nlri_count(a->mp_reach.nlri, a->mp_reach.afi);
	}
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI)) {
		ref->families |= mp_family(a->mp_unreach.afi, a->mp_unreach.safi);
		if (!(ref->families & FAM_OTHER))
			ref->withdrawn += nlri_count(a->mp_unreach.nlri, a->mp_unreach.afi);
	}
}

/*
 * What one UPDATE carries, with the project's decoder: prefixes and the
 * families the receiver must have negotiated. False if the decoder would
 * reset the session over it: such a message is not sent.
 */
static bool update_account(const uint8_t *msg, size_t len, bool as4,
    struct msg_ref *ref, struct replay *rp)
{
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	struct bgp_codec_ctx ctx = { .as4 = as4, .ebgp = true, .max_len = BGP_MAX_LEN };
	struct bgp_update u;
	struct bgp_err err = { 0 };

	if (!bgp_update_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &ctx,
	    scratch, sizeof scratch, &u, &err))
		return false;
	ref->announced = (uint16_t)nlri_count(u.nlri, BGP_AFI_IPV4);
	ref->withdrawn = (uint16_t)nlri_count(u.withdrawn, BGP_AFI_IPV4);
	if (ref->announced || ref->withdrawn)
		ref->families |= FAM_IPV4;
	account_mp(&u.attrs, ref);
	if (u.end_of_rib)
		ref->families |= mp_family(u.eor_afi, u.eor_safi);
	rp->treat_as_withdraw += u.treat_as_withdraw;
	return true;
}

/* ---- reading the MRT file ------------------------------------------- */

static bool peer_matches(const struct opts *o, struct replay *rp,
    const struct mrt_bgp4mp_msg *m)
{
	size_t alen = m->afi == BGP_AFI_IPV4 ? 4 : 16;

	if (!rp->have_peer && !o->peer) {
		/* No --peer: the first peer seen is the one. */
		rp->have_peer = true;
		rp->peer_afi = m->afi;
		memcpy(rp->peer_ip, m->peer_ip, alen);
	}
	if (m->afi != rp->peer_afi || memcmp(m->peer_ip, rp->peer_ip, alen))
		return false;
	if (!rp->peer_as)
		rp->peer_as = m->peer_as;
	return true;
}

/* A BGP message the peer sent: keep it if it is an UPDATE we can send. */
static bool load_message(struct replay *rp, const struct mrt_bgp4mp_msg *m)
{
	struct bgp_header h;
	struct bgp_err err = { 0 };
	struct msg_ref ref = { 0 };
	int n = bgp_header_decode(m->msg, m->msg_len, BGP_EXT_MAX_LEN, &h, &err);

	if (n <= 0 || (size_t)n != m->msg_len) {
		rp->skipped_bad++;
		return true;
	}
	if (h.type != BGP_UPDATE)
		return true;
	if (!rp->have_encoding) {
		/* The first UPDATE's, not the OPEN's: a recorder may file the
		 * OPEN as MESSAGE before it knows the session is 4-octet. */
		rp->have_encoding = true;
		rp->as4 = m->as4;
	}
	if (m->as4 != rp->as4) {
		/* One session speaks one encoding; a later one may differ. */
		rp->skipped_encoding++;
		return true;
	}
	if (n > BGP_MAX_LEN) {
		rp->skipped_big++;      /* we do not negotiate extended messages */
		return true;
	}
	if (!update_account(m->msg, (size_t)n, rp->as4, &ref, rp)) {
		rp->skipped_bad++;
		return true;
	}
	return replay_add(rp, m->msg, (size_t)n, ref);
}

static bool load_record(const struct opts *o, struct replay *rp,
    const struct mrt_record *rec)
{
	struct mrt_bgp4mp_msg m;
	const char *why;

	if (!mrt_bgp4mp_message(rec, &m, &why)) {
		rp->bad_records += why != NULL;
		return true;
	}
	/* What the recorder itself sent is not the peer's session. */
	if (m.local || !peer_matches(o, rp, &m))
		return true;
	if (m.addpath) {
		rp->skipped_addpath++;  /* we do not negotiate ADD-PATH */
		return true;
	}
	return load_message(rp, &m);
}

static bool load_peer_option(const struct opts *o, struct replay *rp)
{
	if (!o->peer)
		return true;
	rp->have_peer = true;
	if (inet_pton(AF_INET, o->peer, rp->peer_ip) == 1)
		rp->peer_afi = BGP_AFI_IPV4;
	else if (inet_pton(AF_INET6, o->peer, rp->peer_ip) == 1)
		rp->peer_afi = BGP_AFI_IPV6;
	else {
		warnx_("--peer %s: not an IPv4 or IPv6 address", o->peer);
		return false;
	}
	return true;
}

static void peer_format(const struct replay *rp, char *buf, size_t len)
{
	int af = rp->peer_afi == BGP_AFI_IPV4 ? AF_INET : AF_INET6;

	if (!rp->have_peer || !inet_ntop(af, rp->peer_ip, buf, (socklen_t)len))
		snprintf(buf, len, "(none)");
}

static void load_report(const struct opts *o, const struct replay *rp)
{
	char peer[INET6_ADDRSTRLEN];

	peer_format(rp, peer, sizeof peer);
	say(o, "%s: %zu UPDATE messages from peer %s AS%" PRIu32
	    " (%s AS_PATH): %lu prefixes announced, %lu withdrawn, %zu bytes",
	    o->file, rp->n, peer, rp->peer_as, rp->as4 ? "4-octet" : "2-octet",
	    rp->announced, rp->withdrawn, rp->len);
	if (rp->bad_records || rp->skipped_addpath || rp->skipped_big ||
	    rp->skipped_bad || rp->skipped_encoding)
		warnx_("%s: not replayed: %lu malformed records, %lu ADD-PATH, "
		    "%lu over 4096 bytes, %lu malformed UPDATEs, %lu of another "
		    "AS encoding", o->file, rp->bad_records, rp->skipped_addpath,
		    rp->skipped_big, rp->skipped_bad, rp->skipped_encoding);
	if (rp->treat_as_withdraw)
		warnx_("%s: %lu UPDATEs will be treated as withdraw (RFC 7606)",
		    o->file, rp->treat_as_withdraw);
}

static bool load_mrt(const struct opts *o, struct replay *rp)
{
	struct mrt_reader r;
	struct mrt_record rec;
	int rc = 1;
	bool ok = true;

	if (!load_peer_option(o, rp))
		return false;
	if (!mrt_open(&r, o->file)) {
		warnx_("%s", r.err);
		return false;
	}
	while (ok && (!o->limit || rp->n < o->limit) && (rc = mrt_next(&r, &rec)) > 0)
		ok = load_record(o, rp, &rec);
	if (rc < 0)
		warnx_("%s: %s", o->file, r.err);
	mrt_close(&r);
	if (!ok || rc < 0)
		return false;
	load_report(o, rp);
	if (rp->n == 0) {
		warnx_("%s: no UPDATE message to replay%s%s", o->file,
		    o->peer ? " from peer " : "", o->peer ? o->peer : "");
		return false;
	}
	return true;
}

/* ---- the synthetic table -------------------------------------------- */

struct synth {
	uint64_t rng;
	uint32_t next_addr;             /* where the next prefix may start */
	uint32_t asn;
	uint8_t next_hop[4];
};

/* splitmix64: deterministic and well spread, all a benchmark needs. */
static uint64_t rng_next(struct synth *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rng_below(struct synth *s, unsigned n)
{
	return (unsigned)(rng_next(s) % n);
}

/* Mostly /24s, some /21–/23, laid out without overlap. */
static bool synth_prefix(struct synth *s, struct bgp_prefix *p)
{
	static const uint8_t lens[] = { 24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
	    24, 24, 24, 24, 24, 23, 23, 22, 22, 21 };
	unsigned len = lens[rng_below(s, sizeof lens)];
	uint32_t size = 1u << (32 - len);
	uint32_t start = (s->next_addr + size - 1) & ~(size - 1);

	if (start < s->next_addr || start >= SYNTH_END || SYNTH_END - start < size)
		return false;
	memset(p, 0, sizeof *p);
	p->afi = BGP_AFI_IPV4;
	p->len = (uint8_t)len;
	p->addr[0] = (uint8_t)(start >> 24);
	p->addr[1] = (uint8_t)(start >> 16);
	p->addr[2] = (uint8_t)(start >> 8);
	s->next_addr = start + size;
	return true;
}

/* A transit AS: mostly 2-octet, a fifth 4-octet; never 0 nor AS_TRANS. */
static uint32_t synth_asn(struct synth *s)
{
	if (rng_below(s, 5) == 0)
		return 131072 + rng_below(s, 270000);
	uint32_t as = 1 + rng_below(s, 64000);
	return as == BGP_AS_TRANS ? as + 1 : as;
}

static void synth_path(struct synth *s, struct wbuf *w)
{
	unsigned hops = 2 + rng_below(s, 5);    /* 2–6 ASNs */

	wbuf_u8(w, BGP_AS_SEQUENCE);
	wbuf_u8(w, (uint8_t)hops);
	wbuf_u32(w, s->asn);                    /* eBGP: the neighbor first */
	for (unsigned i = 1; i < hops; i++)
		wbuf_u32(w, synth_asn(s));
}

static void synth_communities(struct synth *s, struct wbuf *w)
{
	unsigned n = 1 + rng_below(s, 4);
	uint16_t hi = s->asn <= 0xffff ? (uint16_t)s->asn : 64512;

	for (unsigned i = 0; i < n; i++) {
		wbuf_u16(w, hi);
		wbuf_u16(w, (uint16_t)(100 + rng_below(s, 900)));
	}
}

/* One attribute set, encoded for the session in ctx. */
static size_t synth_attrs(struct synth *s, const struct bgp_codec_ctx *ctx,
    uint8_t *buf, size_t cap)
{
	uint8_t path[2 + 6 * 4], comm[4 * 4];
	struct wbuf pw = wbuf_make(path, sizeof path), cw = wbuf_make(comm, sizeof comm);
	struct wbuf out = wbuf_make(buf, cap);
	struct bgp_attrs a;

	memset(&a, 0, sizeof a);
	synth_path(s, &pw);
	synth_communities(s, &cw);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	a.origin = rng_below(s, 10) == 0 ? BGP_ORIGIN_INCOMPLETE : BGP_ORIGIN_IGP;
	a.as_path = (struct bgp_bytes){ path, (uint16_t)pw.len };
	a.communities = (struct bgp_bytes){ comm, (uint16_t)cw.len };
	memcpy(a.next_hop, s->next_hop, 4);
	if (rng_below(s, 2)) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_MED);
		a.med = 10 * rng_below(s, 100);
	}
	bgp_attrs_encode(&out, &a, ctx);
	return out.overflow ? 0 : out.len;
}

static bool synth_emit(struct replay *rp, struct bgp_packer *pk, struct wbuf *w)
{
	struct msg_ref ref = { .announced = (uint16_t)pk->count, .families = FAM_IPV4 };
	size_t len = bgp_packer_finish(pk);
	bool ok = len == 0 || replay_add(rp, w->p, len, ref);

	w->len = 0;
	return ok;
}

/* About 100 prefixes (50–150) sharing one attribute set, in as few
 * UPDATEs as they fit. Returns how many were made, -1 on failure. */
static long synth_group(struct synth *s, struct replay *rp,
    const struct bgp_codec_ctx *ctx, unsigned long left)
{
	uint8_t attrs[512], msg[BGP_MAX_LEN];
	struct wbuf w = wbuf_make(msg, sizeof msg);
	struct bgp_pack_spec spec = { .afi = BGP_AFI_IPV4, .safi = BGP_SAFI_UNICAST,
	    .attrs = attrs, .max_len = BGP_MAX_LEN };
	struct bgp_packer pk;
	struct bgp_prefix p;
	unsigned long k = 50 + rng_below(s, 101), i;

	spec.attrs_len = synth_attrs(s, ctx, attrs, sizeof attrs);
	if (!spec.attrs_len || !bgp_packer_begin(&pk, &w, &spec))
		return -1;
	for (i = 0; i < k && i < left && synth_prefix(s, &p); i++) {
		if (bgp_packer_add(&pk, &p))
			continue;
		if (!synth_emit(rp, &pk, &w) || !bgp_packer_begin(&pk, &w, &spec) ||
		    !bgp_packer_add(&pk, &p))
			return -1;
	}
	return synth_emit(rp, &pk, &w) ? (long)i : -1;
}

static bool load_synthetic(const struct opts *o, struct replay *rp,
    uint32_t asn, uint32_t next_hop, bool as4)
{
	struct synth s = { .rng = 0x6267706d7578ull, .next_addr = SYNTH_FIRST, .asn = asn };
	struct bgp_codec_ctx ctx = { .as4 = as4, .ebgp = true, .max_len = BGP_MAX_LEN };
	unsigned long made = 0;

	for (int i = 0; i < 4; i++)
		s.next_hop[i] = (uint8_t)(next_hop >> (24 - 8 * i));
	rp->as4 = as4;
	while (made < o->synthetic) {
		long n = synth_group(&s, rp, &ctx, o->synthetic - made);
		if (n < 0)
			return false;
		if (n == 0) {
			warnx_("--synthetic: only %lu prefixes fit in 11.0.0.0-99.255.255.255",
			    made);
			return false;
		}
		made += (unsigned long)n;
	}
	say(o, "synthetic table: %lu prefixes in %zu UPDATE messages, %zu bytes",
	    made, rp->n, rp->len);
	return true;
}

/* ---- the connection --------------------------------------------------- */

static bool set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	int one = 1;

	/* KEEPALIVEs and NOTIFICATIONs should not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static int bind_local(int fd, const struct opts *o, int family)
{
	struct sockaddr_mux local;

	if (!o->bind_addr)
		return 0;
	if (!sockaddr_parse(o->bind_addr, 0, &local) || sockaddr_family(&local) != family) {
		warnx_("--bind %s: not an address of the neighbor's family", o->bind_addr);
		return -1;
	}
	if (bind(fd, &local.u.sa, local.len) < 0) {
		warnx_("bind to %s: %s (is the address on an interface? "
		    "127.0.0.0/8 always is)", o->bind_addr, strerror(errno));
		return -1;
	}
	return 0;
}

/* One attempt; ECONNREFUSED is worth a retry: the neighbor may still be
 * starting. Returns the fd, -1 to give up, -2 to retry. */
static int connect_once(const struct opts *o, const struct sockaddr_mux *to)
{
	int fd = socket(sockaddr_family(to), SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		warnx_("socket: %s", strerror(errno));
		return -1;
	}
	if (bind_local(fd, o, sockaddr_family(to)) < 0) {
		close(fd);
		return -1;
	}
	if (connect(fd, &to->u.sa, to->len) == 0)
		return fd;
	int e = errno;
	close(fd);
	if (e == ECONNREFUSED && !stop_signal)
		return -2;
	warnx_("connect to %s: %s", o->connect_to, strerror(e));
	return -1;
}

static int tcp_connect(const struct opts *o)
{
	struct sockaddr_mux to;
	double give_up = now() + 10;
	int fd;

	if (!parse_hostport(o->connect_to, &to)) {
		warnx_("--connect %s: want ADDR, ADDR:PORT or [ADDR6]:PORT", o->connect_to);
		return -1;
	}
	while ((fd = connect_once(o, &to)) == -2) {
		if (now() > give_up) {
			warnx_("connect to %s: refused for 10 s: is the neighbor "
			    "listening there?", o->connect_to);
			return -1;
		}
		usleep(200 * 1000);
	}
	return fd;
}

static int tcp_listen(const struct opts *o, const struct sockaddr_mux *at)
{
	int one = 1;
	int fd = socket(sockaddr_family(at), SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		warnx_("socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, &at->u.sa, at->len) < 0 || listen(fd, 1) < 0) {
		warnx_("listen on %s: %s", o->listen_on, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_accept(const struct opts *o)
{
	struct sockaddr_mux at;
	int lfd, fd;

	if (!parse_hostport(o->listen_on, &at)) {
		warnx_("--listen %s: want ADDR, ADDR:PORT or [ADDR6]:PORT", o->listen_on);
		return -1;
	}
	if ((lfd = tcp_listen(o, &at)) < 0)
		return -1;
	say(o, "listening on %s for one neighbor", o->listen_on);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		warnx_("accept on %s: %s", o->listen_on,
		    stop_signal ? "stopped by a signal" : strerror(errno));
	close(lfd);
	return fd;
}

/* The IPv4 address the connection leaves from, 0 over IPv6. */
static uint32_t local_ipv4(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0 || sin.sin_family != AF_INET)
		return 0;
	return ntohl(sin.sin_addr.s_addr);
}

static void conn_name(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct sockaddr_mux sa;

	snprintf(c->name, sizeof c->name, "neighbor");
	if (getpeername(c->fd, (struct sockaddr *)&ss, &len) == 0 &&
	    sockaddr_from((struct sockaddr *)&ss, len, &sa))
		sockaddr_ntop(&sa, c->name, sizeof c->name);
}

static bool conn_init(struct conn *c, const struct opts *o, int fd)
{
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->o = o;
	c->in = malloc(IN_CAP);
	c->out = malloc(OUT_CAP);
	c->last_rx = c->last_tx = now();
	conn_name(c);
	if (!c->in || !c->out || !set_nonblocking(fd)) {
		warnx_("cannot set up the connection to %s", c->name);
		return false;
	}
	return true;
}

static void conn_free(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	c->fd = -1;
	c->in = c->out = NULL;
}

static size_t conn_pending(const struct conn *c)
{
	return c->out_len - c->out_off;
}

/* A writer on the free end of the output queue (moved to the front first
 * when that frees room); conn_commit queues what was written. */
static struct wbuf conn_wbuf(struct conn *c)
{
	size_t pending = conn_pending(c);

	if (c->out_off > 0 && OUT_CAP - c->out_len < OUT_CAP / 2) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_off = 0;
		c->out_len = pending;
	}
	return wbuf_make(c->out + c->out_len, OUT_CAP - c->out_len);
}

static void conn_commit(struct conn *c, const struct wbuf *w)
{
	if (!w->overflow)
		c->out_len += w->len;
}

static void conn_keepalive(struct conn *c)
{
	struct wbuf w = conn_wbuf(c);

	bgp_keepalive_encode(&w);
	conn_commit(c, &w);
}

static bool conn_flush(struct conn *c)
{
	while (conn_pending(c) > 0) {
		ssize_t n = send(c->fd, c->out + c->out_off, conn_pending(c), MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			warnx_("write to %s: %s", c->name, strerror(errno));
			return false;
		}
		c->out_off += (size_t)n;
		c->last_tx = now();
	}
	c->out_off = c->out_len = 0;
	return true;
}

/* Send what is queued within a deadline; for the last words. */
static void conn_flush_by(struct conn *c, double deadline)
{
	while (conn_pending(c) > 0 && now() < deadline) {
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return;
		if (!conn_flush(c))
			return;
	}
}

/* Tell the neighbor why we close (the decoder's code and subcode). */
static void conn_notify(struct conn *c, const struct bgp_err *e)
{
	struct wbuf w = conn_wbuf(c);

	bgp_notification_encode(&w, e->code, e->subcode, e->data, e->data_len);
	conn_commit(c, &w);
	conn_flush_by(c, now() + CLOSE_WAIT);
	warnx_("sent NOTIFICATION %u/%u (%s, %s) to %s: %s", e->code, e->subcode,
	    bgp_err_code_name(e->code), bgp_err_subcode_name(e->code, e->subcode),
	    c->name, e->why ? e->why : "");
}

static bool conn_fail(struct conn *c, uint8_t code, uint8_t subcode,
    const void *data, size_t len, const char *why)
{
	struct bgp_err e = { 0 };

	bgp_err_set(&e, BGP_TIER_RESET, code, subcode, data, len, why);
	conn_notify(c, &e);
	return false;
}

/* ---- what the neighbor sends ------------------------------------------ */

static void open_report(const struct conn *c)
{
	struct in_addr id = { htonl(c->peer_id) };
	char idbuf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &id, idbuf, sizeof idbuf);
	say(c->o, "%s: AS%" PRIu32 ", id %s, hold time %u s, 4-octet AS %s, "
	    "families%s%s, enhanced route refresh %s", c->name, c->peer_as, idbuf,
	    c->hold, c->as4 ? "yes" : "no", c->families & FAM_IPV4 ? " ipv4" : "",
	    c->families & FAM_IPV6 ? " ipv6" : "", c->enhanced_rr ? "yes" : "no");
}

static void open_negotiate(struct conn *c, const struct bgp_open *op)
{
	const struct bgp_caps *caps = &op->caps;

	c->peer_as = bgp_open_peer_as(op);
	c->peer_id = op->bgp_id;
	c->hold = op->hold_time < c->o->hold_time ? op->hold_time : c->o->hold_time;
	c->as4 = c->want_as4 && (caps->present & BGP_CAPF_AS4);
	if (bgp_caps_has_family(caps, BGP_AFI_IPV4, BGP_SAFI_UNICAST))
		c->families |= FAM_IPV4;
	if (bgp_caps_has_family(caps, BGP_AFI_IPV6, BGP_SAFI_UNICAST))
		c->families |= FAM_IPV6;
	/* RFC 7313 §3: both route refresh and enhanced route refresh. */
	c->enhanced_rr = (caps->present & BGP_CAPF_ENHANCED_RR) &&
	    (caps->present & (BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ROUTE_REFRESH_CISCO));
}

static bool handle_open(struct conn *c, const uint8_t *body, size_t len)
{
	static const uint8_t as4_cap[] = { BGP_CAP_AS4, 4 };
	struct bgp_open op;
	/* Zeroed: bgp_err_set keeps the worst error it was given, so it
	 * must not start from garbage. */
	struct bgp_err e = { 0 };

	if (!bgp_open_decode(body, len, &op, &e) || !bgp_open_check(&op, 0, c->local_id, &e)) {
		conn_notify(c, &e);
		return false;
	}
	open_negotiate(c, &op);
	if (c->want_as4 && !c->as4)
		/* The recorded AS_PATHs are 4-octet: a 2-octet neighbor would
		 * misread every one (RFC 5492 §5: we require the capability). */
		return conn_fail(c, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY, as4_cap,
		    sizeof as4_cap, "the UPDATEs to replay need 4-octet AS numbers");
	conn_keepalive(c);
	c->state = ST_OPENCONFIRM;
	open_report(c);
	return true;
}

static bool handle_notification(struct conn *c, const uint8_t *body, size_t len)
{
	struct bgp_notification n;
	struct bgp_err e = { 0 };

	if (!bgp_notification_decode(body, len, &n, &e)) {
		warnx_("%s sent a malformed NOTIFICATION and closes", c->name);
		return false;
	}
	warnx_("%s sent NOTIFICATION %u/%u (%s, %s)%s%s", c->name, n.code, n.subcode,
	    bgp_err_code_name(n.code), bgp_err_subcode_name(n.code, n.subcode),
	    n.shutdown_msg[0] ? ": " : "", n.shutdown_msg);
	return false;
}

static bool handle_refresh(struct conn *c, const uint8_t *body, size_t len)
{
	struct bgp_route_refresh rr;
	struct bgp_err e = { 0 };

	if (!bgp_route_refresh_decode(body, len, &rr, &e)) {
		conn_notify(c, &e);
		return false;
	}
	if ((rr.subtype == BGP_RR_BORR || rr.subtype == BGP_RR_EORR) && !c->t_refresh)
		c->t_refresh = now();
	if (rr.subtype == BGP_RR_NORMAL && !c->refresh_noted) {
		/* Re-sending would be right, but an empty BoRR…EoRR would
		 * withdraw everything: say so and let the operator restart. */
		warnx_("%s asked for a route refresh: not supported, ignored", c->name);
		c->refresh_noted = true;
	}
	return true;
}

/* RFC 6608 subcodes: which state the unexpected message came in. */
static bool unexpected(struct conn *c, uint8_t type)
{
	static const uint8_t sub[] = { [ST_OPENSENT] = BGP_ERR_FSM_OPENSENT,
	    [ST_OPENCONFIRM] = BGP_ERR_FSM_OPENCONFIRM,
	    [ST_ESTABLISHED] = BGP_ERR_FSM_ESTABLISHED };

	warnx_("%s sent %s in the wrong state", c->name, bgp_msg_type_name(type));
	return conn_fail(c, BGP_ERR_FSM, sub[c->state], NULL, 0, "unexpected message");
}

static bool conn_handle(struct conn *c, uint8_t type, const uint8_t *body, size_t len)
{
	if (type == BGP_NOTIFICATION)
		return handle_notification(c, body, len);
	if (type == BGP_OPEN)
		return c->state == ST_OPENSENT ? handle_open(c, body, len) : unexpected(c, type);
	if (c->state == ST_OPENSENT)
		return unexpected(c, type);
	c->last_rx = now();
	switch (type) {
	case BGP_KEEPALIVE:
		if (c->state == ST_OPENCONFIRM)
			c->state = ST_ESTABLISHED;
		return true;
	case BGP_UPDATE:
		c->updates_in++;        /* read and dropped: we only send */
		break;
	case BGP_ROUTE_REFRESH:
		if (c->state == ST_ESTABLISHED)
			return handle_refresh(c, body, len);
		break;
	}
	return c->state == ST_ESTABLISHED ? true : unexpected(c, type);
}

static bool conn_dispatch(struct conn *c)
{
	size_t off = 0;
	bool ok = true;

	while (ok) {
		struct bgp_header h;
		struct bgp_err e = { 0 };
		int n = bgp_header_decode(c->in + off, c->in_len - off, BGP_MAX_LEN, &h, &e);
		if (n == 0)
			break;
		if (n < 0) {
			conn_notify(c, &e);
			return false;
		}
		ok = conn_handle(c, h.type, c->in + off + BGP_HEADER_LEN,
		    (size_t)n - BGP_HEADER_LEN);
		off += (size_t)n;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return ok;
}

static bool conn_read(struct conn *c)
{
	ssize_t n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);

	if (n == 0) {
		warnx_("%s closed the connection", c->name);
		return false;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return true;
		warnx_("read from %s: %s", c->name, strerror(errno));
		return false;
	}
	c->in_len += (size_t)n;
	return conn_dispatch(c);
}

/* Hold timer and KEEPALIVEs (RFC 4271 §10: a third of the hold time).
 * A KEEPALIVE waits for an empty queue so it lands between messages. */
static bool conn_timers(struct conn *c)
{
	double t = now();

	if (c->state == ST_OPENSENT || c->hold == 0)
		return true;
	if (t - c->last_rx > c->hold) {
		warnx_("%s sent nothing for %u s", c->name, c->hold);
		return conn_fail(c, BGP_ERR_HOLD, 0, NULL, 0, "hold timer expired");
	}
	if (t - c->last_tx >= c->hold / 3.0 && conn_pending(c) == 0) {
		conn_keepalive(c);
		c->last_tx = t;
	}
	return true;
}

/* One round: wait up to timeout_ms, write what is queued, read and handle
 * what came. False once the session is over (the reason printed). */
static bool conn_pump(struct conn *c, int timeout_ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	if (conn_pending(c) > 0)
		p.events |= POLLOUT;
	if (poll(&p, 1, timeout_ms) < 0)
		return errno == EINTR;          /* the caller looks at stop_signal */
	if ((p.revents & POLLOUT) && !conn_flush(c))
		return false;
	if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && !conn_read(c))
		return false;
	return conn_timers(c);
}

/* ---- the session ------------------------------------------------------ */

static void open_fill(struct bgp_open *op, uint32_t asn, uint32_t id,
    unsigned hold, bool as4)
{
	struct bgp_caps *caps = &op->caps;

	memset(op, 0, sizeof *op);
	op->version = BGP_VERSION;
	op->my_as = asn > 0xffff ? BGP_AS_TRANS : (uint16_t)asn;
	op->hold_time = (uint16_t)hold;
	op->bgp_id = id;
	caps->present = BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ENHANCED_RR;
	caps->mp[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	caps->mp[1] = (struct bgp_family){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
	caps->mp_count = 2;
	if (as4) {
		caps->present |= BGP_CAPF_AS4;
		caps->as4 = asn;
	}
}

/* OPEN, KEEPALIVE, until the neighbor's KEEPALIVE: Established. */
static bool session_open(struct conn *c, uint32_t asn)
{
	struct bgp_open op;
	struct wbuf w = conn_wbuf(c);
	double give_up = now() + OPEN_WAIT;

	open_fill(&op, asn, c->local_id, c->o->hold_time, c->want_as4);
	if (!bgp_open_encode(&w, &op)) {
		warnx_("cannot encode our OPEN");
		return false;
	}
	conn_commit(c, &w);
	while (c->state != ST_ESTABLISHED) {
		if (stop_signal || now() > give_up) {
			warnx_("%s: no session after %.0f s", c->name, OPEN_WAIT);
			return false;
		}
		if (!conn_pump(c, 200))
			return false;
	}
	say(c->o, "session with %s established", c->name);
	return true;
}

/* Queue as many whole messages as fit; skip those of a family the
 * neighbor did not negotiate. Returns the next message to queue. */
static size_t replay_fill(struct conn *c, const struct replay *rp, size_t i,
    size_t total, struct stats *st)
{
	struct wbuf w = conn_wbuf(c);
	size_t room = w.cap > OUT_SLACK ? w.cap - OUT_SLACK : 0;

	for (; i < total; i++) {
		const struct msg_ref *m = &rp->msgs[i];
		if (m->families & ~c->families) {
			st->skipped_family++;
			continue;
		}
		if (w.len + m->len > room)
			break;
		wbuf_bytes(&w, rp->data + m->off, m->len);
		st->messages++;
		st->announced += m->announced;
		st->withdrawn += m->withdrawn;
		st->bytes += m->len;
	}
	conn_commit(c, &w);
	return i;
}

static bool conn_drain(struct conn *c)
{
	while (conn_pending(c) > 0)
		if (stop_signal || !conn_pump(c, 1000))
			return false;
	return true;
}

/* For benchmarks: the wall-clock time the first UPDATE goes out, so that
 * several processes' timestamps can be compared. Printed even with --quiet. */
static void print_first_update_time(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "mrt_replay: first UPDATE sent at %lld.%06ld\n",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

static bool replay_send(struct conn *c, const struct replay *rp, struct stats *st)
{
	size_t i = 0, total = rp->n;

	if (c->o->limit && c->o->limit < total)
		total = c->o->limit;    /* the synthetic table is made whole */
	st->t_start = now();
	while (i < total) {
		if (stop_signal)
			return false;
		if (conn_pending(c) < OUT_CAP / 2) {
			if (i == 0)
				print_first_update_time();
			i = replay_fill(c, rp, i, total, st);
		}
		if (!conn_pump(c, 1000))
			return false;
	}
	return conn_drain(c);
}

static void send_eor(struct conn *c, struct stats *st)
{
	struct wbuf w = conn_wbuf(c);

	if (c->families & FAM_IPV4)
		bgp_eor_encode(&w, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	if (c->families & FAM_IPV6)
		bgp_eor_encode(&w, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	st->bytes += w.len;
	conn_commit(c, &w);
}

static void send_refresh_probe(struct conn *c)
{
	struct bgp_route_refresh rr = { .afi = BGP_AFI_IPV4, .safi = BGP_SAFI_UNICAST,
	    .subtype = BGP_RR_NORMAL };
	struct wbuf w = conn_wbuf(c);

	if (!(c->families & FAM_IPV4))
		rr.afi = BGP_AFI_IPV6;
	bgp_route_refresh_encode(&w, &rr);
	conn_commit(c, &w);
}

/* Bytes our TCP sent that the neighbor's has not acknowledged. */
static int unacked(int fd)
{
	int n = 0;

	return ioctl(fd, SIOCOUTQ, &n) < 0 ? 0 : n;
}

/* Wait until the neighbor has the last UPDATE: TCP acknowledged, and
 * with enhanced route refresh its BoRR/EoRR (see the top of the file). */
static bool replay_sync(struct conn *c, struct stats *st)
{
	unsigned wait = c->o->sync_wait;
	bool probe = c->enhanced_rr && wait > 0;
	double give_up = 0;

	if (probe)
		send_refresh_probe(c);
	while (!st->t_acked || (probe && !c->t_refresh)) {
		if (stop_signal || !conn_pump(c, 1))
			return false;
		if (!st->t_acked && conn_pending(c) == 0 && unacked(c->fd) == 0) {
			st->t_acked = now();
			give_up = st->t_acked + wait;
		}
		if (probe && st->t_acked && now() > give_up && !c->t_refresh) {
			warnx_("%s did not answer our ROUTE-REFRESH with BoRR/EoRR "
			    "(RFC 7313) within %u s: timing up to its TCP "
			    "acknowledgement", c->name, wait);
			break;
		}
	}
	return true;
}

static void print_summary(const struct conn *c, const struct stats *st)
{
	double end = c->t_refresh ? c->t_refresh : st->t_acked ? st->t_acked : now();
	double secs = end - st->t_start;
	unsigned long pfx = st->announced + st->withdrawn;

	if (secs <= 0)
		secs = 1e-6;
	fprintf(stderr, PROG ": %lu messages, %lu prefixes announced, %lu withdrawn, "
	    "%" PRIu64 " bytes in %.3f s: %.0f prefixes/s (%s)\n", st->messages,
	    st->announced, st->withdrawn, st->bytes, secs, (double)pfx / secs,
	    c->t_refresh ? "until the neighbor answered ROUTE-REFRESH" :
	    "until the neighbor's TCP acknowledged");
	if (st->skipped_family)
		warnx_("%lu UPDATEs not sent: %s did not negotiate their family "
		    "(IPv4 with an IPv6 next hop, RFC 8950, is never negotiated)",
		    st->skipped_family, c->name);
	if (c->updates_in)
		say(c->o, "%s sent %lu UPDATEs (read and dropped)", c->name, c->updates_in);
}

/* Cease, then wait for the neighbor to close: closing with its bytes
 * unread would reset the connection and could lose the NOTIFICATION. */
static void session_close(struct conn *c, const char *why)
{
	struct wbuf w = conn_wbuf(c);
	double give_up = now() + CLOSE_WAIT;
	uint8_t sink[4096];

	bgp_notification_encode_shutdown(&w, BGP_CEASE_ADMIN_SHUTDOWN, why);
	conn_commit(c, &w);
	conn_flush_by(c, give_up);
	shutdown(c->fd, SHUT_WR);
	while (now() < give_up) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		ssize_t n = read(c->fd, sink, sizeof sink);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	say(c->o, "session with %s closed: %s", c->name, why);
}

static bool session_hold(struct conn *c)
{
	say(c->o, "holding the session with %s until SIGTERM", c->name);
	while (!stop_signal)
		if (!conn_pump(c, 1000))
			return false;
	return true;
}

/* ---- main ------------------------------------------------------------- */

static bool session_ids(struct conn *c, uint32_t *asn, const struct replay *rp)
{
	const struct opts *o = c->o;

	*asn = o->asn ? o->asn : o->synthetic ? 65001 : rp->peer_as;
	c->local_id = o->router_id ? o->router_id : local_ipv4(c->fd);
	c->want_as4 = o->synthetic || rp->as4;
	if (!c->local_id) {
		warnx_("no IPv4 address to use as BGP Identifier: give --router-id");
		return false;
	}
	if (*asn == 0 || (*asn > 0xffff && !c->want_as4)) {
		warnx_("AS%" PRIu32 " cannot speak for a session recorded with "
		    "2-octet AS numbers: give --asn below 65536", *asn);
		return false;
	}
	return true;
}

static bool run_synthetic(struct conn *c, struct replay *rp, uint32_t asn)
{
	uint32_t nh = c->o->next_hop ? c->o->next_hop : local_ipv4(c->fd);

	if (!nh)
		nh = c->local_id;
	return load_synthetic(c->o, rp, asn, nh, c->as4);
}

static int run(const struct opts *o, struct replay *rp, int fd)
{
	struct conn c;
	struct stats st;
	uint32_t asn;
	bool ok;

	memset(&st, 0, sizeof st);
	ok = conn_init(&c, o, fd) && session_ids(&c, &asn, rp) && session_open(&c, asn);
	if (ok && o->synthetic)
		ok = run_synthetic(&c, rp, asn);
	if (ok)
		ok = replay_send(&c, rp, &st);
	if (ok && o->eor)
		send_eor(&c, &st);
	if (ok)
		ok = replay_sync(&c, &st);
	if (st.t_start)
		print_summary(&c, &st);
	if (ok && o->hold)
		ok = session_hold(&c);
	if (ok || stop_signal)
		session_close(&c, stop_signal ? "mrt_replay stopped" : "mrt_replay done");
	conn_free(&c);
	return ok ? 0 : 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " (--connect ADDR[:PORT] [--bind ADDR] | --listen ADDR[:PORT])\n"
	    "           [--asn N] [--router-id A.B.C.D] [--hold-time S] [--limit N]\n"
	    "           [--eor] [--hold] [--sync-wait S] [--quiet]\n"
	    "           (FILE.mrt[.gz] [--peer ADDR] | --synthetic N [--next-hop A.B.C.D])\n"
	    "Replays the UPDATEs one peer sent in an MRT file (BGP4MP/BGP4MP_ET) to\n"
	    "a BGP neighbor, verbatim and as fast as it reads them, or a synthetic\n"
	    "IPv4 table of N prefixes. --asn defaults to the recorded peer's AS\n"
	    "(65001 for --synthetic), --router-id to our IPv4 address, port to 179.\n"
	    "The time ends when the neighbor answers a ROUTE-REFRESH sent after the\n"
	    "last UPDATE (BoRR/EoRR, RFC 7313), waited for --sync-wait seconds\n"
	    "(default 30, 0: do not ask) after its TCP acknowledged the last byte.\n");
}

enum { OPT_BIND = 256, OPT_ROUTER_ID, OPT_HOLD_TIME, OPT_NEXT_HOP, OPT_SYNC_WAIT };

static const struct option long_opts[] = {
	{ "connect", required_argument, NULL, 'c' },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "listen", required_argument, NULL, 'l' },
	{ "peer", required_argument, NULL, 'p' },
	{ "asn", required_argument, NULL, 'a' },
	{ "router-id", required_argument, NULL, OPT_ROUTER_ID },
	{ "hold-time", required_argument, NULL, OPT_HOLD_TIME },
	{ "next-hop", required_argument, NULL, OPT_NEXT_HOP },
	{ "sync-wait", required_argument, NULL, OPT_SYNC_WAIT },
	{ "limit", required_argument, NULL, 'n' },
	{ "synthetic", required_argument, NULL, 's' },
	{ "eor", no_argument, NULL, 'e' },
	{ "hold", no_argument, NULL, 'H' },
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

static bool opt_ipv4(const char *name, const char *arg, uint32_t *v)
{
	if (parse_ipv4(arg, v) && *v)
		return true;
	warnx_("--%s %s: want a non-zero IPv4 address", name, arg);
	return false;
}

static bool opt_one(struct opts *o, int ch, const char *arg)
{
	unsigned long v = 0;
	bool ok = true;

	switch (ch) {
	case 'c': o->connect_to = arg; break;
	case OPT_BIND: o->bind_addr = arg; break;
	case 'l': o->listen_on = arg; break;
	case 'p': o->peer = arg; break;
	case 'a': ok = opt_number("asn", arg, UINT32_MAX, &v); o->asn = (uint32_t)v; break;
	case OPT_ROUTER_ID: ok = opt_ipv4("router-id", arg, &o->router_id); break;
	case OPT_NEXT_HOP: ok = opt_ipv4("next-hop", arg, &o->next_hop); break;
	case OPT_SYNC_WAIT:
		ok = opt_number("sync-wait", arg, 3600, &v);
		o->sync_wait = (unsigned)v;
		break;
	case OPT_HOLD_TIME:
		ok = opt_number("hold-time", arg, 65535, &v) && (v == 0 || v >= 3);
		o->hold_time = (unsigned)v;
		break;
	case 'n': ok = opt_number("limit", arg, ULONG_MAX, &o->limit); break;
	case 's': ok = opt_number("synthetic", arg, ULONG_MAX, &o->synthetic) && o->synthetic; break;
	case 'e': o->eor = true; break;
	case 'H': o->hold = true; break;
	case 'q': o->quiet = true; break;
	default: ok = false; break;
	}
	return ok;
}

static bool opts_check(struct opts *o, int argc, char **argv)
{
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc || (!o->file == !o->synthetic)) {
		warnx_("give one MRT file, or --synthetic N");
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
	return true;
}

static int opts_parse(int argc, char **argv, struct opts *o)
{
	int ch;

	memset(o, 0, sizeof *o);
	o->hold_time = DEFAULT_HOLD;
	o->sync_wait = DEFAULT_SYNC_WAIT;
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
	if (!opts_check(o, argc, argv)) {
		usage(stderr);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct replay rp;
	int rc = opts_parse(argc, argv, &o), fd;

	if (rc >= 0)
		return rc;
	memset(&rp, 0, sizeof rp);
	signals_init();
	if (!o.synthetic && !load_mrt(&o, &rp)) {
		replay_free(&rp);
		return 1;
	}
	fd = o.listen_on ? tcp_accept(&o) : tcp_connect(&o);
	rc = fd < 0 ? 1 : run(&o, &rp, fd);
	replay_free(&rp);
	return rc;
}
