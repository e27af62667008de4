/*
 * test_instance.c — an instance in-process, with real TCP sessions on
 * loopback (127.0.85.0/24) to fake clients: small BGP speakers written
 * with the project's codec, each in a thread, each keeping the table it
 * receives in an Adj-RIB-In.
 *
 *   join_with_live_changes  four clients (ADD-PATH, 2-octet AS, plain,
 *                           and a second ADD-PATH one sharing its class)
 *                           join a view of 30,000 paths while it changes
 *                           at every loop pass; then every table equals
 *                           the view (ADD-PATH: every path; others: the
 *                           lowest path id per prefix), nothing was sent
 *                           twice, and a session down empties them all
 *   unknown_client_rejected NOTIFICATION Cease/Connection Rejected
 *   stalled_client_dropped  a client that stops reading: Cease/Out of
 *                           Resources by the stall rule, the other goes on
 *   queue_limit_drop        … by the queue limit
 *   busy_loop_is_not_a_stall bytes that wait for a busy loop, not for the
 *                           client, do not count as the client's stall
 *   slow_joiner_split       two clients join in one shared walk; one stops
 *                           reading: the other still gets the whole view
 *   client_updates_isolated a client's UPDATE is ignored (counted); a
 *                           malformed one resets that client alone
 *   route_refresh_rewalks   ROUTE-REFRESH: the table again, from the view
 *   enhanced_refresh_demarcated  with enhanced route refresh: BoRR, the
 *                           table, EoRR per family; a client that drops
 *                           what EoRR finds stale still holds the view
 *   refresh_restarted_after_handover  a client's session handed over (an
 *                           upgrade in place) in the middle of an enhanced
 *                           refresh: the new instance sends BoRR again,
 *                           the whole view, EoRR; the client holds the view
 *   lowest_path_rule        without ADD-PATH: the lowest path id, the
 *                           next one when it goes, a withdrawal at the end
 *   client_routes_walked    client_to_client through a gateway: another
 *                           client's route (next hop the instance) in a
 *                           joining client's table before End-of-RIB, never
 *                           back to its owner, kept through an enhanced
 *                           route refresh, gone from all when withdrawn
 */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "instances/client.h"
#include "instances/gateway.h"
#include "instances/instance.h"
#include "muxd/engine/session_handover.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "muxd/lib/log.h"
#include "web/instance_json.h"
#include "web/route_json.h"
#include "web/session_json.h"
#include "muxd/bgp/update_walk.h"
#include "views/view.h"
#include "tests/unit/check_run.h"

#define BIT(t) BGP_ATTR_BIT(t)
#define INST_ADDR "127.0.85.1"
/* The instance's port: per process, so that two checkouts running this
 * test at once (developers, CI jobs) do not take each other's port. */
static uint16_t inst_port;
#define INST_PORT inst_port
#define MARKER "198.18.0.0/15"

static struct event_base *base;
static struct view *view;
static struct instance *inst;
static void view_gone(struct view *v, void *arg);
static void inst_gone(struct instance *i, void *arg);
static const struct view_ops view_ops = { .gone = view_gone };
static const struct instance_ops inst_ops = { .gone = inst_gone };
static struct event *tick;
static struct session_negotiated neg;

/* AS_SEQUENCE 65010 4200000000: a 2-octet client needs AS4_PATH */
static const uint8_t path[] = { BGP_AS_SEQUENCE, 2, 0, 0, 0xfd, 0xf2, 0xfa, 0x56, 0xea, 0x00 };
static const uint8_t nh4[] = { 192, 0, 2, 1 };
static const uint8_t nh6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* ---- the loop ------------------------------------------------------------ */

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pump(void)
{
	event_base_loop(base, EVLOOP_ONCE);
}

static bool pump_until(bool (*cond)(void *), void *arg, double secs)
{
	double end = now_s() + secs;
	while (!cond(arg)) {
		if (now_s() > end)
			return false;
		pump();
	}
	return true;
}

/* ---- the view, fed by hand ------------------------------------------------- */

