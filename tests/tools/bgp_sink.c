/*
 * bgp_sink — a small, fast BGP receiver for benchmarks and tests.
 *
 * It holds one session (connecting out, or waiting for the neighbor),
 * decodes every UPDATE with the project's codec (muxd/bgp/bgp_update.h) and
 * keeps the table it was sent: which prefixes are announced now, each
 * with a hash of the path attributes it came with. It stops when that
 * table is the one it was told to expect, at End-of-RIB, or when the
 * neighbor closes, and prints one JSON line on stdout:
 *
 *   {"name":"c1","prefixes":577699,"updates":89679,"bytes":…,
 *    "first_update_at":1700000000.123456,"done_at":1700000002.654321,…,
 *    "cpu_s":0.150,"cpu_window_s":0.101,…}
 *
 * Times are CLOCK_REALTIME seconds, so the lines of several sinks and of
 * the feeder can be compared. first_update_at is the first UPDATE that
 * announces or withdraws a prefix (not an End-of-RIB); done_at when what
 * it waits for was complete. cpu_s is every CPU second the sink used
 * (loading the table to expect, lingering), cpu_window_s those between
 * the two: what taking the table cost it. Progress goes to stderr
 * ("… established", "first UPDATE with routes …", "done …").
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
 * The session is the tools' speaker (tests/tools/lib/speaker.h) around
 * one non-blocking socket and poll(), with an empty answer to
 * ROUTE-REFRESH (BoRR/EoRR); the table is tests/tools/lib/rtable.h. Every
 * loop is bounded by --timeout. --wait-go: say "ready" and connect only on
 * SIGUSR1, so that many sinks started one after the other join at once.
 * SIGUSR2: one "status:" line on stderr with the counters so far (UPDATEs,
 * bytes, prefixes), so that a script can tell whether anything arrived
 * between two moments (an upgrade of the neighbor) without ending the run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "muxd/bgp/bgp_update.h"
#include "tests/tools/lib/net.h"
#include "tests/tools/lib/recording.h"
#include "tests/tools/lib/rtable.h"
#include "tests/tools/lib/speaker.h"
#include "tests/tools/lib/tool.h"

#define PROG "bgp_sink"

#define IN_CAP (4u << 20)       /* read buffer: ~1000 full UPDATEs a read */
#define OUT_CAP (64u << 10)     /* only small messages go out */
#define CLOSE_WAIT 1.0          /* seconds for the neighbor to close */
#define STALL_WARN 1.0          /* CPU seconds to handle one read: suspect */

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
	bool addpath, ext_msg, until_eor, quiet, wait_go;
};

struct sink {
	const struct opts *o;
	struct speaker_config cfg;
	struct speaker sp;
	double deadline;                /* monotonic: --timeout */
	double linger_until;            /* monotonic, once done */
	/* What arrived. */
	struct rtable table;
	FILE *save;
	uint8_t scratch[BGP_ATTR_SCRATCH(BGP_EXT_MAX_LEN)];
	unsigned long updates;
	unsigned long treat_as_withdraw, attr_discard;     /* RFC 7606 */
	uint64_t bytes;
	bool eor_ipv4, eor_ipv6;
	double established_at, first_update_at, done_at;        /* realtime */
	double cpu_first_update, cpu_done;      /* CPU seconds used by then */
	/* How it ended. */
	bool finished, failed;
	char end[200];
};

static volatile sig_atomic_t status_asked;

static void on_status_signal(int sig)
{
	(void)sig;
	status_asked = 1;
}

/* No SA_RESTART: the signal wakes poll() and the line goes out at once. */
static void status_signal_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_status_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
}

/* ---- how it ends ------------------------------------------------------ */

/* Told to wait for something that has not arrived: ending now fails. */
static bool waiting(const struct sink *s)
{
	const struct opts *o = s->o;

	return (o->expect_path || o->expect || o->until_eor) && !s->done_at;
}

