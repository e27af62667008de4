/*
 * bgp_blast — the loopback floor of a fan-out: one recorded UPDATE stream
 * written straight to K BGP sessions, as fast as each neighbor takes it.
 *
 * The stream is a file bgp_sink --save wrote while a feeder (mrt_replay)
 * talked to it: the feeder's UPDATE messages byte for byte, after a
 * header that says how the session was negotiated. bgp_blast loads it
 * once, waits for K neighbors (bgp_sink --connect) to reach Established,
 * then writes the same bytes to each of them straight from memory — no
 * decoding, no copy of its own: what is left is the kernel's work and the
 * receivers'. It prints one JSON line on stdout:
 *
 *   {"sessions":16,"messages":89679,"bytes":10282521,
 *    "first_update_at":1700000000.123456,"written_at":…,"cpu_s":…,
 *    "maxrss_kb":…}
 *
 * first_update_at (CLOCK_REALTIME) is when the first byte of the first
 * UPDATE went to the first session; written_at when the last session had
 * taken its last byte. It stays until every neighbor has closed (or
 * --timeout), keeping the sessions up with KEEPALIVEs once the stream is
 * out.
 *
 *   bgp_blast --listen 127.0.93.1 --sessions 4 --stream feed.stream
 *
 * Each session is the tools' speaker (tests/tools/lib/speaker.h); the
 * stream goes to it as bulk bytes (speaker_send_bulk), in turns of at most
 * WRITE_CHUNK bytes a session.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "tests/tools/lib/net.h"
#include "tests/tools/lib/recording.h"
#include "tests/tools/lib/speaker.h"
#include "tests/tools/lib/tool.h"

#define PROG "bgp_blast"

#define MAX_SESSIONS 256
#define IN_CAP (64u << 10)      /* neighbors send only small messages */
#define CTL_CAP 1024            /* OPEN, KEEPALIVE, NOTIFICATION */
#define WRITE_CHUNK (1u << 20)  /* per write(): fair turns between sessions */

struct opts {
	const char *listen_on;
	const char *stream_path;
	unsigned sessions;
	uint32_t asn;                   /* 0: the recorded feeder's */
	uint32_t router_id;             /* 0: the listening address */
	unsigned hold_time;
	double timeout;
	bool quiet;
};

struct conn {
	struct speaker sp;
	bool closed;
	double written_at;              /* realtime: the whole stream taken */
};

struct blast {
	const struct opts *o;
	struct recording rec;
	struct speaker_config cfg;
	int lfd;
	struct conn *conns[MAX_SESSIONS];
	unsigned n, established, open_conns, written;
	double first_update_at, deadline;
	bool streaming, failed;
};

/* ---- one session ------------------------------------------------------ */

static void conn_gone(struct blast *b, struct conn *c)
{
	struct speaker *sp = &c->sp;
	bool failed = !(sp->end == SPEAKER_NOTIFIED_BY && sp->peer_code == BGP_ERR_CEASE);

	/* Before the stream starts, every session is needed. */
	if ((failed && !speaker_bulk_done(sp)) || !b->streaming) {
		warnx_("session with %s ended: %s", sp->name, sp->why);
		b->failed = true;
	} else {
		say(b->o, "session with %s ended: %s", sp->name, sp->why);
	}
	if (sp->state == SPEAKER_ESTABLISHED)
		b->established--;
	speaker_free(sp);
	c->closed = true;
	b->open_conns--;
}