static void setup(void)
{
	struct neighbor_config nc;
	struct peer_local local = { 65000, 0xc0000201, NULL, NULL, NULL };
	struct timeval ms = { 0, 2000 };

	log_set_level(LOG_LVL_WARN);
	signal(SIGPIPE, SIG_IGN);       /* as muxd does: a client may vanish */
	base = event_base_new();
	tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	evtimer_add(tick, &ms);
	memset(&nc, 0, sizeof nc);
	nc.name = "isp-t";
	ck_assert(sockaddr_parse("127.0.85.200", 179, &nc.remote));
	nc.remote_as = 65010;
	nc.hold_time = 90;
	nc.connect_retry = 30;
	nc.families[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	nc.families[1] = (struct bgp_family){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
	nc.family_count = 2;
	view = view_new(base, &nc, &local, VIEW_UPSTREAM, &view_ops, NULL);
	memset(&neg, 0, sizeof neg);
	memcpy(neg.families, nc.families, sizeof neg.families);
	neg.family_count = 2;
	neg.as4 = neg.rx.as4 = true;
	neg.rx.ebgp = true;
	neg.rx.max_len = BGP_EXT_MAX_LEN;
	neg.rx.addpath[AID_IPV4_UNICAST] = neg.rx.addpath[AID_IPV6_UNICAST] = true;
	inst = NULL;
}

/* client_to_client: the gateway, its configuration and state directory */
static struct gateway *gw;
static struct config *gw_cfg;
static char gw_dir[64];

static size_t split_queue;      /* 0: the default */

static void make_instance(size_t queue_limit, unsigned stall_secs, const char *clients_json)
{
	struct instance_params p = {
		.name = "isp-t", .families = neg.families, .family_count = 2,
		.router_id = 0xc0000201, .queue_limit = queue_limit, .stall_secs = stall_secs,
		.walk_split_queue = split_queue,
	};
	char why[200], cfg_text[4096];
	struct jsonv errs = { 0 };

	ck_assert(sockaddr_parse(INST_ADDR, INST_PORT, &p.cfg.addr));
	p.cfg.local_as = 65000;
	inst = instance_new(base, &p, view_feed(view), &inst_ops, NULL, why, sizeof why);
	ck_assert_msg(inst != NULL, "%s", why);
	snprintf(cfg_text, sizeof cfg_text, "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", "
	    "\"upstreams\": [{\"name\": \"isp-t\", \"peer\": {\"address\": \"127.0.85.200\", "
	    "\"asn\": 65010}, \"instance\": {\"address\": \"" INST_ADDR "\", \"port\": %d}}], "
	    "\"clients\": [%s]}", INST_PORT, clients_json);
	struct config *cfg = config_load_string(cfg_text, &errs);
	ck_assert_msg(cfg != NULL, "%s", errs.count ? errs.lines[0] : "?");
	instance_sync_clients(inst, cfg);
	config_free(cfg);
}

/* An instance with client_to_client; its clients' routes go through a
 * gateway of its own, with its state in a temporary directory. */
static void make_c2c_instance(const char *clients_json)
{
	struct instance_params p = {
		.name = "isp-t", .families = neg.families, .family_count = 2,
		.router_id = 0xc0000201,
	};
	char why[200], cfg_text[4096];
	struct jsonv errs = { 0 };

	snprintf(gw_dir, sizeof gw_dir, "/tmp/test_instance.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(gw_dir));
	snprintf(cfg_text, sizeof cfg_text, "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", "
	    "\"state_dir\": \"%s\", \"upstreams\": [{\"name\": \"isp-t\", \"id\": 1, "
	    "\"peer\": {\"address\": \"127.0.85.200\", \"asn\": 65010}, \"instance\": "
	    "{\"address\": \"" INST_ADDR "\", \"port\": %d, \"client_to_client\": true}}], "
	    "\"clients\": [%s]}", gw_dir, INST_PORT, clients_json);
	gw_cfg = config_load_string(cfg_text, &errs);
	ck_assert_msg(gw_cfg != NULL, "%s", errs.count ? errs.lines[0] : "?");
	gw = gateway_new(base, gw_cfg);
	p.cfg = gw_cfg->upstreams[0].instance;
	p.gw = gw;
	inst = instance_new(base, &p, view_feed(view), &inst_ops, NULL, why, sizeof why);
	ck_assert_msg(inst != NULL, "%s", why);
	instance_sync_clients(inst, gw_cfg);
}

static bool inst_gone_flag;
static void inst_gone(struct instance *i, void *arg)
{
	(void)i;
	(void)arg;
	ck_assert_msg(!inst_gone_flag, "gone twice");
	inst_gone_flag = true;
}

static bool view_gone_flag;
static void view_gone(struct view *v, void *arg)
{
	(void)v;
	(void)arg;
	ck_assert_msg(!view_gone_flag, "gone twice");
	view_gone_flag = true;
}

static bool flag_set(void *arg) { return *(bool *)arg; }

static void gateway_teardown(void)
{
	char cmd[128];

	gateway_free(gw);
	gw = NULL;
	config_free(gw_cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", gw_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void teardown(void)
{
	inst_gone_flag = view_gone_flag = false;
	if (inst) {
		/* lifecycle.h: gone never inside the call, which a second
		 * call does not repeat, and once from the loop */
		instance_shutdown(inst, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
		instance_shutdown(inst, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET);
		ck_assert(!inst_gone_flag);
		ck_assert(pump_until(flag_set, &inst_gone_flag, 10));
	}
	if (gw)
		gateway_teardown();
	view_shutdown(view, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	ck_assert(!view_gone_flag);
	ck_assert(pump_until(flag_set, &view_gone_flag, 10));
	event_free(tick);
	event_base_free(base);
}

/* One UPDATE into the view: routes of one family, announced with attributes
 * derived from med (or withdrawn for med < 0). */
static void update(uint16_t afi, const struct bgp_prefix *ps, size_t n, long med)
{
	static uint8_t msg[BGP_EXT_MAX_LEN], attrs[2048], scratch[4 * BGP_EXT_MAX_LEN];
	struct wbuf w = wbuf_make(msg, sizeof msg), aw = wbuf_make(attrs, sizeof attrs);
	uint8_t comms[4 * 32];
	struct bgp_attrs a;
	struct bgp_packer pk;
	struct bgp_update u;
	struct bgp_err e;

	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_MED) |
	    BIT(BGP_ATTR_COMMUNITIES);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	a.med = (uint32_t)med;
	/* (med % 32 + 1) communities: attribute sets of varied sizes */
	size_t nc = (size_t)(med % 32) + 1;
	for (size_t i = 0; i < nc; i++) {
		comms[4 * i] = 0xfd;
		comms[4 * i + 1] = 0xf2;
		comms[4 * i + 2] = (uint8_t)(med >> 8);
		comms[4 * i + 3] = (uint8_t)(med + i);
	}
	a.communities = (struct bgp_bytes){ comms, (uint16_t)(4 * nc) };
	if (afi == BGP_AFI_IPV4) {
		a.present |= BIT(BGP_ATTR_NEXT_HOP);
		memcpy(a.next_hop, nh4, 4);
	}
	bgp_attrs_encode(&aw, &a, &neg.rx);
	struct bgp_pack_spec spec = {
		.afi = afi, .safi = BGP_SAFI_UNICAST, .addpath = true,
		.withdraw = med < 0, .attrs = med < 0 ? NULL : attrs,
		.attrs_len = med < 0 ? 0 : aw.len, .next_hop = nh6,
		.next_hop_len = afi == BGP_AFI_IPV6 ? 16 : 0, .max_len = BGP_EXT_MAX_LEN,
	};
	ck_assert(bgp_packer_begin(&pk, &w, &spec));
	for (size_t i = 0; i < n; i++)
		ck_assert(bgp_packer_add(&pk, &ps[i]));
	size_t len = bgp_packer_finish(&pk);
	ck_assert(bgp_update_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &neg.rx,
	    scratch, sizeof scratch, &u, &e));
	view_apply_update(view, &u, &neg);
}

static uint32_t rnd_state;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Prefix i of the test's space: 24,000 IPv4 /24s, 6,000 IPv6 /48s. */
#define SPACE 30000
static struct bgp_prefix space(uint32_t i, uint32_t path_id)
{
	struct bgp_prefix p;
	memset(&p, 0, sizeof p);
	p.path_id = path_id;
	if (i < 24000) {
		p.afi = BGP_AFI_IPV4;
		p.len = 24;
		p.addr[0] = 10;
		p.addr[1] = (uint8_t)(i >> 8);
		p.addr[2] = (uint8_t)i;
	} else {
		i -= 24000;
		p.afi = BGP_AFI_IPV6;
		p.len = 48;
		p.addr[0] = 0x20;
		p.addr[1] = 0x01;
		p.addr[2] = 0x0d;
		p.addr[3] = 0xb8;
		p.addr[4] = (uint8_t)(i >> 8);
		p.addr[5] = (uint8_t)i;
	}
	return p;
}

/* Every prefix of the space with path 1, every third also path 2 and 3. */
static void preload(void)
{
	struct bgp_prefix batch[400];
	size_t n = 0;

	for (uint32_t id = 1; id <= 3; id++) {
		for (uint16_t afi = 1; afi <= 2; afi++) {
			for (uint32_t i = 0; i < SPACE; i++) {
				struct bgp_prefix p = space(i, id);
				if (p.afi != afi || (id > 1 && i % 3 != 0))
					continue;
				batch[n++] = p;
				if (n == 400) {
					update(afi, batch, n, (long)(i % 64));
					n = 0;
				}
			}
			if (n)
				update(afi, batch, n, 7);
			n = 0;
		}
	}
}

/* n more IPv4 host routes in 11.0.0.0/8, for a table larger than what
 * the kernel's socket buffers hold. */
static void preload_hosts(uint32_t n)
{
	struct bgp_prefix batch[1000];
	size_t k = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct bgp_prefix *p = &batch[k++];
		memset(p, 0, sizeof *p);
		p->afi = BGP_AFI_IPV4;
		p->len = 32;
		p->addr[0] = 11;
		p->addr[1] = (uint8_t)(i >> 16);
		p->addr[2] = (uint8_t)(i >> 8);
		p->addr[3] = (uint8_t)i;
		if (k == 1000 || i + 1 == n) {
			update(BGP_AFI_IPV4, batch, k, (long)(i % 61));
			k = 0;
		}
	}
}

static void random_change(void)
{
	struct bgp_prefix p = space(rnd(SPACE), rnd(4));
	update(p.afi, &p, 1, rnd(3) == 0 ? -1 : (long)rnd(64));
}

static long marker_med;
static void marker(void)
{
	struct bgp_prefix p;
	ck_assert(bgp_prefix_parse(MARKER, &p));
	update(BGP_AFI_IPV4, &p, 1, ++marker_med);
}

/* ---- fake clients ------------------------------------------------------------ */

struct fake {
	char addr[32];
	uint32_t asn;
	bool as4, addpath;
	bool enhanced_rr;               /* offers enhanced route refresh */
	bool stop_reading;              /* after Established */
	int rcvbuf;
	int fd;
	pthread_t th;
	atomic_int state;               /* 0 connecting, 1 Established, 2 closed */
	atomic_int eors;
	atomic_size_t routes_at_eor;    /* routes held at the first End-of-RIB */
	atomic_long marker;
	atomic_bool quit;
	atomic_uint updates;
	uint8_t notif_code, notif_subcode;
	struct attrstore *store;
	struct adjrib *rib;
	unsigned redundant;             /* an announcement of what it had, … */
	/* RFC 7313 as a receiver does it: BoRR marks the family's routes
	 * stale (a copy in stale), an UPDATE for a route clears it, EoRR
	 * removes what is still stale. */
	struct adjrib *stale;
	atomic_uint borr[3], eorr[3];   /* per AFI */
	atomic_uint refresh_updates;    /* UPDATEs between BoRR and EoRR */
	atomic_uint rr_other;           /* ROUTE-REFRESH of another kind */
	unsigned purged;                /* routes EoRR removed */
	bool refreshing[3];
};

static void fake_write(struct fake *f, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(f->fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void fake_open(struct fake *f)
{
	uint8_t buf[BGP_MAX_LEN];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_open o;
	struct in_addr in;

	memset(&o, 0, sizeof o);
	o.version = 4;
	o.my_as = f->asn > 65535 ? BGP_AS_TRANS : (uint16_t)f->asn;
	o.hold_time = 0;
	inet_pton(AF_INET, f->addr, &in);
	o.bgp_id = ntohl(in.s_addr);
	o.caps.present = BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH |
	    (f->enhanced_rr ? BGP_CAPF_ENHANCED_RR : 0);
	o.caps.mp[0] = (struct bgp_family){ 1, 1 };
	o.caps.mp[1] = (struct bgp_family){ 2, 1 };
	o.caps.mp_count = 2;
	if (f->as4) {
		o.caps.present |= BGP_CAPF_AS4;
		o.caps.as4 = f->asn;
	}
	if (f->addpath) {
		o.caps.present |= BGP_CAPF_ADD_PATH;
		o.caps.addpath[0] = (struct bgp_addpath_family){ { 1, 1 }, BGP_ADDPATH_RECEIVE };
		o.caps.addpath[1] = (struct bgp_addpath_family){ { 2, 1 }, BGP_ADDPATH_RECEIVE };
		o.caps.addpath_count = 2;
	}
	fake_write(f, buf, bgp_open_encode(&w, &o));
}

struct fake_walk {
	struct fake *f;
	const struct bgp_update *u;
	struct attrset *set;
	struct bgp_codec_ctx ctx;
};

static void fake_withdraw(const struct bgp_prefix *p, void *arg)
{
	struct fake_walk *fw = arg;
	adjrib_withdraw(fw->f->stale, p);
	if (!adjrib_withdraw(fw->f->rib, p))
		fw->f->redundant++;
}

static void fake_announce(const struct bgp_prefix *p, const uint8_t *nh, size_t nh_len,
    void *arg)
{
	struct fake_walk *fw = arg;
	struct bgp_prefix m;

	if (fw->set == NULL)
		fw->set = attrset_intern(fw->f->store, &fw->u->attrs, nh, nh_len);
	if (adjrib_get(fw->f->rib, p) == fw->set)
		fw->f->redundant++;
	adjrib_withdraw(fw->f->stale, p);
	adjrib_announce(fw->f->rib, p, fw->set);
	bgp_prefix_parse(MARKER, &m);
	if (bgp_prefix_cmp(p, &m) == 0)
		atomic_store(&fw->f->marker, (long)fw->u->attrs.med);
}

static void fake_update(struct fake *f, const uint8_t *body, size_t len)
{
	static _Thread_local uint8_t scratch[4 * BGP_MAX_LEN + 64];
	static const struct update_walk_ops ops = { fake_withdraw, fake_announce };
	struct bgp_family fams[] = { { 1, 1 }, { 2, 1 } };
	struct fake_walk fw = { .f = f };
	struct bgp_update u;
	struct bgp_err e;
	struct update_walk_stats st = { 0 };

	fw.ctx = (struct bgp_codec_ctx){ .as4 = f->as4, .ebgp = true,
		.addpath = { f->addpath, f->addpath }, .max_len = BGP_MAX_LEN };
	if (!bgp_update_decode(body, len, &fw.ctx, scratch, sizeof scratch, &u, &e) ||
	    e.tier != BGP_TIER_OK) {
		f->redundant += 1000;   /* never: what muxd sends decodes cleanly */
		return;
	}
	atomic_fetch_add(&f->updates, 1);
	if (f->refreshing[1] || f->refreshing[2])
		atomic_fetch_add(&f->refresh_updates, 1);
	if (u.end_of_rib) {
		if (atomic_load(&f->eors) == 0)
			atomic_store(&f->routes_at_eor, adjrib_count(f->rib, 0));
		atomic_fetch_add(&f->eors, 1);
		return;
	}
	fw.u = &u;
	update_walk(&u, &fw.ctx, fams, 2, &ops, &fw, &st);
	attrset_put(fw.set);
}

static int stale_mark(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	adjrib_announce(arg, p, set);
	return 0;
}

static int stale_purge(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct fake *f = arg;
	(void)set;
	f->purged += adjrib_withdraw(f->rib, p);
	return 0;
}

static void fake_route_refresh(struct fake *f, const uint8_t *body, size_t len)
{
	struct bgp_route_refresh rr;
	struct bgp_err e;

	if (!bgp_route_refresh_decode(body, len, &rr, &e) || rr.afi < 1 || rr.afi > 2 ||
	    rr.subtype == BGP_RR_NORMAL) {
		atomic_fetch_add(&f->rr_other, 1);
		return;
	}
	if (rr.subtype == BGP_RR_BORR) {
		atomic_fetch_add(&f->borr[rr.afi], 1);
		adjrib_walk(f->rib, rr.afi, stale_mark, f->stale);
		f->refreshing[rr.afi] = true;
	} else if (f->refreshing[rr.afi]) {
		adjrib_clear_afi(f->stale, rr.afi, stale_purge, f);
		f->refreshing[rr.afi] = false;
		atomic_fetch_add(&f->eorr[rr.afi], 1);
	} else {
		atomic_fetch_add(&f->rr_other, 1);      /* EoRR without BoRR */
	}
}

static void fake_message(struct fake *f, const uint8_t *msg, const struct bgp_header *h)
{
	uint8_t ka[BGP_HEADER_LEN];
	struct wbuf w = wbuf_make(ka, sizeof ka);

	switch (h->type) {
	case BGP_OPEN:
		fake_write(f, ka, bgp_keepalive_encode(&w));
		break;
	case BGP_KEEPALIVE:
		atomic_store(&f->state, 1);
		break;
	case BGP_UPDATE:
		fake_update(f, msg + BGP_HEADER_LEN, h->len - BGP_HEADER_LEN);
		break;
	case BGP_ROUTE_REFRESH:
		fake_route_refresh(f, msg + BGP_HEADER_LEN, h->len - BGP_HEADER_LEN);
		break;
	case BGP_NOTIFICATION:
		f->notif_code = msg[BGP_HEADER_LEN];
		f->notif_subcode = msg[BGP_HEADER_LEN + 1];
		break;
	}
}

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	static _Thread_local uint8_t buf[1 << 20];
	size_t have = 0;
	struct sockaddr_mux src, dst;

	f->store = attrstore_new();
	f->rib = adjrib_new(f->store);
	f->stale = adjrib_new(f->store);
	if (f->rcvbuf)
		setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &f->rcvbuf, sizeof f->rcvbuf);
	sockaddr_parse(f->addr, 0, &src);
	sockaddr_parse(INST_ADDR, INST_PORT, &dst);
	if (bind(f->fd, &src.u.sa, src.len) < 0 || connect(f->fd, &dst.u.sa, dst.len) < 0)
		goto out;
	fake_open(f);
	while (!atomic_load(&f->quit)) {
		if (f->stop_reading && atomic_load(&f->state) == 1) {
			usleep(10000);
			continue;
		}
		ssize_t n = recv(f->fd, buf + have, sizeof buf - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		size_t off = 0;
		for (;;) {
			struct bgp_header h;
			struct bgp_err e;
			int r = bgp_header_decode(buf + off, have - off, BGP_MAX_LEN, &h, &e);
			if (r <= 0)
				break;
			fake_message(f, buf + off, &h);
			off += (size_t)r;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
out:
	atomic_store(&f->state, 2);
	return NULL;
}

static void fake_start(struct fake *f, const char *addr, uint32_t asn, bool as4, bool addpath)
{
	memset(f, 0, sizeof *f);
	snprintf(f->addr, sizeof f->addr, "%s", addr);
	f->asn = asn;
	f->as4 = as4;
	f->addpath = addpath;
	atomic_store(&f->marker, -1);
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(f->fd, 0);
}

static void fake_go(struct fake *f)
{
	ck_assert_int_eq(pthread_create(&f->th, NULL, fake_run, f), 0);
}

static void fake_stop(struct fake *f)
{
	atomic_store(&f->quit, true);
	shutdown(f->fd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	close(f->fd);
}

static void fake_free(struct fake *f)
{
	adjrib_free(f->stale);
	adjrib_free(f->rib);
	attrstore_free(f->store);
}

struct fakes {
	struct fake **v;
	size_t n;
	int want_eors;
	long want_marker;
};

static bool all_joined(void *arg)
{
	struct fakes *fs = arg;
	for (size_t i = 0; i < fs->n; i++)
		if (atomic_load(&fs->v[i]->eors) < fs->want_eors)
			return false;
	return true;
}

static bool all_marked(void *arg)
{
	struct fakes *fs = arg;
	for (size_t i = 0; i < fs->n; i++)
		if (atomic_load(&fs->v[i]->marker) != fs->want_marker)
			return false;
	return true;
}

/* Announce a new marker last and wait until every fake has it: then it
 * has everything sent before. */
static void sync_fakes(struct fake **v, size_t n)
{
	struct fakes fs = { v, n, 0, 0 };
	marker();
	fs.want_marker = marker_med;
	ck_assert_msg(pump_until(all_marked, &fs, 30), "a client never got the marker");
}

/* What a client must hold: ADD-PATH every path of the view; otherwise the
 * lowest path id of each prefix, without an id. */
struct expect_ctx {
	json_t *out;
	bool addpath;
	struct bgp_prefix last;
	bool has_last;
};

static int expect_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct expect_ctx *x = arg;
	struct bgp_prefix q = *p;

	if (!x->addpath) {
		if (x->has_last && x->last.afi == p->afi && x->last.len == p->len &&
		    memcmp(x->last.addr, p->addr, 16) == 0)
			return 0;
		x->last = *p;
		x->has_last = true;
		q.path_id = 0;
	}
	json_array_append_new(x->out, route_to_json(&q, set));
	return 0;
}

static void check_table(struct fake *f)
{
	struct expect_ctx x = { .out = json_array(), .addpath = f->addpath };
	struct feed_cursor c;

	feed_cursor_init(&c, 0);
	feed_cursor_next(view_feed(view), &c, SIZE_MAX, expect_cb, &x);
	json_t *got = adjrib_to_json(f->rib, 0);
	if (!json_equal(got, x.out)) {
		size_t i;
		for (i = 0; i < json_array_size(got) && i < json_array_size(x.out); i++)
			if (!json_equal(json_array_get(got, i), json_array_get(x.out, i)))
				break;
		char *a = json_dumps(json_array_get(got, i), JSON_COMPACT);
		char *b = json_dumps(json_array_get(x.out, i), JSON_COMPACT);
		ck_abort_msg("client %s: %zu routes, want %zu; first difference at %zu: "
		    "got %s want %s", f->addr, json_array_size(got), json_array_size(x.out),
		    i, a ? a : "-", b ? b : "-");
	}
	json_decref(got);
	json_decref(x.out);
}

/* ---- tests -------------------------------------------------------------------------- */

static bool fake_closed(void *arg) { return atomic_load(&((struct fake *)arg)->state) == 2; }

static const char *four_clients =
	"{\"name\": \"ap\", \"address\": \"127.0.85.11\", \"asn\": 65101, \"upstreams\": [\"isp-t\"]},"
	"{\"name\": \"as2\", \"address\": \"127.0.85.12\", \"asn\": 65102, \"upstreams\": [\"isp-t\"]},"
	"{\"name\": \"plain\", \"address\": \"127.0.85.13\", \"asn\": 65103, \"upstreams\": [\"isp-t\"]},"
	"{\"name\": \"ap2\", \"address\": \"127.0.85.14\", \"asn\": 65104, \"upstreams\": [\"isp-t\"]}";

START_TEST(join_with_live_changes)
{
	struct fake a, b, c, d;
	struct fake *all[] = { &a, &b, &c, &d };
	struct fakes fs = { all, 4, 2, 0 };

	rnd_state = 4242;
	preload();
	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&b, "127.0.85.12", 65102, false, false);
	fake_start(&c, "127.0.85.13", 65103, true, false);
	fake_start(&d, "127.0.85.14", 65104, true, true);
	for (size_t i = 0; i < 4; i++)
		fake_go(all[i]);
	double end = now_s() + 60;
	unsigned passes = 0;
	while (!all_joined(&fs)) {
		ck_assert_msg(now_s() < end, "the clients did not all get End-of-RIB");
		pump();
		for (int k = 0; k < 20; k++)
			random_change();
		passes++;
	}
	for (int k = 0; k < 500; k++)
		random_change();
	sync_fakes(all, 4);
	ck_assert_uint_gt(passes, 5);
	for (size_t i = 0; i < 4; i++) {
		check_table(all[i]);
		ck_assert_int_eq(atomic_load(&all[i]->eors), 2);
		ck_assert_int_eq(atomic_load(&all[i]->state), 1);
	}
	/* ADD-PATH clients hold the exact per-route stream: no duplicate */
	ck_assert_uint_eq(a.redundant, 0);
	ck_assert_uint_eq(d.redundant, 0);

	/* a and d share the IPv4 and IPv6 ADD-PATH classes */
	json_t *j = instance_to_json(inst);
	size_t shared = 0, i;
	json_t *cl;
	json_array_foreach(json_object_get(j, "classes"), i, cl)
		if (json_is_true(json_object_get(cl, "add_path")))
			shared += json_integer_value(json_object_get(cl, "clients")) == 2;
	ck_assert_uint_eq(shared, 2);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "classes")), 6);
	json_decref(j);

	/* the upstream goes away: every client is emptied */
	view_session_down(view, "test");
	sync_fakes(all, 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_uint_eq(adjrib_count(all[i]->rib, 0), 1);    /* the marker */
		check_table(all[i]);
	}
	for (size_t i = 0; i < 4; i++) {
		fake_stop(all[i]);
		fake_free(all[i]);
	}
}
END_TEST

START_TEST(unknown_client_rejected)
{
	struct fake x;

	make_instance(0, 0, four_clients);
	fake_start(&x, "127.0.85.99", 65199, true, false);
	fake_go(&x);
	ck_assert(pump_until(fake_closed, &x, 10));
	pthread_join(x.th, NULL);
	close(x.fd);
	ck_assert_uint_eq(x.notif_code, BGP_ERR_CEASE);
	ck_assert_uint_eq(x.notif_subcode, BGP_CEASE_CONNECTION_REJECTED);
	json_t *j = instance_to_json(inst);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "rejected")), 1);
	json_decref(j);
	fake_free(&x);
}
END_TEST

