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
 * --wait-go (once the session is up and the table made, print "ready" and
 * send nothing until SIGUSR1: many feeders started one after the other
 * then send together),
 * --peer ADDR (which recorded peer; default the first), --quiet. One
 * summary line goes to stderr at the end.
 *
 * The session is the tools' speaker (tests/tools/lib/speaker.h) around
 * one non-blocking socket and poll(); the messages come from
 * tests/tools/lib/mrt_updates.h or synth.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "tests/tools/lib/mrt_updates.h"
#include "tests/tools/lib/net.h"
#include "tests/tools/lib/speaker.h"
#include "tests/tools/lib/synth.h"
#include "tests/tools/lib/tool.h"
#include "tests/tools/lib/updates.h"

#define PROG "mrt_replay"

#define IN_CAP (256 * 1024)
#define OUT_CAP (1024 * 1024)
/* Room always left in the output queue for a control message (KEEPALIVE,
 * NOTIFICATION, ROUTE-REFRESH, End-of-RIB) behind the replayed bytes. */
#define OUT_SLACK (2 * BGP_MAX_LEN)
#define OPEN_WAIT 60.0          /* seconds for the OPEN/KEEPALIVE exchange */
#define DEFAULT_SYNC_WAIT 30    /* seconds for BoRR/EoRR after the TCP ack */
#define CLOSE_WAIT 2.0          /* seconds for the neighbor to close */
#define CONNECT_WAIT 10.0       /* seconds to keep trying to connect */
#define DEFAULT_HOLD 90
#define SYNTH_ASN 65001

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
	bool scatter;                   /* the synthetic table in random order */
	bool eor, hold, quiet, wait_go;
};

struct replay {
	const struct opts *o;
	struct update_list ul;          /* the UPDATEs to send */
	uint32_t recorded_as;           /* the recorded peer's AS */
	struct speaker_config cfg;
	struct speaker sp;
	bool want_as4;                  /* we send the 4-octet AS capability */
	bool end_told;                  /* the session's end is logged */
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

/* ---- what the neighbor sends ------------------------------------------ */

static void open_report(const struct replay *r)
{
	const struct speaker *sp = &r->sp;
	struct in_addr id = { htonl(sp->peer_id) };
	char idbuf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &id, idbuf, sizeof idbuf);
	say(r->o, "%s: AS%" PRIu32 ", id %s, hold time %u s, 4-octet AS %s, "
	    "families%s%s, enhanced route refresh %s", sp->name, sp->peer_as, idbuf,
	    sp->hold, sp->ctx.as4 ? "yes" : "no",
	    sp->families & SPEAKER_FAM_IPV4 ? " ipv4" : "",
	    sp->families & SPEAKER_FAM_IPV6 ? " ipv6" : "", sp->enhanced_rr ? "yes" : "no");
}

static bool on_open(struct speaker *sp, const struct bgp_open *op, struct bgp_err *e)
{
	static const uint8_t as4_cap[] = { BGP_CAP_AS4, 4 };
	struct replay *r = sp->arg;

	(void)op;
	if (r->want_as4 && !sp->ctx.as4) {
		/* The recorded AS_PATHs are 4-octet: a 2-octet neighbor would
		 * misread every one (RFC 5492 §5: we require the capability). */
		bgp_err_set(e, BGP_TIER_RESET, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY, as4_cap,
		    sizeof as4_cap, "the UPDATEs to replay need 4-octet AS numbers");
		return false;
	}
	open_report(r);
	return true;
}

static void on_update(struct speaker *sp, const uint8_t *msg, size_t len)
{
	struct replay *r = sp->arg;

	(void)msg;
	(void)len;
	r->updates_in++;        /* read and dropped: we only send */
}

static void on_refresh(struct speaker *sp, const struct bgp_route_refresh *rr)
{
	struct replay *r = sp->arg;

	if ((rr->subtype == BGP_RR_BORR || rr->subtype == BGP_RR_EORR) && !r->t_refresh)
		r->t_refresh = secs_mono();
	if (rr->subtype == BGP_RR_NORMAL && !r->refresh_noted) {
		/* Re-sending would be right, but an empty BoRR…EoRR would
		 * withdraw everything: say so and let the operator restart. */
		warnx_("%s asked for a route refresh: not supported, ignored", sp->name);
		r->refresh_noted = true;
	}
}

static const struct speaker_ops replay_ops = {
	.open = on_open,
	.update = on_update,
	.refresh = on_refresh,
};

/* One round of the session; false once it is over (the reason logged). */
static bool pump(struct replay *r, int timeout_ms)
{
	if (speaker_pump(&r->sp, timeout_ms))
		return true;
	if (!r->end_told)
		warnx_("%s", r->sp.why);
	r->end_told = true;
	return false;
}

