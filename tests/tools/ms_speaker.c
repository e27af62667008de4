/*
 * ms_speaker — a multisession BGP speaker for tests, playing the Cisco
 * router (or an IETF-draft speaker) that no open-source daemon is.
 *
 * It is built on the project's own session layer and codec: each family
 * gets a TCP session of its own (--dialect cisco|ietf; "none" makes one
 * ordinary session for all), whose OPEN carries that family and the
 * dialect's capability. Once Established it announces --family's routes
 * (generated; AS_PATH = its AS; next hop = its address, for IPv6
 * 2001:db8:ffff::its-address, as BIRD refuses IPv4-mapped ones), then
 * End-of-RIB, and counts what it receives. It follows an IETF redirect unless told
 * --ignore-redirect (then it carries on, as a speaker that does not know
 * redirects would).
 *
 * --status FILE gets a JSON summary whenever something changes. --control
 * FIFO takes lines: "reset FAMILY" (Cease/Administrative Reset on that
 * session; it reconnects), "stop FAMILY" (Cease/Administrative Shutdown;
 * it stays down until "start FAMILY"), "malformed FAMILY" (an UPDATE
 * whose attribute length runs past the message), "refresh FAMILY" (a
 * ROUTE-REFRESH request on that family's session).
 *
 * Enhanced route refresh (RFC 7313) as a receiver does it: BoRR marks the
 * family's routes stale, an UPDATE for a route clears it, EoRR drops what
 * is still stale; the status counts BoRRs and EoRRs per session.
 */
#define PROG "ms_speaker"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "muxd/rib/adjrib.h"
#include "muxd/rib/attrset.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/config/config.h"
#include "muxd/lib/log.h"
#include "muxd/engine/session.h"
#include "muxd/bgp/update_walk.h"
#include "tests/tools/lib/tool.h"

#define MAX_CONNS BGP_MAX_FAMILIES

struct speaker;

/* One session: one family (or all, without multisession). */
struct conn {
	struct speaker *sp;
	struct session *s;
	struct bgp_family fams[BGP_MAX_FAMILIES];
	uint8_t nfams;
	unsigned routes;                /* to announce, per family */
	uint16_t port;                  /* where to connect (redirects change it) */
	uint16_t redirected_to;
	enum fsm_state state;
	unsigned established;           /* times */
	char notification[16];          /* last one received, "6/4" */
	bool stopped;                   /* "stop": stay down until "start" */
	struct event *retry_ev;
	unsigned borr, eorr;            /* enhanced route refresh, received */
	bool refreshing[3];             /* per AFI: between BoRR and EoRR */
};

struct speaker {
	struct event_base *base;
	struct session_params tmpl;
	struct conn conns[MAX_CONNS];
	size_t nconns;
	enum ms_dialect dialect;
	bool ignore_redirect, quiet;
	const char *status_path;
	struct attrstore *store;
	struct adjrib *rib;
	struct adjrib *stale;           /* routes marked by a BoRR, not sent since */
	struct event *status_ev, *control_ev;
	int control_fd;
	char label[64];
};

/* ---- what it sends ---------------------------------------------------------- */

/* Route i of a connection: 10.(16 * conn + i / 256).(i % 256).0/24, or
 * 2001:db8:0:conn:i::/80 — distinct per connection, up to 4096 each. */
static void route_prefix(const struct conn *c, struct bgp_family f, unsigned i,
    struct bgp_prefix *p)
{
	unsigned k = (unsigned)(c - c->sp->conns) + 1;

	memset(p, 0, sizeof *p);
	p->afi = f.afi;
	if (f.afi == BGP_AFI_IPV4) {
		p->len = 24;
		p->addr[0] = 10;
		p->addr[1] = (uint8_t)(16 * k + (i >> 8));
		p->addr[2] = (uint8_t)i;
	} else {
		static const uint8_t base[4] = { 0x20, 0x01, 0x0d, 0xb8 };
		p->len = 80;
		memcpy(p->addr, base, 4);
		p->addr[7] = (uint8_t)k;
		p->addr[8] = (uint8_t)(i >> 8);
		p->addr[9] = (uint8_t)i;
	}
}