static bool fake_established(void *arg) { return atomic_load(&((struct fake *)arg)->state) == 1; }

static bool dropped_one(void *arg)
{
	(void)arg;
	return instance_stats(inst)->dropped == 1;
}

static void slow_case(size_t limit, unsigned stall, bool full_view)
{
	struct fake a, s;
	struct fake *live[] = { &a };

	rnd_state = 77;
	if (full_view)
		preload();
	make_instance(limit, stall, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&s, "127.0.85.13", 65103, true, false);
	s.stop_reading = true;
	s.rcvbuf = 4096;
	fake_go(&a);
	fake_go(&s);
	ck_assert(pump_until(fake_established, &s, 10));
	double end = now_s() + 30;
	while (!dropped_one(NULL)) {
		ck_assert_msg(now_s() < end, "the stuck client was not dropped");
		pump();
		for (int k = 0; k < 200; k++)
			random_change();
	}
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_int_eq(atomic_load(&a.state), 1);
	ck_assert_uint_eq(a.redundant, 0);
	json_t *j = instance_to_json(inst), *cl;
	size_t i;
	json_array_foreach(json_object_get(j, "clients"), i, cl)
		if (strcmp(json_string_value(json_object_get(cl, "name")), "plain") == 0)
			ck_assert_int_eq(json_integer_value(json_object_get(cl, "drops")), 1);
	json_decref(j);
	fake_stop(&a);
	fake_stop(&s);
	fake_free(&a);
	fake_free(&s);
}