/* The first reason to end wins; later ones are consequences. */
static void sink_end(struct sink *s, bool failed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
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

/* Whether the way the session ended is a failure: a neighbor that closes
 * or sends Cease once we have what we waited for is not. */
static bool session_end_failed(const struct sink *s)
{
	const struct speaker *sp = &s->sp;

	switch (sp->end) {
	case SPEAKER_NOTIFIED_BY:
		return waiting(s) || (sp->peer_code != BGP_ERR_CEASE && !s->done_at);
	case SPEAKER_CLOSED:
		return sp->state != SPEAKER_ESTABLISHED || waiting(s);
	default:
		return true;
	}
}

/* ---- the session's messages ------------------------------------------- */

static void note_done(struct sink *s)
{
	s->done_at = secs_wall();
	s->cpu_done = secs_cpu();
	s->linger_until = secs_mono() + s->o->linger;
	say(s->o, "done: %zu prefixes, %lu UPDATEs", s->table.present, s->updates);
}

/* Whether what we were told to wait for has arrived. */
static bool sink_is_done(const struct sink *s)
{
	const struct opts *o = s->o;
	const struct rtable *t = &s->table;

	/* Every expected route held; extra ones are reported, not waited
	 * out (a route the feed withdraws later is extra until then). */
	if (o->expect_path)
		return t->matched == t->expected;
	if (o->expect)
		return t->present >= o->expect;
	return o->until_eor && s->eor_ipv4;
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
		    s->updates, s->sp.name, e->why ? e->why : "error",
		    u->treat_as_withdraw ? "treat-as-withdraw" : "attribute discard");
}

static void save_message(struct sink *s, const uint8_t *msg, size_t len)
{
	if (s->save && fwrite(msg, 1, len, s->save) != len) {
		warnx_("%s: cannot write: %s", s->o->save_path, strerror(errno));
		fclose(s->save);
		s->save = NULL;
	}
}

static void on_update(struct speaker *sp, const uint8_t *msg, size_t len)
{
	struct sink *s = sp->arg;
	struct bgp_update u;
	struct bgp_err e = { 0 };

	s->updates++;
	s->bytes += len;
	save_message(s, msg, len);
	if (!bgp_update_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &sp->ctx,
	    s->scratch, sizeof s->scratch, &u, &e)) {
		speaker_notify(sp, &e);
		return;
	}
	if (e.tier != BGP_TIER_OK)
		note_rfc7606(s, &u, &e);
	if (!s->first_update_at && update_has_routes(&u)) {
		s->first_update_at = secs_wall();
		s->cpu_first_update = secs_cpu();
		say(s->o, "first UPDATE with routes from %s", sp->name);
	}
	if (u.end_of_rib) {
		s->eor_ipv4 |= u.eor_afi == BGP_AFI_IPV4 && u.eor_safi == BGP_SAFI_UNICAST;
		s->eor_ipv6 |= u.eor_afi == BGP_AFI_IPV6 && u.eor_safi == BGP_SAFI_UNICAST;
	}
	if (!rtable_apply(&s->table, &u, &sp->ctx))
		speaker_stop(sp, "out of memory for the table");
	if (!s->done_at && sink_is_done(s))
		note_done(s);
}

static bool on_open(struct speaker *sp, const struct bgp_open *op, struct bgp_err *e)
{
	struct sink *s = sp->arg;
	struct in_addr id = { htonl(sp->peer_id) };
	char idbuf[INET_ADDRSTRLEN];

	(void)op;
	(void)e;
	inet_ntop(AF_INET, &id, idbuf, sizeof idbuf);
	say(s->o, "%s: AS%" PRIu32 ", id %s, hold time %u s, 4-octet AS %s, "
	    "ADD-PATH ipv4 %s ipv6 %s, max message %zu", sp->name, sp->peer_as,
	    idbuf, sp->hold, sp->ctx.as4 ? "yes" : "no",
	    sp->ctx.addpath[AID_IPV4_UNICAST] ? "yes" : "no",
	    sp->ctx.addpath[AID_IPV6_UNICAST] ? "yes" : "no", sp->ctx.max_len);
	return true;
}