static size_t route_attrs(const struct speaker *sp, const struct session_negotiated *n,
    uint8_t *out, size_t cap)
{
	uint8_t path[8];
	struct wbuf pw = wbuf_make(path, sizeof path), w = wbuf_make(out, cap);
	struct bgp_attrs a;
	const struct sockaddr_mux *local = &sp->tmpl.local;

	memset(&a, 0, sizeof a);
	wbuf_u8(&pw, BGP_AS_SEQUENCE);
	wbuf_u8(&pw, 1);
	wbuf_u32(&pw, sp->tmpl.local_as);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	a.as_path = (struct bgp_bytes){ path, (uint16_t)pw.len };
	memcpy(a.next_hop, &local->u.sin.sin_addr, 4);
	bgp_attrs_encode(&w, &a, &n->tx);
	return w.overflow ? 0 : w.len;
}

static void send_routes(struct conn *c, struct bgp_family f)
{
	const struct session_negotiated *n = session_negotiated(c->s);
	uint8_t attrs[128], buf[BGP_MAX_LEN], nh[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff };
	struct bgp_pack_spec spec = { .afi = f.afi, .safi = f.safi, .max_len = BGP_MAX_LEN,
	    .attrs = attrs, .next_hop = nh, .next_hop_len = 16,
	    .addpath = bgp_ctx_addpath(&n->tx, f.afi) };
	struct bgp_packer pk;
	struct bgp_prefix p;

	memcpy(nh + 12, &c->sp->tmpl.local.u.sin.sin_addr, 4);
	spec.attrs_len = route_attrs(c->sp, n, attrs, sizeof attrs);
	for (unsigned i = 0; i < c->routes;) {
		struct wbuf w = wbuf_make(buf, sizeof buf);
		if (!bgp_packer_begin(&pk, &w, &spec))
			fatal("cannot pack an UPDATE");
		for (; i < c->routes; i++) {
			route_prefix(c, f, i, &p);
			if (!bgp_packer_add(&pk, &p))
				break;
		}
		size_t len = bgp_packer_finish(&pk);
		if (len == 0 || !session_send(c->s, buf, len))
			return;
	}
	struct wbuf w = wbuf_make(buf, sizeof buf);
	size_t len = bgp_eor_encode(&w, f.afi, f.safi);
	session_send(c->s, buf, len);
}

/* Total Path Attribute Length 200 in a 27-byte UPDATE: 3/1 at the peer. */
static void send_malformed(struct conn *c)
{
	static const uint8_t body[] = { 0, 0, 0, 200, 0x40, 1, 1, 0 };
	uint8_t buf[BGP_HEADER_LEN + sizeof body];

	memset(buf, 0xff, 16);
	buf[16] = 0;
	buf[17] = sizeof buf;
	buf[18] = BGP_UPDATE;
	memcpy(buf + BGP_HEADER_LEN, body, sizeof body);
	session_send(c->s, buf, sizeof buf);
}

/* ---- status ------------------------------------------------------------------ */

static json_t *conn_json(const struct conn *c)
{
	json_t *fams = json_array();
	const struct session_counters *rx = c->s ? session_counters_rx(c->s) : NULL;

	for (uint8_t i = 0; i < c->nfams; i++)
		json_array_append_new(fams, json_string(family_name(c->fams[i])));
	return json_pack("{s:o, s:s, s:i, s:i, s:i, s:s, s:I, s:I, s:i, s:i}",
	    "families", fams, "state", fsm_state_name(c->state ? c->state : FSM_IDLE),
	    "port", c->port, "redirected_to", c->redirected_to,
	    "established", c->established, "notification", c->notification,
	    "updates_received", (json_int_t)(rx ? rx->msgs[BGP_UPDATE] : 0),
	    "keepalives_received", (json_int_t)(rx ? rx->msgs[BGP_KEEPALIVE] : 0),
	    "borr", c->borr, "eorr", c->eorr);
}