START_TEST(stalled_client_dropped)
{
	/* joins a full view and stops reading: once the kernel's buffers are
	 * full, the stall rule drops it (the queue limit is far); 2 s, so a
	 * busy CI machine does not make the reading client look stuck */
	slow_case(0, 2, true);
}
END_TEST

static bool fake_joined(void *arg) { return atomic_load(&((struct fake *)arg)->eors) == 2; }

START_TEST(slow_joiner_split)
{
	struct fake a, s;
	struct fake *live[] = { &a };

	rnd_state = 5;
	preload();
	preload_hosts(300000);
	split_queue = 1u << 20;                 /* (default 4 MB: more table) */
	make_instance(0, 600, four_clients);    /* s is never dropped here */
	split_queue = 0;
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&s, "127.0.85.14", 65104, true, true);       /* same classes */
	s.stop_reading = true;
	s.rcvbuf = 4096;
	fake_go(&a);
	fake_go(&s);
	ck_assert(pump_until(fake_joined, &a, 60));
	ck_assert_int_eq(atomic_load(&s.eors), 0);
	json_t *j = instance_to_json(inst);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "walks")), 1);   /* s's own */
	json_decref(j);
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_uint_eq(a.redundant, 0);
	fake_stop(&a);
	fake_stop(&s);
	fake_free(&a);
	fake_free(&s);
}
END_TEST