/* What the recorded bytes need of the neighbor, or why it falls short. */
static const char *open_mismatch(const struct recording *rec, const struct bgp_caps *c)
{
	uint32_t f = rec->flags;

	if ((f & RECORDING_AS4) && !(c->present & BGP_CAPF_AS4))
		return "the stream has 4-octet AS_PATHs; the neighbor lacks 4-octet AS";
	if (!(f & RECORDING_AS4) && (c->present & BGP_CAPF_AS4))
		return NULL;    /* we do not offer it: the session is 2-octet */
	if ((f & RECORDING_EXTMSG) && !(c->present & BGP_CAPF_EXT_MESSAGE))
		return "the stream has extended messages; the neighbor does not take them";
	if ((f & RECORDING_ADDPATH4) &&
	    !(bgp_caps_addpath_mode(c, BGP_AFI_IPV4, BGP_SAFI_UNICAST) & BGP_ADDPATH_RECEIVE))
		return "the stream has IPv4 path ids; the neighbor does not receive ADD-PATH";
	if ((f & RECORDING_ADDPATH6) &&
	    !(bgp_caps_addpath_mode(c, BGP_AFI_IPV6, BGP_SAFI_UNICAST) & BGP_ADDPATH_RECEIVE))
		return "the stream has IPv6 path ids; the neighbor does not receive ADD-PATH";
	return NULL;
}

static bool on_open(struct speaker *sp, const struct bgp_open *op, struct bgp_err *e)
{
	struct blast *b = sp->arg;
	const char *why = open_mismatch(&b->rec, &op->caps);

	if (why)
		bgp_err_set(e, BGP_TIER_RESET, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY, NULL, 0,
		    why);
	return why == NULL;
}

static void on_established(struct speaker *sp)
{
	struct blast *b = sp->arg;

	b->established++;
	say(b->o, "session with %s established (%u of %u)", sp->name, b->established,
	    b->o->sessions);
}

/* A sink sends no UPDATE nor ROUTE-REFRESH; anything it sends is dropped. */
static const struct speaker_ops blast_ops = {
	.open = on_open,
	.established = on_established,
};

/* ---- accepting -------------------------------------------------------- */

static void blast_config(struct blast *b, uint32_t local_id)
{
	const struct recording *rec = &b->rec;
	struct speaker_config *cfg = &b->cfg;
	struct bgp_caps *c = &cfg->open.caps;
	uint32_t asn = b->o->asn ? b->o->asn : rec->peer_as;

	speaker_open_init(&cfg->open, asn, local_id, b->o->hold_time);
	if (rec->flags & RECORDING_AS4) {
		c->present |= BGP_CAPF_AS4;
		c->as4 = asn;
	}
	if (rec->flags & RECORDING_EXTMSG)
		c->present |= BGP_CAPF_EXT_MESSAGE;
	if (rec->flags & RECORDING_ADDPATH4)
		c->addpath[c->addpath_count++] = (struct bgp_addpath_family){ c->mp[0], BGP_ADDPATH_SEND };
	if (rec->flags & RECORDING_ADDPATH6)
		c->addpath[c->addpath_count++] = (struct bgp_addpath_family){ c->mp[1], BGP_ADDPATH_SEND };
	if (c->addpath_count)
		c->present |= BGP_CAPF_ADD_PATH;
	cfg->asn = asn;
	cfg->in_cap = IN_CAP;
	cfg->out_cap = CTL_CAP;
	cfg->write_chunk = WRITE_CHUNK;
}

static void blast_accept(struct blast *b)
{
	int fd = accept4(b->lfd, NULL, NULL, SOCK_CLOEXEC);
	struct conn *c;

	if (fd < 0)
		return;
	if (b->n == b->o->sessions || !(c = calloc(1, sizeof *c))) {
		warnx_("connection refused: %u sessions already", b->n);
		close(fd);
		return;
	}
	b->conns[b->n++] = c;
	b->open_conns++;
	if (!speaker_init(&c->sp, fd, &b->cfg, &blast_ops, b))
		speaker_stop(&c->sp, "cannot set up the session");
}

static bool blast_listen(struct blast *b)
{
	const struct opts *o = b->o;
	struct sockaddr_mux at;
	uint32_t local_id = o->router_id;

	b->lfd = net_listen(o->listen_on, MAX_SESSIONS, true, &at);
	if (b->lfd < 0)
		return false;
	if (!local_id && sockaddr_family(&at) == AF_INET)
		local_id = ntohl(at.u.sin.sin_addr.s_addr);
	if (!local_id) {
		warnx_("no IPv4 address to use as BGP Identifier: give --router-id");
		return false;
	}
	blast_config(b, local_id);
	say(o, "listening on %s for %u sessions", o->listen_on, o->sessions);
	return true;
}