static void write_status(struct speaker *sp)
{
	json_t *arr = json_array();
	char tmp[512];

	for (size_t i = 0; i < sp->nconns; i++)
		json_array_append_new(arr, conn_json(&sp->conns[i]));
	json_t *j = json_pack("{s:o, s:I, s:I}", "sessions", arr,
	    "ipv4_routes", (json_int_t)adjrib_count(sp->rib, BGP_AFI_IPV4),
	    "ipv6_routes", (json_int_t)adjrib_count(sp->rib, BGP_AFI_IPV6));
	snprintf(tmp, sizeof tmp, "%s.tmp", sp->status_path);
	if (json_dump_file(j, tmp, JSON_INDENT(1)) == 0)
		rename(tmp, sp->status_path);
	json_decref(j);
}

static void status_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	write_status(arg);
}

static void status_soon(struct speaker *sp)
{
	struct timeval tv = { 0, 100000 };
	if (sp->status_path && !evtimer_pending(sp->status_ev, NULL))
		evtimer_add(sp->status_ev, &tv);
}

/* ---- sessions ---------------------------------------------------------------- */

static void conn_start(struct conn *c);

static void on_state(struct session *s, enum fsm_state from, enum fsm_state to,
    const char *reason, void *arg)
{
	struct conn *c = arg;
	(void)s;
	(void)from;
	(void)reason;
	c->state = to;
	if (from == FSM_ESTABLISHED) {
		const struct session_negotiated *n = session_negotiated(s);
		for (uint8_t i = 0; i < n->family_count; i++) {
			uint16_t afi = n->families[i].afi;
			if (n->families[i].safi != BGP_SAFI_UNICAST || afi > BGP_AFI_IPV6)
				continue;
			adjrib_clear_afi(c->sp->rib, afi, NULL, NULL);
			adjrib_clear_afi(c->sp->stale, afi, NULL, NULL);
			c->refreshing[afi] = false;
		}
	}
	if (to == FSM_ESTABLISHED) {
		c->established++;
		const struct session_negotiated *n = session_negotiated(c->s);
		for (uint8_t i = 0; i < n->family_count; i++)
			send_routes(c, n->families[i]);
	}
	status_soon(c->sp);
}

static bool on_open(struct session *s, const struct bgp_open *o, void *arg)
{
	struct conn *c = arg;
	const struct bgp_cap_multisession *ms = &o->caps.ms_ietf;

	if (!(o->caps.present & BGP_CAPF_MULTISESSION_IETF) || !ms->redirect)
		return true;
	c->redirected_to = ms->redirect_port;
	status_soon(c->sp);
	if (c->sp->ignore_redirect) {
		say(c->sp, "%s: ignoring the redirect to port %u", family_name(c->fams[0]),
		    ms->redirect_port);
		return true;
	}
	say(c->sp, "%s: following the redirect to port %u", family_name(c->fams[0]),
	    ms->redirect_port);
	c->port = ms->redirect_port;
	session_close(s, BGP_ERR_OPEN, 0, NULL);        /* Redirecting Now */
	return false;
}

/* Received routes go into a table (counted in the status). */
struct rx_ctx {
	struct adjrib *rib, *stale;
	struct attrset *set;
};

static void on_withdraw(const struct bgp_prefix *p, void *arg)
{
	adjrib_withdraw(((struct rx_ctx *)arg)->stale, p);
	adjrib_withdraw(((struct rx_ctx *)arg)->rib, p);
}

static void on_announce(const struct bgp_prefix *p, const uint8_t *nh, size_t nh_len,
    void *arg)
{
	struct rx_ctx *x = arg;
	(void)nh;
	(void)nh_len;
	adjrib_withdraw(x->stale, p);
	adjrib_announce(x->rib, p, x->set);
}