START_TEST(queue_limit_drop)
{
	/* joins an empty view, then live changes pile up past 1 MB */
	slow_case(1u << 20, 60, false);
}
END_TEST

/* One pass of the loop that does not wait: what is active runs (a due
 * flush queues bytes), a write needs the next pass. */
static void pass(void)
{
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

START_TEST(busy_loop_is_not_a_stall)
{
	/* bytes queued for a client that reads everything, and the loop
	 * busy (or short of CPU) for longer than the stall rule before it
	 * writes them: they wait for the loop, not for the client, which
	 * stays and gets every change */
	struct fake a;
	struct fake *live[] = { &a };

	rnd_state = 99;
	make_instance(0, 1, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_go(&a);
	ck_assert(pump_until(fake_joined, &a, 10));
	random_change();
	pass();                 /* the flush: queued, not written */
	usleep(1500 * 1000);    /* the loop elsewhere, past the 1 s rule */
	random_change();
	pass();                 /* the next flush comes before the write */
	ck_assert_uint_eq(instance_stats(inst)->dropped, 0);
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_uint_eq(instance_stats(inst)->dropped, 0);
	ck_assert_int_eq(atomic_load(&a.state), 1);
	fake_stop(&a);
	fake_free(&a);
}
END_TEST

static void fake_send_update(struct fake *f, bool malformed)
{
	uint8_t msg[256], attrs[64];
	struct wbuf w = wbuf_make(msg, sizeof msg), aw = wbuf_make(attrs, sizeof attrs);
	struct bgp_attrs at;
	uint8_t own[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfe, 0x4d };      /* 65101 */
	struct bgp_prefix p;
	struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true, .max_len = BGP_MAX_LEN };

	memset(&at, 0, sizeof at);
	at.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_NEXT_HOP);
	at.as_path = (struct bgp_bytes){ own, sizeof own };
	memcpy(at.next_hop, nh4, 4);
	bgp_attrs_encode(&aw, &at, &ctx);
	bgp_prefix_parse("184.164.224.0/24", &p);
	uint8_t nlri[8];
	struct wbuf nw = wbuf_make(nlri, sizeof nlri);
	bgp_nlri_put(&nw, &p, false);
	size_t n = bgp_update_encode(&w, BGP_MAX_LEN, NULL, 0, attrs, aw.len, nlri, nw.len);
	if (malformed)
		msg[BGP_HEADER_LEN + 3] = 0xff;         /* attribute length past the end */
	fake_write(f, msg, n);
}