/* ---- the session ------------------------------------------------------ */

/* --wait-go: keep the session (KEEPALIVEs) until the go signal. */
static bool wait_go(struct replay *r)
{
	go_ready();
	while (!go_signal)
		if (stop_signal || !pump(r, 1000))
			return false;
	return true;
}

static bool session_config(struct replay *r, int fd)
{
	const struct opts *o = r->o;
	uint32_t asn = o->asn ? o->asn : o->synthetic ? SYNTH_ASN : r->recorded_as;
	uint32_t id = o->router_id ? o->router_id : net_local_ipv4(fd);
	struct bgp_caps *c = &r->cfg.open.caps;

	r->want_as4 = o->synthetic || r->ul.as4;
	if (!id) {
		warnx_("no IPv4 address to use as BGP Identifier: give --router-id");
		return false;
	}
	if (asn == 0 || (asn > 0xffff && !r->want_as4)) {
		warnx_("AS%" PRIu32 " cannot speak for a session recorded with "
		    "2-octet AS numbers: give --asn below 65536", asn);
		return false;
	}
	speaker_open_init(&r->cfg.open, asn, id, o->hold_time);
	c->present |= BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ENHANCED_RR;
	if (r->want_as4) {
		c->present |= BGP_CAPF_AS4;
		c->as4 = asn;
	}
	r->cfg.asn = asn;
	r->cfg.in_cap = IN_CAP;
	r->cfg.out_cap = OUT_CAP;
	r->cfg.close_wait = CLOSE_WAIT;
	return true;
}

/* OPEN, KEEPALIVE, until the neighbor's KEEPALIVE: Established. */
static bool session_open(struct replay *r)
{
	double give_up = secs_mono() + OPEN_WAIT;

	while (r->sp.state != SPEAKER_ESTABLISHED) {
		if (stop_signal || secs_mono() > give_up) {
			warnx_("%s: no session after %.0f s", r->sp.name, OPEN_WAIT);
			return false;
		}
		if (!pump(r, 200))
			return false;
	}
	say(r->o, "session with %s established", r->sp.name);
	return true;
}

/* The synthetic table is made once the session says which AS_PATH
 * encoding it speaks, with our address as the next hop by default. */
static bool make_synthetic(struct replay *r)
{
	const struct opts *o = r->o;
	uint32_t nh = o->next_hop ? o->next_hop : net_local_ipv4(r->sp.fd);

	if (!nh)
		nh = r->cfg.open.bgp_id;
	if (!synth_table(&r->ul, o->synthetic, r->cfg.asn, nh, r->sp.ctx.as4, o->scatter))
		return false;
	say(o, "synthetic table: %lu prefixes in %zu UPDATE messages, %zu bytes",
	    o->synthetic, r->ul.n, r->ul.len);
	return true;
}

/* Queue as many whole messages as fit; skip those of a family the
 * neighbor did not negotiate. Returns the next message to queue. */
static size_t replay_fill(struct replay *r, size_t i, size_t total, struct stats *st)
{
	struct wbuf w = speaker_wbuf(&r->sp);
	size_t room = w.cap > OUT_SLACK ? w.cap - OUT_SLACK : 0;

	for (; i < total; i++) {
		const struct update_ref *m = &r->ul.msgs[i];
		if (m->families & ~r->sp.families) {
			st->skipped_family++;
			continue;
		}
		if (w.len + m->len > room)
			break;
		wbuf_bytes(&w, r->ul.data + m->off, m->len);
		st->messages++;
		st->announced += m->announced;
		st->withdrawn += m->withdrawn;
		st->bytes += m->len;
	}
	speaker_commit(&r->sp, &w);
	return i;
}