static void on_established(struct speaker *sp)
{
	struct sink *s = sp->arg;

	s->established_at = secs_wall();
	if (s->save)
		recording_write_header(s->save, &sp->ctx, sp->peer_as, sp->peer_id);
	say(s->o, "session with %s established", sp->name);
}

/* We hold no routes of our own: the refresh is BoRR and EoRR at once. */
static void on_refresh(struct speaker *sp, const struct bgp_route_refresh *asked)
{
	struct bgp_route_refresh rr = *asked;
	struct wbuf w;

	if (rr.subtype != BGP_RR_NORMAL || !sp->enhanced_rr)
		return;
	w = speaker_wbuf(sp);
	rr.subtype = BGP_RR_BORR;
	bgp_route_refresh_encode(&w, &rr);
	rr.subtype = BGP_RR_EORR;
	bgp_route_refresh_encode(&w, &rr);
	speaker_commit(sp, &w);
}

static const struct speaker_ops sink_ops = {
	.open = on_open,
	.established = on_established,
	.update = on_update,
	.refresh = on_refresh,
};

/* ---- the run ---------------------------------------------------------- */

static void sink_config(struct sink *s, uint32_t local_id)
{
	const struct opts *o = s->o;
	struct speaker_config *cfg = &s->cfg;
	struct bgp_caps *c = &cfg->open.caps;

	speaker_open_init(&cfg->open, o->asn, local_id, o->hold_time);
	c->present |= BGP_CAPF_AS4 | BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ENHANCED_RR;
	c->as4 = o->asn;
	if (o->addpath) {
		c->present |= BGP_CAPF_ADD_PATH;
		c->addpath[0] = (struct bgp_addpath_family){ c->mp[0], BGP_ADDPATH_RECEIVE };
		c->addpath[1] = (struct bgp_addpath_family){ c->mp[1], BGP_ADDPATH_RECEIVE };
		c->addpath_count = 2;
	}
	if (o->ext_msg)
		c->present |= BGP_CAPF_EXT_MESSAGE;
	cfg->asn = o->asn;
	cfg->peer_as = o->peer_as;
	cfg->in_cap = IN_CAP;
	cfg->out_cap = OUT_CAP;
	cfg->close_wait = CLOSE_WAIT;
}

/* The files and the table first: only then does our OPEN go out. */
static bool sink_init(struct sink *s, int fd)
{
	const struct opts *o = s->o;
	uint32_t local_id = o->router_id ? o->router_id : net_local_ipv4(fd);
	bool ok;

	s->deadline = secs_mono() + o->timeout;
	if (!local_id) {
		warnx_("no IPv4 address to use as BGP Identifier: give --router-id");
		return false;
	}
	if (o->save_path && !(s->save = fopen(o->save_path, "wb"))) {
		warnx_("%s: %s", o->save_path, strerror(errno));
		return false;
	}
	if (s->save)
		setvbuf(s->save, NULL, _IOFBF, 1u << 20);
	ok = o->expect_path ? rtable_expect(&s->table, o->expect_path) :
	    rtable_init(&s->table, o->expect ? o->expect : 1u << 16);
	sink_config(s, local_id);
	return ok && speaker_init(&s->sp, fd, &s->cfg, &sink_ops, s);
}

static int poll_timeout_ms(const struct sink *s)
{
	double t = secs_mono(), until = s->deadline, timer = speaker_next_timer(&s->sp);

	if (timer && timer < until)
		until = timer;
	if (s->done_at && s->linger_until < until)
		until = s->linger_until;
	if (until <= t)
		return 0;
	return until - t > 1.0 ? 1000 : (int)((until - t) * 1000) + 1;
}