/* The withdrawal of fake_send_update's prefix. */
static void fake_send_withdraw(struct fake *f)
{
	uint8_t msg[64], nlri[8];
	struct wbuf w = wbuf_make(msg, sizeof msg), nw = wbuf_make(nlri, sizeof nlri);
	struct bgp_prefix p;

	bgp_prefix_parse("184.164.224.0/24", &p);
	bgp_nlri_put(&nw, &p, false);
	fake_write(f, msg, bgp_update_encode(&w, BGP_MAX_LEN, nlri, nw.len, NULL, 0, NULL, 0));
}

static bool client_counted(void *arg)
{
	(void)arg;
	json_t *j = instance_to_json(inst), *cl;
	size_t i;
	bool ok = false;
	json_array_foreach(json_object_get(j, "clients"), i, cl)
		ok |= json_integer_value(json_object_get(cl, "updates_received")) == 1;
	json_decref(j);
	return ok;
}

START_TEST(client_updates_isolated)
{
	struct fake a, b;
	struct fake *live[] = { &a };
	struct fakes fs = { (struct fake *[]){ &a, &b }, 2, 2, 0 };

	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&b, "127.0.85.12", 65102, true, false);
	fake_go(&a);
	fake_go(&b);
	ck_assert(pump_until(all_joined, &fs, 10));
	size_t before = feed_route_count(view_feed(view), 0);
	fake_send_update(&b, false);
	ck_assert(pump_until(client_counted, NULL, 10));
	ck_assert_uint_eq(feed_route_count(view_feed(view), 0), before);
	ck_assert_uint_eq(view_stats(view)->updates, 0);
	fake_send_update(&b, true);
	ck_assert(pump_until(fake_closed, &b, 10));
	ck_assert_uint_eq(b.notif_code, BGP_ERR_UPDATE);
	sync_fakes(live, 1);
	ck_assert_int_eq(atomic_load(&a.state), 1);
	check_table(&a);
	fake_stop(&a);
	fake_stop(&b);
	fake_free(&a);
	fake_free(&b);
}
END_TEST

START_TEST(route_refresh_rewalks)
{
	struct fake a;
	struct fake *live[] = { &a };
	struct fakes fs = { live, 1, 2, 0 };
	uint8_t rr[BGP_HEADER_LEN + 4];
	struct wbuf w = wbuf_make(rr, sizeof rr);
	struct bgp_route_refresh req = { BGP_AFI_IPV4, BGP_RR_NORMAL, BGP_SAFI_UNICAST };

	rnd_state = 99;
	preload();
	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.13", 65103, true, false);
	fake_go(&a);
	ck_assert(pump_until(all_joined, &fs, 30));
	sync_fakes(live, 1);
	unsigned before = atomic_load(&a.updates);
	a.redundant = 0;
	fake_write(&a, rr, bgp_route_refresh_encode(&w, &req));
	for (int k = 0; k < 200; k++) {
		pump();
		random_change();
	}
	sync_fakes(live, 1);
	check_table(&a);
	/* the IPv4 table came again: redundant announcements, no EoR, and no
	 * BoRR/EoRR to a client without enhanced route refresh */
	ck_assert_uint_gt(a.redundant, 10000);
	ck_assert_uint_gt(atomic_load(&a.updates), before + 100);
	ck_assert_int_eq(atomic_load(&a.eors), 2);
	ck_assert_uint_eq(atomic_load(&a.borr[1]) + atomic_load(&a.eorr[1]) +
	    atomic_load(&a.rr_other), 0);
	fake_stop(&a);
	fake_free(&a);
}
END_TEST

static unsigned want_eorr[3];
static bool refreshed(void *arg)
{
	struct fake *f = arg;
	return atomic_load(&f->eorr[1]) >= want_eorr[1] && atomic_load(&f->eorr[2]) >= want_eorr[2];
}

static void send_refresh(struct fake *f, uint16_t afi)
{
	uint8_t rr[BGP_HEADER_LEN + 4];
	struct wbuf w = wbuf_make(rr, sizeof rr);
	struct bgp_route_refresh req = { afi, BGP_RR_NORMAL, BGP_SAFI_UNICAST };

	fake_write(f, rr, bgp_route_refresh_encode(&w, &req));
}