/* ---- the run ---------------------------------------------------------- */

static void blast_start(struct blast *b)
{
	b->streaming = true;
	for (unsigned i = 0; i < b->n; i++)
		if (!b->conns[i]->closed)
			speaker_send_bulk(&b->conns[i]->sp, b->rec.data, b->rec.len);
	say(b->o, "%u sessions established: sending %lu UPDATEs (%zu bytes) to each",
	    b->n, b->rec.messages, b->rec.len);
}

static int blast_poll_fds(struct blast *b, struct pollfd *p, struct conn **who)
{
	int n = 0;

	if (b->lfd >= 0) {
		p[n] = (struct pollfd){ .fd = b->lfd, .events = POLLIN };
		who[n++] = NULL;
	}
	for (unsigned i = 0; i < b->n; i++) {
		struct conn *c = b->conns[i];
		if (c->closed)
			continue;
		p[n] = (struct pollfd){ .fd = c->sp.fd, .events = speaker_poll_events(&c->sp) };
		who[n++] = c;
	}
	return n;
}

static void conn_step(struct blast *b, struct conn *c, short revents)
{
	struct speaker *sp = &c->sp;

	if (b->streaming && !b->first_update_at && (revents & POLLOUT) &&
	    speaker_bulk_sent(sp) == 0)
		b->first_update_at = secs_wall();
	speaker_handle(sp, revents);
	if (!c->written_at && speaker_bulk_done(sp)) {
		c->written_at = secs_wall();
		b->written++;
	}
	if (speaker_ended(sp))
		conn_gone(b, c);
}

static void blast_step(struct blast *b)
{
	struct pollfd p[MAX_SESSIONS + 1];
	struct conn *who[MAX_SESSIONS + 1];
	int n = blast_poll_fds(b, p, who);

	if (poll(p, (nfds_t)n, 200) < 0 && errno != EINTR) {
		warnx_("poll: %s", strerror(errno));
		b->failed = true;
		return;
	}
	for (int i = 0; i < n; i++) {
		if (who[i])
			conn_step(b, who[i], p[i].revents);
		else if (p[i].revents & POLLIN)
			blast_accept(b);
	}
}

/* Until every neighbor is done with us, or the time is up. */
static void blast_loop(struct blast *b)
{
	while (!b->failed) {
		if (stop_signal) {
			warnx_("stopped by signal %d", (int)stop_signal);
			b->failed = b->written < b->o->sessions;
			return;
		}
		if (secs_mono() > b->deadline) {
			warnx_("timed out after %.0f s: %u of %u sessions took the whole stream",
			    b->o->timeout, b->written, b->o->sessions);
			b->failed = true;
			return;
		}
		if (!b->streaming && b->established == b->o->sessions)
			blast_start(b);
		if (b->n == b->o->sessions && b->open_conns == 0)
			return;
		if (b->n == b->o->sessions && b->lfd >= 0) {
			close(b->lfd);
			b->lfd = -1;
		}
		blast_step(b);
	}
}

static void blast_report(const struct blast *b)
{
	double last = 0;
	long maxrss;
	double cpu = rusage_cpu(&maxrss);

	for (unsigned i = 0; i < b->n; i++)
		if (b->conns[i]->written_at > last)
			last = b->conns[i]->written_at;
	printf("{\"sessions\":%u,\"written\":%u,\"messages\":%lu,\"bytes\":%zu",
	    b->n, b->written, b->rec.messages, b->rec.len);
	if (b->first_update_at > 0)
		printf(",\"first_update_at\":%.6f", b->first_update_at);
	else
		printf(",\"first_update_at\":null");
	if (b->written == b->n && last > 0)
		printf(",\"written_at\":%.6f", last);
	else
		printf(",\"written_at\":null");
	printf(",\"cpu_s\":%.3f,\"maxrss_kb\":%ld,\"ok\":%s}\n", cpu, maxrss,
	    b->failed ? "false" : "true");
	fflush(stdout);
}