static void on_update(struct session *s, const struct bgp_update *u, void *arg)
{
	static const struct update_walk_ops ops = { on_withdraw, on_announce };
	struct conn *c = arg;
	const struct session_negotiated *n = session_negotiated(s);
	struct rx_ctx x = { c->sp->rib, c->sp->stale,
		attrset_intern(c->sp->store, &u->attrs, NULL, 0) };
	struct update_walk_stats st = { 0 };

	update_walk(u, &n->rx, n->families, n->family_count, &ops, &x, &st);
	attrset_put(x.set);
	status_soon(c->sp);
}

static int stale_mark(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	adjrib_announce(arg, p, set);
	return 0;
}

static int stale_drop(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	(void)set;
	adjrib_withdraw(arg, p);
	return 0;
}

static void on_route_refresh(struct session *s, uint16_t afi, uint8_t safi,
    uint8_t subtype, void *arg)
{
	struct conn *c = arg;
	(void)s;

	if (safi != BGP_SAFI_UNICAST || afi < BGP_AFI_IPV4 || afi > BGP_AFI_IPV6)
		return;
	if (subtype == BGP_RR_BORR) {
		c->borr++;
		c->refreshing[afi] = true;
		adjrib_walk(c->sp->rib, afi, stale_mark, c->sp->stale);
	} else if (subtype == BGP_RR_EORR && c->refreshing[afi]) {
		c->eorr++;
		c->refreshing[afi] = false;
		adjrib_clear_afi(c->sp->stale, afi, stale_drop, c->sp->rib);
	}
	status_soon(c->sp);
}

static void send_refresh(struct conn *c, const char *name)
{
	struct bgp_family f;
	uint8_t buf[BGP_HEADER_LEN + 4];
	struct wbuf w = wbuf_make(buf, sizeof buf);

	family_parse(name, &f);
	struct bgp_route_refresh rr = { f.afi, BGP_RR_NORMAL, f.safi };
	session_send(c->s, buf, bgp_route_refresh_encode(&w, &rr));
}

static void on_gone(struct session *s, void *arg)
{
	struct conn *c = arg;
	uint8_t code, sub;
	/* following a redirect: at once; otherwise after a second */
	bool now = c->redirected_to && c->port == c->redirected_to && c->established == 0;
	struct timeval tv = { now ? 0 : 1, 0 };

	if (session_notification_rx(s, &code, &sub))
		snprintf(c->notification, sizeof c->notification, "%u/%u", code, sub);
	c->s = NULL;
	c->state = FSM_IDLE;
	status_soon(c->sp);
	if (!stop_signal && !c->stopped)
		evtimer_add(c->retry_ev, &tv);
}

static const struct session_ops conn_ops = {
	.state_changed = on_state,
	.open_received = on_open,
	.update = on_update,
	.route_refresh = on_route_refresh,
	.gone = on_gone,
};

static void conn_start(struct conn *c)
{
	struct session_params p = c->sp->tmpl;

	memcpy(p.families, c->fams, sizeof c->fams);
	p.family_count = c->nfams;
	p.ms_offer = c->sp->dialect;
	sockaddr_set_port(&p.remote, c->port);
	c->s = session_new(c->sp->base, &p, &conn_ops, c);
	session_start(c->s);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_start(arg);
}

/* ---- control ------------------------------------------------------------------ */

static struct conn *conn_for(struct speaker *sp, const char *name)
{
	struct bgp_family f;

	if (!family_parse(name, &f))
		return NULL;
	for (size_t i = 0; i < sp->nconns; i++)
		for (uint8_t k = 0; k < sp->conns[i].nfams; k++)
			if (sp->conns[i].fams[k].afi == f.afi && sp->conns[i].fams[k].safi == f.safi)
				return &sp->conns[i];
	return NULL;
}