static void sink_timers(struct sink *s)
{
	double t = secs_mono();

	if (s->done_at && t >= s->linger_until)
		sink_end(s, false, "done, and lingered %.1f s", s->o->linger);
	else if (t >= s->deadline)
		sink_end(s, true, "timed out after %.0f s (%zu prefixes held)",
		    s->o->timeout, s->table.present);
}

/* Handling one read costs milliseconds of CPU; far more means something
 * went wrong in this process (or the machine under it): say so, the
 * figures of the run are suspect. Waiting for a CPU is not counted: with
 * many clients on few cores it is normal. */
static void sink_check_stall(struct sink *s, double cpu_before)
{
	double took = secs_cpu() - cpu_before;

	if (s->sp.rx_last && took > STALL_WARN)
		warnx_("handling %zu bytes from %s took %.1f s of CPU, not milliseconds: "
		    "stalled (timings of this run are suspect)", s->sp.rx_last,
		    s->sp.name, took);
}

static void sink_status(struct sink *s)
{
	status_asked = 0;
	tool_say(false, "status: %lu UPDATEs, %" PRIu64 " bytes, %zu prefixes, End-of-RIB %s",
	    s->updates, s->bytes, s->table.present, s->eor_ipv4 ? "yes" : "no");
}

static void sink_loop(struct sink *s)
{
	while (!s->finished) {
		double cpu = secs_cpu();
		if (status_asked)
			sink_status(s);
		if (stop_signal) {
			sink_end(s, !s->done_at, "stopped by signal %d", (int)stop_signal);
			break;
		}
		speaker_pump(&s->sp, poll_timeout_ms(s));
		sink_check_stall(s, cpu);
		if (speaker_ended(&s->sp))
			sink_end(s, session_end_failed(s), "%s", s->sp.why);
		sink_timers(s);
	}
}

static void json_time(const char *key, double t)
{
	if (t > 0)
		printf(",\"%s\":%.6f", key, t);
	else
		printf(",\"%s\":null", key);
}

/* One line: what arrived, when, and whether it is what was expected. */
static void sink_report(const struct sink *s)
{
	const struct rtable *t = &s->table;
	const char *e;

	printf("{\"name\":\"%s\",\"prefixes\":%zu", s->o->name ? s->o->name : "", t->present);
	if (s->o->expect_path)
		printf(",\"expected\":%zu,\"missing\":%zu,\"extra\":%zu,\"attr_mismatch\":%lu",
		    t->expected, t->expected - t->matched, t->extra, rtable_attr_mismatch(t));
	printf(",\"distinct\":%zu,\"announced\":%lu,\"withdrawn\":%lu,"
	    "\"stray_withdrawals\":%lu,\"treat_as_withdraw\":%lu,\"attr_discard\":%lu,"
	    "\"updates\":%lu,\"bytes\":%" PRIu64 ",\"eor_ipv4\":%s",
	    t->seen, t->announced, t->withdrawn, t->stray, s->treat_as_withdraw,
	    s->attr_discard, s->updates, s->bytes, s->eor_ipv4 ? "true" : "false");
	json_time("established_at", s->established_at);
	json_time("first_update_at", s->first_update_at);
	json_time("done_at", s->done_at);
	printf(",\"complete\":%s,\"cpu_s\":%.3f", s->done_at ? "true" : "false",
	    rusage_cpu(NULL));
	if (s->done_at && s->first_update_at)   /* what the table itself cost */
		printf(",\"cpu_window_s\":%.3f", s->cpu_done - s->cpu_first_update);
	printf(",\"end\":\"");
	for (e = s->end; *e; e++)
		if (*e != '"' && *e != '\\' && (unsigned char)*e >= 0x20)
			putchar(*e);
	printf("\"}\n");
	fflush(stdout);
}