static int blast_run(const struct opts *o)
{
	struct blast b;

	memset(&b, 0, sizeof b);
	b.o = o;
	b.lfd = -1;
	b.deadline = secs_mono() + o->timeout;
	if (!recording_load(&b.rec, o->stream_path) || !blast_listen(&b)) {
		recording_free(&b.rec);
		if (b.lfd >= 0)
			close(b.lfd);
		return 1;
	}
	say(o, "%s: %lu UPDATEs, %zu bytes, %s AS_PATHs", o->stream_path,
	    b.rec.messages, b.rec.len, b.rec.flags & RECORDING_AS4 ? "4-octet" : "2-octet");
	blast_loop(&b);
	blast_report(&b);
	for (unsigned i = 0; i < b.n; i++) {
		speaker_free(&b.conns[i]->sp);
		free(b.conns[i]);
	}
	if (b.lfd >= 0)
		close(b.lfd);
	recording_free(&b.rec);
	return b.failed ? 1 : 0;
}

/* ---- options ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " --listen ADDR[:PORT] --sessions K --stream FILE\n"
	    "           [--asn N] [--router-id A.B.C.D] [--hold-time S] [--timeout S]\n"
	    "           [--quiet]\n"
	    "Waits for K BGP neighbors, then writes the UPDATE stream FILE (from\n"
	    "bgp_sink --save) to each, as fast as each takes it; prints one JSON\n"
	    "line when all have closed. --asn defaults to the recorded feeder's,\n"
	    "--router-id to the listening address, --timeout to 600 s.\n");
}

enum { OPT_ROUTER_ID = 256, OPT_HOLD_TIME, OPT_TIMEOUT };

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "sessions", required_argument, NULL, 'k' },
	{ "stream", required_argument, NULL, 's' },
	{ "asn", required_argument, NULL, 'a' },
	{ "router-id", required_argument, NULL, OPT_ROUTER_ID },
	{ "hold-time", required_argument, NULL, OPT_HOLD_TIME },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool opt_one(struct opts *o, int ch, const char *arg)
{
	unsigned long v = 0;
	struct in_addr a;

	switch (ch) {
	case 'l': o->listen_on = arg; return true;
	case 's': o->stream_path = arg; return true;
	case 'q': o->quiet = true; return true;
	case 'k':
		o->sessions = parse_ulong(arg, MAX_SESSIONS, &v) ? (unsigned)v : 0;
		return o->sessions > 0;
	case 'a':
		if (!parse_ulong(arg, UINT32_MAX, &v))
			return false;
		o->asn = (uint32_t)v;
		return o->asn != 0;
	case OPT_ROUTER_ID:
		if (inet_pton(AF_INET, arg, &a) != 1)
			return false;
		o->router_id = ntohl(a.s_addr);
		return o->router_id != 0;
	case OPT_HOLD_TIME:
		o->hold_time = parse_ulong(arg, 65535, &v) ? (unsigned)v : 1;
		return o->hold_time == 0 || o->hold_time >= 3;
	case OPT_TIMEOUT:
		o->timeout = parse_ulong(arg, 86400, &v) ? (double)v : 0;
		return o->timeout > 0;
	default:
		return false;
	}
}

static int opts_parse(int argc, char **argv, struct opts *o)
{
	int ch;

	memset(o, 0, sizeof *o);
	o->hold_time = 240;
	o->timeout = 600;
	while ((ch = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			return 0;
		}
		if (!opt_one(o, ch, optarg)) {
			warnx_("bad or missing value for an option");
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !o->listen_on || !o->stream_path || !o->sessions) {
		warnx_("give --listen, --sessions (1-%d) and --stream", MAX_SESSIONS);
		usage(stderr);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc;

	tool_init(PROG);
	rc = opts_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	signals_init();
	return blast_run(&o);
}