static void control_line(struct speaker *sp, char *line)
{
	char verb[32], fam[32];
	struct conn *c;

	if (sscanf(line, "%31s %31s", verb, fam) != 2 || (c = conn_for(sp, fam)) == NULL) {
		warnx_("control: cannot do \"%s\" (verb FAMILY)", line);
		return;
	}
	if (strcmp(verb, "start") == 0) {
		c->stopped = false;
		if (c->s == NULL)
			conn_start(c);
		return;
	}
	if (c->s == NULL) {
		warnx_("control: \"%s\": that family has no session now", line);
		return;
	}
	if (strcmp(verb, "stop") == 0) {
		c->stopped = true;
		session_close(c->s, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL);
	} else if (strcmp(verb, "reset") == 0)
		session_close(c->s, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET, NULL);
	else if (strcmp(verb, "malformed") == 0)
		send_malformed(c);
	else if (strcmp(verb, "refresh") == 0)
		send_refresh(c, fam);
	else
		warnx_("control: unknown verb \"%s\"", verb);
}

static void control_cb(evutil_socket_t fd, short what, void *arg)
{
	static char buf[512];
	static size_t len;
	(void)what;

	ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
	if (n <= 0)
		return;
	len += (size_t)n;
	buf[len] = '\0';
	char *nl;
	while ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		control_line(arg, buf);
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len + 1);
	}
	if (len == sizeof buf - 1)
		len = 0;
}

/* libevent's own signal events: a plain handler would not end epoll_wait. */
static void stop_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	stop_signal = (int)sig;
	event_base_loopbreak(arg);
}

/* ---- main ------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " --local ADDR --remote ADDR [--port N] --asn N "
	    "--peer-as N --id A.B.C.D\n"
	    "       [--dialect cisco|ietf|none] --family NAME[=ROUTES]... "
	    "[--ignore-redirect] [--hold N]\n"
	    "       [--status FILE] [--control FIFO] [--quiet]\n");
	exit(2);
}

static void add_family(struct speaker *sp, const char *arg, unsigned long port)
{
	char name[32];
	unsigned long routes = 0;
	const char *eq = strchr(arg, '=');
	struct bgp_family f;

	snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
	if (!family_parse(name, &f) || (eq && !parse_ulong(eq + 1, 4096, &routes)) ||
	    sp->nconns == MAX_CONNS)
		usage();
	struct conn *c = &sp->conns[sp->nconns++];
	c->sp = sp;
	c->fams[0] = f;
	c->nfams = 1;
	c->routes = (unsigned)routes;
	c->port = (uint16_t)port;
}

/* Without multisession: one session carrying every family. */
static void merge_conns(struct speaker *sp)
{
	for (size_t i = 1; i < sp->nconns; i++)
		sp->conns[0].fams[sp->conns[0].nfams++] = sp->conns[i].fams[0];
	if (sp->nconns > 1)
		warnx_("--dialect none: the route counts of later families are ignored");
	sp->nconns = sp->nconns ? 1 : 0;
}

/* What the command line says, before it becomes sessions. */
struct args {
	const char *local, *remote, *control, *fams[MAX_CONNS];
	unsigned long port, asn, peer_as, hold;
	size_t nfams;
	struct in_addr id;
};

static void parse_args(int argc, char **argv, struct speaker *sp, struct args *a)
{
	static const struct option opts[] = {
		{ "local", 1, 0, 'l' }, { "remote", 1, 0, 'r' }, { "port", 1, 0, 'p' },
		{ "asn", 1, 0, 'a' }, { "peer-as", 1, 0, 'P' }, { "id", 1, 0, 'i' },
		{ "dialect", 1, 0, 'd' }, { "family", 1, 0, 'f' },
		{ "ignore-redirect", 0, 0, 'I' }, { "hold", 1, 0, 'h' },
		{ "status", 1, 0, 's' }, { "control", 1, 0, 'c' }, { "quiet", 0, 0, 'q' },
		{ 0, 0, 0, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'l': a->local = optarg; break;
		case 'r': a->remote = optarg; break;
		case 'p': if (!parse_ulong(optarg, 65535, &a->port)) usage(); break;
		case 'a': if (!parse_ulong(optarg, UINT32_MAX, &a->asn)) usage(); break;
		case 'P': if (!parse_ulong(optarg, UINT32_MAX, &a->peer_as)) usage(); break;
		case 'i': if (inet_pton(AF_INET, optarg, &a->id) != 1) usage(); break;
		case 'd':
			sp->dialect = strcmp(optarg, "ietf") == 0 ? MS_DIALECT_IETF :
			    strcmp(optarg, "none") == 0 ? MS_DIALECT_NONE : MS_DIALECT_CISCO;
			break;
		case 'f': if (a->nfams == MAX_CONNS) usage(); a->fams[a->nfams++] = optarg; break;
		case 'I': sp->ignore_redirect = true; break;
		case 'h': if (!parse_ulong(optarg, 65535, &a->hold)) usage(); break;
		case 's': sp->status_path = optarg; break;
		case 'c': a->control = optarg; break;
		case 'q': sp->quiet = true; break;
		default: usage();
		}
	}
	if (!a->local || !a->remote || !a->asn || !a->peer_as || !a->id.s_addr || a->nfams == 0)
		usage();
}