/* Enhanced route refresh: the client drops, at EoRR, every route not sent
 * again since BoRR. With the view changing throughout, it must still hold
 * exactly the view: the refresh sent everything, live changes in between
 * kept it current, nothing came outside BoRR..EoRR. */
START_TEST(enhanced_refresh_demarcated)
{
	struct fake a;
	struct fake *live[] = { &a };
	struct fakes fs = { live, 1, 2, 0 };

	rnd_state = 7313;
	preload();
	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.13", 65103, true, false);
	a.enhanced_rr = true;
	fake_go(&a);
	ck_assert(pump_until(all_joined, &fs, 30));
	sync_fakes(live, 1);
	ck_assert_uint_eq(atomic_load(&a.borr[1]) + atomic_load(&a.borr[2]), 0);

	/* IPv4 alone, the view changing while it is walked */
	a.redundant = 0;
	send_refresh(&a, BGP_AFI_IPV4);
	want_eorr[1] = 1;
	want_eorr[2] = 0;
	double end = now_s() + 30;
	while (!refreshed(&a)) {
		ck_assert_msg(now_s() < end, "no End of Route Refresh for IPv4");
		pump();
		for (int k = 0; k < 5; k++)
			random_change();
	}
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_uint_eq(atomic_load(&a.borr[1]), 1);
	ck_assert_uint_eq(atomic_load(&a.borr[2]) + atomic_load(&a.eorr[2]), 0);
	ck_assert_uint_gt(atomic_load(&a.refresh_updates), 10);
	ck_assert_uint_gt(a.redundant, 10000);

	/* IPv6 asked for while IPv4 is asked again: one walk for both, each
	 * family demarcated */
	send_refresh(&a, BGP_AFI_IPV4);
	send_refresh(&a, BGP_AFI_IPV6);
	want_eorr[1] = 2;
	want_eorr[2] = 1;
	ck_assert_msg(pump_until(refreshed, &a, 30), "no EoRR for both families");
	for (int k = 0; k < 300; k++)
		random_change();
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_uint_ge(atomic_load(&a.borr[1]), 2);
	ck_assert_uint_eq(atomic_load(&a.borr[2]), 1);
	ck_assert_uint_eq(atomic_load(&a.eorr[1]), 2);
	ck_assert_uint_eq(atomic_load(&a.eorr[2]), 1);
	ck_assert_uint_eq(atomic_load(&a.rr_other), 0);
	ck_assert_int_eq(atomic_load(&a.eors), 2);

	json_t *j = instance_to_json(inst), *c;
	size_t i;
	json_array_foreach(json_object_get(j, "clients"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")), "plain") == 0)
			ck_assert_int_eq(json_integer_value(json_object_get(c, "refreshes")), 3);
	json_decref(j);
	fake_stop(&a);
	fake_free(&a);
}
END_TEST

static struct client *refresh_client;
static bool refresh_running(void *arg)
{
	uint16_t afi;
	(void)arg;
	return instance_client_refreshing(refresh_client, &afi);
}

/* An upgrade in place hands over a client whose enhanced refresh of IPv4
 * is under way (BoRR sent, EoRR not yet): the instance that adopts its
 * session sends it all again — BoRR, the view, EoRR — so that the client
 * ends with exactly the view and no EoRR goes missing. */
START_TEST(refresh_restarted_after_handover)
{
	struct fake a;
	struct fake *live[] = { &a };
	struct fakes fs = { live, 1, 2, 0 };
	struct session_handover h;
	char why[200];
	uint16_t afi = 0;

	rnd_state = 4724;
	preload();
	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.13", 65103, true, false);
	a.enhanced_rr = true;
	fake_go(&a);
	ck_assert(pump_until(all_joined, &fs, 30));
	sync_fakes(live, 1);

	/* the refresh starts (its BoRR and some routes may be out); frozen
	 * and handed over at once, before its EoRR */
	refresh_client = instance_client_named(inst, "plain");
	send_refresh(&a, BGP_AFI_IPV4);
	ck_assert(pump_until(refresh_running, NULL, 10));
	peer_freeze(client_peer(refresh_client), true);
	peer_hold_output(client_peer(refresh_client));
	ck_assert(instance_client_refreshing(refresh_client, &afi));
	ck_assert_uint_eq(afi, BGP_AFI_IPV4);
	struct session *s = client_session(refresh_client);
	ck_assert(session_handover_export(s, &h));
	h.fd = dup(h.fd);       /* the new instance's; the old one's goes */
	session_abort(s);
	instance_shutdown(inst, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	ck_assert(pump_until(flag_set, &inst_gone_flag, 10));
	inst_gone_flag = false;
	ck_assert_uint_eq(atomic_load(&a.eorr[1]), 0);

	make_instance(0, 0, four_clients);
	struct client_handover ch = { "plain", true, BGP_AFI_IPV4 };
	ck_assert_msg(instance_adopt_client(inst, &ch, &h, why, sizeof why), "%s", why);
	session_handover_release(&h);
	want_eorr[1] = 1;
	want_eorr[2] = 0;
	ck_assert_msg(pump_until(refreshed, &a, 30), "no End of Route Refresh after the handover");
	sync_fakes(live, 1);
	check_table(&a);
	/* the first BoRR, if it got out, then the second */
	ck_assert_uint_ge(atomic_load(&a.borr[1]), 1);
	ck_assert_uint_le(atomic_load(&a.borr[1]), 2);
	ck_assert_uint_eq(atomic_load(&a.eorr[1]), 1);
	ck_assert_uint_eq(atomic_load(&a.borr[2]) + atomic_load(&a.eorr[2]), 0);
	ck_assert_uint_eq(atomic_load(&a.rr_other), 0);
	ck_assert_int_eq(atomic_load(&a.state), 1);
	fake_stop(&a);
	fake_free(&a);
}
END_TEST

/* The MED of the route a client holds for p (path id 0), -1 for none. */
static long held_med(struct fake *f, const char *prefix)
{
	struct bgp_prefix p;
	struct bgp_attrs a;

	ck_assert(bgp_prefix_parse(prefix, &p));
	struct attrset *set = adjrib_get(f->rib, &p);
	if (set == NULL)
		return -1;
	ck_assert(attrset_attrs(set, &a));
	return (long)a.med;
}

START_TEST(lowest_path_rule)
{
	struct fake a, n;
	struct fake *all[] = { &a, &n };
	struct fakes fs = { all, 2, 2, 0 };
	static const struct { uint32_t id; long med; long want; } steps[] = {
		{ 5, 50, 50 },          /* the only path */
		{ 2, 20, 20 },          /* a lower id: it takes over */
		{ 9, 90, 20 },          /* a higher id: nothing changes */
		{ 2, 21, 21 },          /* the lowest changes */
		{ 5, 51, 21 },          /* another one changes: nothing */
		{ 1, 10, 10 },
		{ 1, -1, 21 },          /* the lowest goes: the next one */
		{ 2, -1, 51 },
		{ 9, -1, 51 },
		{ 5, -1, -1 },          /* the last goes: withdrawn */
	};

	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&n, "127.0.85.13", 65103, true, false);
	fake_go(&a);
	fake_go(&n);
	ck_assert(pump_until(all_joined, &fs, 10));
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct bgp_prefix p = space(7, steps[i].id);
		update(BGP_AFI_IPV4, &p, 1, steps[i].med);
		sync_fakes(all, 2);
		ck_assert_msg(held_med(&n, "10.0.7.0/24") == steps[i].want,
		    "step %zu: the client holds MED %ld, want %ld", i,
		    held_med(&n, "10.0.7.0/24"), steps[i].want);
		check_table(&a);
		check_table(&n);
	}
	ck_assert_uint_eq(n.redundant, 0);
	fake_stop(&a);
	fake_stop(&n);
	fake_free(&a);
	fake_free(&n);
}
END_TEST

static const char *c2c_clients =
	"{\"name\": \"exa\", \"address\": \"127.0.85.15\", \"asn\": 65101, "
	"\"upstreams\": [\"isp-t\"], \"prefixes\": [\"184.164.224.0/23\"], "
	"\"min_interval\": 0, \"hold_down\": 0},"
	"{\"name\": \"ap\", \"address\": \"127.0.85.11\", \"asn\": 65111, \"upstreams\": [\"isp-t\"]},"
	"{\"name\": \"plain\", \"address\": \"127.0.85.13\", \"asn\": 65103, \"upstreams\": [\"isp-t\"]}";

/* Whether the gateway announces n routes to the upstream (isp-t). */
static bool announced(void *arg)
{
	json_t *j = gateway_to_json(gw);
	json_int_t n = json_integer_value(json_object_get(json_object_get(j, "announced"),
	    "isp-t"));
	json_decref(j);
	return n == (json_int_t)(uintptr_t)arg;
}

/* Whether f holds exa's route: from the gateway (its AS first), with the
 * instance's address as next hop. */
static bool holds_client_route(struct fake *f)
{
	struct bgp_prefix p;
	struct bgp_attrs a;
	struct in_addr inst_addr;
	size_t nh_len;

	ck_assert(bgp_prefix_parse("184.164.224.0/24", &p));
	struct attrset *set = adjrib_get(f->rib, &p);
	if (set == NULL)
		return false;
	const uint8_t *nh = attrset_next_hop(set, &nh_len);
	inet_pton(AF_INET, INST_ADDR, &inst_addr);
	ck_assert_uint_eq(nh_len, 4);
	ck_assert(memcmp(nh, &inst_addr, 4) == 0);
	ck_assert(attrset_attrs(set, &a));
	ck_assert_uint_ge(a.as_path.len, 6);
	ck_assert(memcmp(a.as_path.p + 2, (const uint8_t[]){ 0, 0, 0xfd, 0xe8 }, 4) == 0);
	return true;
}

START_TEST(client_routes_walked)
{
	struct fake e, n, a;
	struct fake *two[] = { &e, &n }, *all[] = { &e, &n, &a };
	struct fakes fs = { two, 2, 2, 0 };

	make_c2c_instance(c2c_clients);
	fake_start(&e, "127.0.85.15", 65101, true, false);
	fake_start(&n, "127.0.85.13", 65103, true, false);
	n.enhanced_rr = true;
	fake_go(&e);
	fake_go(&n);
	ck_assert(pump_until(all_joined, &fs, 10));
	fake_send_update(&e, false);
	ck_assert_msg(pump_until(announced, (void *)1, 10), "the gateway did not take exa's route");
	sync_fakes(two, 2);
	ck_assert(holds_client_route(&n));
	ck_assert(!holds_client_route(&e));     /* never back to its owner */

	/* a client that joins now gets it with the table (the marker), before
	 * End-of-RIB */
	size_t table = feed_route_count(view_feed(view), 0) + 1;
	fake_start(&a, "127.0.85.11", 65111, true, true);
	fake_go(&a);
	ck_assert(pump_until(fake_joined, &a, 10));
	ck_assert_uint_eq(atomic_load(&a.routes_at_eor), table);
	sync_fakes(all, 3);
	ck_assert(holds_client_route(&a));
	ck_assert_uint_eq(a.redundant, 0);

	/* enhanced route refresh: at EoRR the client drops what was not sent
	 * again since BoRR; the client route was */
	send_refresh(&n, BGP_AFI_IPV4);
	want_eorr[1] = 1;
	want_eorr[2] = 0;
	ck_assert_msg(pump_until(refreshed, &n, 10), "no End of Route Refresh");
	sync_fakes(all, 3);
	ck_assert_uint_eq(n.purged, 0);
	ck_assert(holds_client_route(&n));

	/* withdrawn: gone from every client */
	fake_send_withdraw(&e);
	ck_assert(pump_until(announced, (void *)0, 10));
	sync_fakes(all, 3);
	ck_assert(!holds_client_route(&n));
	ck_assert(!holds_client_route(&a));
	ck_assert_uint_eq(a.redundant, 0);
	for (size_t i = 0; i < 3; i++) {
		fake_stop(all[i]);
		fake_free(all[i]);
	}
}
END_TEST

static Suite *instance_suite(void)
{
	Suite *s = suite_create("instance");
	TCase *t = tcase_create("clients");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, join_with_live_changes);
	tcase_add_test(t, unknown_client_rejected);
	tcase_add_test(t, stalled_client_dropped);
	tcase_add_test(t, busy_loop_is_not_a_stall);
	tcase_add_test(t, queue_limit_drop);
	tcase_add_test(t, client_updates_isolated);
	tcase_add_test(t, route_refresh_rewalks);
	tcase_add_test(t, enhanced_refresh_demarcated);
	tcase_add_test(t, refresh_restarted_after_handover);
	tcase_add_test(t, lowest_path_rule);
	tcase_add_test(t, client_routes_walked);
	suite_add_tcase(s, t);
	/* a table of 350,000 routes: its own case, its own time limit */
	TCase *big = tcase_create("split");
	tcase_add_checked_fixture(big, setup, teardown);
	tcase_set_timeout(big, 240);
	tcase_add_test(big, slow_joiner_split);
	suite_add_tcase(s, big);
	return s;
}

int main(void)
{
	inst_port = (uint16_t)(20000 + getpid() % 20000);
	return check_run(instance_suite());
}