static int sink_run(const struct opts *o, int fd)
{
	static struct sink s;   /* large: the scratch buffer */
	bool ok;

	s.o = o;
	s.sp.fd = -1;
	ok = sink_init(&s, fd);
	if (ok)
		sink_loop(&s);
	else
		sink_end(&s, true, "could not start");
	if (s.sp.fd >= 0)
		speaker_close(&s.sp, s.failed ? PROG " gave up" : PROG " done");
	else
		close(fd);
	speaker_free(&s.sp);
	if (s.save && fclose(s.save) != 0) {
		warnx_("%s: cannot write: %s", o->save_path, strerror(errno));
		s.failed = true;
	}
	if (ok && o->dump_path && !rtable_dump(&s.table, o->dump_path))
		s.failed = true;
	sink_report(&s);
	rtable_free(&s.table);
	return s.failed ? 1 : 0;
}

static int sink_accept(const struct opts *o)
{
	int lfd = net_listen(o->listen_on, 1, false, NULL), fd;

	if (lfd < 0)
		return -1;
	say(o, "listening on %s", o->listen_on);
	fd = net_accept(lfd, o->listen_on, o->timeout);
	close(lfd);
	return fd;
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
	    "           [--wait-go]\n"
	    "Receives one BGP session's UPDATEs, keeps the table they make, and prints\n"
	    "one JSON line (CLOCK_REALTIME times) when it stops: once it holds N\n"
	    "prefixes, every route of the table in FILE (from --dump-table), or has\n"
	    "End-of-RIB for IPv4 — plus --linger S seconds — or when the neighbor\n"
	    "closes. --asn defaults to 65101, --router-id to our IPv4 address,\n"
	    "--timeout to 600 s, --connect-wait to 30 s, port to 179. SIGUSR2 prints\n"
	    "the counters so far (a \"status:\" line on stderr).\n");
}

enum {
	OPT_BIND = 256, OPT_PEER_AS, OPT_ROUTER_ID, OPT_HOLD_TIME, OPT_ADDPATH,
	OPT_EXT_MSG, OPT_EXPECT_TABLE, OPT_UNTIL_EOR, OPT_LINGER, OPT_TIMEOUT,
	OPT_CONNECT_WAIT, OPT_SAVE, OPT_DUMP, OPT_NAME, OPT_WAIT_GO,
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
	{ "wait-go", no_argument, NULL, OPT_WAIT_GO },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool opt_value(struct opts *o, int ch, const char *arg)
{
	unsigned long v = 0;
	bool ok = true;

	switch (ch) {
	case 'a':
		ok = opt_ulong("asn", arg, UINT32_MAX, &v) && v;
		o->asn = (uint32_t)v;
		break;
	case OPT_PEER_AS:
		ok = opt_ulong("peer-as", arg, UINT32_MAX, &v);
		o->peer_as = (uint32_t)v;
		break;
	case OPT_ROUTER_ID: ok = opt_ipv4("router-id", arg, &o->router_id); break;
	case OPT_HOLD_TIME:
		ok = opt_ulong("hold-time", arg, 65535, &v) && (v == 0 || v >= 3);
		o->hold_time = (unsigned)v;
		break;
	case 'n': ok = opt_ulong("expect", arg, ULONG_MAX, &o->expect) && o->expect; break;
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
	case OPT_WAIT_GO: o->wait_go = true; return true;
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
	if (!opt_endpoint(o->connect_to, o->bind_addr, o->listen_on))
		return false;
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
	int rc, fd;

	tool_init(PROG);
	rc = opts_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	signals_init();
	status_signal_init();
	if (o.wait_go) {
		go_signal_init();
		go_ready();
		if (!go_wait())
			return 1;
	}
	fd = o.listen_on ? sink_accept(&o) :
	    net_connect(o.connect_to, o.bind_addr, o.connect_wait);
	if (fd < 0)
		return 1;
	return sink_run(&o, fd);
}