/* The session template and one connection per family (or one for all). */
static void speaker_setup(struct speaker *sp, const struct args *a)
{
	struct session_params *t = &sp->tmpl;

	snprintf(sp->label, sizeof sp->label, "ms_speaker %s", a->local);
	t->label = sp->label;
	t->local_as = (uint32_t)a->asn;
	t->local_id = ntohl(a->id.s_addr);
	t->remote_as = (uint32_t)a->peer_as;
	t->hold_time = (uint16_t)a->hold;
	t->connect_retry = 1;
	if (!sockaddr_parse(a->local, 0, &t->local) ||
	    !sockaddr_parse(a->remote, (uint16_t)a->port, &t->remote))
		usage();
	t->has_local = true;
	for (size_t i = 0; i < a->nfams; i++)
		add_family(sp, a->fams[i], a->port);
	if (sp->dialect == MS_DIALECT_NONE)
		merge_conns(sp);
}

static void control_open(struct speaker *sp, const char *control)
{
	sp->control_fd = open(control, O_RDWR | O_NONBLOCK);
	if (sp->control_fd < 0)
		fatal("%s: %s", control, strerror(errno));
	sp->control_ev = event_new(sp->base, sp->control_fd, EV_READ | EV_PERSIST,
	    control_cb, sp);
	event_add(sp->control_ev, NULL);
}

int main(int argc, char **argv)
{
	static struct speaker sp;
	struct args a = { .port = BGP_PORT, .hold = 90 };

	tool_init(PROG);
	sp.dialect = MS_DIALECT_CISCO;
	parse_args(argc, argv, &sp, &a);
	log_init(PROG, false);
	log_set_level(sp.quiet ? LOG_LVL_WARN : LOG_LVL_INFO);
	signals_init();
	speaker_setup(&sp, &a);

	sp.base = event_base_new();
	sp.store = attrstore_new();
	sp.rib = adjrib_new(sp.store);
	sp.stale = adjrib_new(sp.store);
	sp.status_ev = evtimer_new(sp.base, status_cb, &sp);
	if (a.control)
		control_open(&sp, a.control);
	for (size_t i = 0; i < sp.nconns; i++) {
		sp.conns[i].retry_ev = evtimer_new(sp.base, retry_cb, &sp.conns[i]);
		conn_start(&sp.conns[i]);
	}
	struct event *term = evsignal_new(sp.base, SIGTERM, stop_cb, sp.base);
	struct event *intr = evsignal_new(sp.base, SIGINT, stop_cb, sp.base);
	event_add(term, NULL);
	event_add(intr, NULL);
	status_soon(&sp);
	event_base_dispatch(sp.base);
	for (size_t i = 0; i < sp.nconns; i++)
		if (sp.conns[i].s)
			session_close(sp.conns[i].s, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL);
	struct timeval tv = { 0, 300000 };
	event_base_loopexit(sp.base, &tv);
	event_base_dispatch(sp.base);
	if (sp.status_path)
		write_status(&sp);
	return 0;
}