static bool drain(struct replay *r)
{
	while (speaker_pending(&r->sp) > 0)
		if (stop_signal || !pump(r, 1000))
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

static bool replay_send(struct replay *r, struct stats *st)
{
	size_t i = 0, total = r->ul.n;

	if (r->o->limit && r->o->limit < total)
		total = r->o->limit;    /* the synthetic table is made whole */
	st->t_start = secs_mono();
	while (i < total) {
		if (stop_signal)
			return false;
		if (speaker_pending(&r->sp) < OUT_CAP / 2) {
			if (i == 0)
				print_first_update_time();
			i = replay_fill(r, i, total, st);
		}
		if (!pump(r, 1000))
			return false;
	}
	return drain(r);
}

static void send_eor(struct replay *r, struct stats *st)
{
	struct wbuf w = speaker_wbuf(&r->sp);

	if (r->sp.families & SPEAKER_FAM_IPV4)
		bgp_eor_encode(&w, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	if (r->sp.families & SPEAKER_FAM_IPV6)
		bgp_eor_encode(&w, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	st->bytes += w.len;
	speaker_commit(&r->sp, &w);
}

static void send_refresh_probe(struct replay *r)
{
	struct bgp_route_refresh rr = { .afi = BGP_AFI_IPV4, .safi = BGP_SAFI_UNICAST,
	    .subtype = BGP_RR_NORMAL };
	struct wbuf w = speaker_wbuf(&r->sp);

	if (!(r->sp.families & SPEAKER_FAM_IPV4))
		rr.afi = BGP_AFI_IPV6;
	bgp_route_refresh_encode(&w, &rr);
	speaker_commit(&r->sp, &w);
}

/* Wait until the neighbor has the last UPDATE: TCP acknowledged, and
 * with enhanced route refresh its BoRR/EoRR (see the top of the file). */
static bool replay_sync(struct replay *r, struct stats *st)
{
	unsigned wait = r->o->sync_wait;
	bool probe = r->sp.enhanced_rr && wait > 0;
	double give_up = 0;

	if (probe)
		send_refresh_probe(r);
	while (!st->t_acked || (probe && !r->t_refresh)) {
		if (stop_signal || !pump(r, 1))
			return false;
		if (!st->t_acked && speaker_pending(&r->sp) == 0 && net_unacked(r->sp.fd) == 0) {
			st->t_acked = secs_mono();
			give_up = st->t_acked + wait;
		}
		if (probe && st->t_acked && secs_mono() > give_up && !r->t_refresh) {
			warnx_("%s did not answer our ROUTE-REFRESH with BoRR/EoRR "
			    "(RFC 7313) within %u s: timing up to its TCP "
			    "acknowledgement", r->sp.name, wait);
			break;
		}
	}
	return true;
}

static void print_summary(const struct replay *r, const struct stats *st)
{
	double end = r->t_refresh ? r->t_refresh : st->t_acked ? st->t_acked : secs_mono();
	double secs = end - st->t_start;
	unsigned long pfx = st->announced + st->withdrawn;

	if (secs <= 0)
		secs = 1e-6;
	fprintf(stderr, PROG ": %lu messages, %lu prefixes announced, %lu withdrawn, "
	    "%" PRIu64 " bytes in %.3f s: %.0f prefixes/s (%s)\n", st->messages,
	    st->announced, st->withdrawn, st->bytes, secs, (double)pfx / secs,
	    r->t_refresh ? "until the neighbor answered ROUTE-REFRESH" :
	    "until the neighbor's TCP acknowledged");
	if (st->skipped_family)
		warnx_("%lu UPDATEs not sent: %s did not negotiate their family "
		    "(IPv4 with an IPv6 next hop, RFC 8950, is never negotiated)",
		    st->skipped_family, r->sp.name);
	if (r->updates_in)
		say(r->o, "%s sent %lu UPDATEs (read and dropped)", r->sp.name, r->updates_in);
}

static bool session_hold(struct replay *r)
{
	say(r->o, "holding the session with %s until SIGTERM", r->sp.name);
	while (!stop_signal)
		if (!pump(r, 1000))
			return false;
	return true;
}

/* ---- main ------------------------------------------------------------- */

static int run(struct replay *r, int fd)
{
	const struct opts *o = r->o;
	const char *why;
	struct stats st;
	bool ok;

	memset(&st, 0, sizeof st);
	r->sp.fd = -1;
	ok = session_config(r, fd) && speaker_init(&r->sp, fd, &r->cfg, &replay_ops, r) &&
	    session_open(r);
	if (ok && o->synthetic)
		ok = make_synthetic(r);
	if (ok && o->wait_go)
		ok = wait_go(r);
	if (ok)
		ok = replay_send(r, &st);
	if (ok && o->eor)
		send_eor(r, &st);
	if (ok)
		ok = replay_sync(r, &st);
	if (st.t_start)
		print_summary(r, &st);
	if (ok && o->hold)
		ok = session_hold(r);
	why = stop_signal ? PROG " stopped" : PROG " done";
	if (r->sp.fd < 0)
		close(fd);
	else if (ok || stop_signal) {
		speaker_close(&r->sp, why);
		say(o, "session with %s closed: %s", r->sp.name, why);
	} else if (speaker_ended(&r->sp))
		speaker_close(&r->sp, why);
	speaker_free(&r->sp);
	return ok ? 0 : 1;
}

static int replay_accept(const struct opts *o)
{
	int lfd = net_listen(o->listen_on, 1, false, NULL), fd;

	if (lfd < 0)
		return -1;
	say(o, "listening on %s for one neighbor", o->listen_on);
	fd = net_accept(lfd, o->listen_on, -1);
	close(lfd);
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " (--connect ADDR[:PORT] [--bind ADDR] | --listen ADDR[:PORT])\n"
	    "           [--asn N] [--router-id A.B.C.D] [--hold-time S] [--limit N]\n"
	    "           [--eor] [--hold] [--wait-go] [--sync-wait S] [--quiet]\n"
	    "           (FILE.mrt[.gz] [--peer ADDR] |\n"
	    "            --synthetic N [--next-hop A.B.C.D] [--scatter])\n"
	    "Replays the UPDATEs one peer sent in an MRT file (BGP4MP/BGP4MP_ET) to\n"
	    "a BGP neighbor, verbatim and as fast as it reads them, or a synthetic\n"
	    "IPv4 table of N prefixes (--scatter: in random order, as BIRD or GoBGP\n"
	    "send a table, not in prefix order). --asn defaults to the recorded peer's AS\n"
	    "(65001 for --synthetic), --router-id to our IPv4 address, port to 179.\n"
	    "The time ends when the neighbor answers a ROUTE-REFRESH sent after the\n"
	    "last UPDATE (BoRR/EoRR, RFC 7313), waited for --sync-wait seconds\n"
	    "(default 30, 0: do not ask) after its TCP acknowledged the last byte.\n");
}

enum { OPT_BIND = 256, OPT_ROUTER_ID, OPT_HOLD_TIME, OPT_NEXT_HOP, OPT_SYNC_WAIT, OPT_WAIT_GO,
	OPT_SCATTER };

static const struct option long_opts[] = {
	{ "connect", required_argument, NULL, 'c' },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "listen", required_argument, NULL, 'l' },
	{ "peer", required_argument, NULL, 'p' },
	{ "asn", required_argument, NULL, 'a' },
	{ "router-id", required_argument, NULL, OPT_ROUTER_ID },
	{ "hold-time", required_argument, NULL, OPT_HOLD_TIME },
	{ "next-hop", required_argument, NULL, OPT_NEXT_HOP },
	{ "scatter", no_argument, NULL, OPT_SCATTER },
	{ "sync-wait", required_argument, NULL, OPT_SYNC_WAIT },
	{ "limit", required_argument, NULL, 'n' },
	{ "synthetic", required_argument, NULL, 's' },
	{ "eor", no_argument, NULL, 'e' },
	{ "hold", no_argument, NULL, 'H' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "wait-go", no_argument, NULL, OPT_WAIT_GO },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool opt_one(struct opts *o, int ch, const char *arg)
{
	unsigned long v = 0;
	bool ok = true;

	switch (ch) {
	case 'c': o->connect_to = arg; break;
	case OPT_BIND: o->bind_addr = arg; break;
	case 'l': o->listen_on = arg; break;
	case 'p': o->peer = arg; break;
	case 'a': ok = opt_ulong("asn", arg, UINT32_MAX, &v); o->asn = (uint32_t)v; break;
	case OPT_ROUTER_ID: ok = opt_ipv4("router-id", arg, &o->router_id); break;
	case OPT_NEXT_HOP: ok = opt_ipv4("next-hop", arg, &o->next_hop); break;
	case OPT_SCATTER: o->scatter = true; break;
	case OPT_SYNC_WAIT:
		ok = opt_ulong("sync-wait", arg, 3600, &v);
		o->sync_wait = (unsigned)v;
		break;
	case OPT_HOLD_TIME:
		ok = opt_ulong("hold-time", arg, 65535, &v) && (v == 0 || v >= 3);
		o->hold_time = (unsigned)v;
		break;
	case 'n': ok = opt_ulong("limit", arg, ULONG_MAX, &o->limit); break;
	case 's': ok = opt_ulong("synthetic", arg, ULONG_MAX, &o->synthetic) && o->synthetic; break;
	case 'e': o->eor = true; break;
	case 'H': o->hold = true; break;
	case 'q': o->quiet = true; break;
	case OPT_WAIT_GO: o->wait_go = true; break;
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
	return opt_endpoint(o->connect_to, o->bind_addr, o->listen_on);
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
	static struct replay r;
	struct opts o;
	int rc, fd;

	tool_init(PROG);
	rc = opts_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	r.o = &o;
	signals_init();
	if (o.wait_go)
		go_signal_init();
	struct mrt_updates_spec spec = { o.file, o.peer, o.limit, o.quiet };
	if (!o.synthetic && !mrt_updates_load(&spec, &r.ul, &r.recorded_as)) {
		update_list_free(&r.ul);
		return 1;
	}
	fd = o.listen_on ? replay_accept(&o) :
	    net_connect(o.connect_to, o.bind_addr, CONNECT_WAIT);
	rc = fd < 0 ? 1 : run(&r, fd);
	update_list_free(&r.ul);
	return rc;
}
