/*
 * instance_fixture.h — the fixture of the instance unit tests
 * (test_instance.c, test_instance_routes.c): an instance in-process with
 * real TCP sessions on loopback (127.0.85.0/24) to fake clients, small BGP
 * speakers written with the project's codec, each in a thread, each
 * keeping the table it receives in an Adj-RIB-In; a view fed by hand; the
 * loop pumped until a condition holds or a deadline passes.
 *
 * Included by one test file per binary: its definitions are its own.
 */
#ifndef BGPMUX_TEST_INSTANCE_FIXTURE_H
#define BGPMUX_TEST_INSTANCE_FIXTURE_H

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

static inline void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void pump(void)
{
	event_base_loop(base, EVLOOP_ONCE);
}

static inline bool pump_until(bool (*cond)(void *), void *arg, double secs)
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

static inline void setup(void)
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

static inline void make_instance(size_t queue_limit, unsigned stall_secs, const char *clients_json)
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
static inline void make_c2c_instance(const char *clients_json)
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
static inline void inst_gone(struct instance *i, void *arg)
{
	(void)i;
	(void)arg;
	ck_assert_msg(!inst_gone_flag, "gone twice");
	inst_gone_flag = true;
}

static bool view_gone_flag;
static inline void view_gone(struct view *v, void *arg)
{
	(void)v;
	(void)arg;
	ck_assert_msg(!view_gone_flag, "gone twice");
	view_gone_flag = true;
}

static inline bool flag_set(void *arg) { return *(bool *)arg; }

static inline void gateway_teardown(void)
{
	char cmd[128];

	gateway_free(gw);
	gw = NULL;
	config_free(gw_cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", gw_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static inline void teardown(void)
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
static inline void update(uint16_t afi, const struct bgp_prefix *ps, size_t n, long med)
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
static inline uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Prefix i of the test's space: 24,000 IPv4 /24s, 6,000 IPv6 /48s. */
#define SPACE 30000
static inline struct bgp_prefix space(uint32_t i, uint32_t path_id)
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
static inline void preload(void)
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
static inline void preload_hosts(uint32_t n)
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

static inline void random_change(void)
{
	struct bgp_prefix p = space(rnd(SPACE), rnd(4));
	update(p.afi, &p, 1, rnd(3) == 0 ? -1 : (long)rnd(64));
}

static long marker_med;
static inline void marker(void)
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

static inline void fake_write(struct fake *f, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(f->fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static inline void fake_open(struct fake *f)
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

static inline void fake_withdraw(const struct bgp_prefix *p, void *arg)
{
	struct fake_walk *fw = arg;
	adjrib_withdraw(fw->f->stale, p);
	if (!adjrib_withdraw(fw->f->rib, p))
		fw->f->redundant++;
}

static inline void fake_announce(const struct bgp_prefix *p, const uint8_t *nh, size_t nh_len,
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

static inline void fake_update(struct fake *f, const uint8_t *body, size_t len)
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

static inline int stale_mark(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	adjrib_announce(arg, p, set);
	return 0;
}

static inline int stale_purge(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct fake *f = arg;
	(void)set;
	f->purged += adjrib_withdraw(f->rib, p);
	return 0;
}

static inline void fake_route_refresh(struct fake *f, const uint8_t *body, size_t len)
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

static inline void fake_message(struct fake *f, const uint8_t *msg, const struct bgp_header *h)
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

static inline void *fake_run(void *arg)
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

static inline void fake_start(struct fake *f, const char *addr, uint32_t asn, bool as4, bool addpath)
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

static inline void fake_go(struct fake *f)
{
	ck_assert_int_eq(pthread_create(&f->th, NULL, fake_run, f), 0);
}

static inline void fake_stop(struct fake *f)
{
	atomic_store(&f->quit, true);
	shutdown(f->fd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	close(f->fd);
}

static inline void fake_free(struct fake *f)
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

static inline bool all_joined(void *arg)
{
	struct fakes *fs = arg;
	for (size_t i = 0; i < fs->n; i++)
		if (atomic_load(&fs->v[i]->eors) < fs->want_eors)
			return false;
	return true;
}

static inline bool all_marked(void *arg)
{
	struct fakes *fs = arg;
	for (size_t i = 0; i < fs->n; i++)
		if (atomic_load(&fs->v[i]->marker) != fs->want_marker)
			return false;
	return true;
}

/* Announce a new marker last and wait until every fake has it: then it
 * has everything sent before. */
static inline void sync_fakes(struct fake **v, size_t n)
{
	struct fakes fs = { v, n, 0, 0 };
	marker();
	fs.want_marker = marker_med;
	ck_assert_msg(pump_until(all_marked, &fs, 30), "a client never got the marker");
}

/* What a client must hold: ADD-PATH every path of the view; otherwise the
 * lowest path id of each prefix, without an id. */
struct expect_route {
	struct bgp_prefix p;
	struct attrset *set;
};
struct expect_ctx {
	struct expect_route *v;
	size_t n, cap;
	bool addpath;
	struct bgp_prefix last;
	bool has_last;
};

static inline int expect_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
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
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 1024;
		x->v = realloc(x->v, x->cap * sizeof *x->v);
		ck_assert(x->v != NULL);
	}
	x->v[x->n++] = (struct expect_route){ q, set };
	return 0;
}

/* The client's table against the expected one, route by route in the
 * same order: prefix and path id, and the attributes as JSON (what the
 * API shows). A pair of sets found equal once is not rendered again: a
 * big table has a few dozen sets, and two JSON arrays of a 300,000-route
 * table took most of the test. */
struct table_cmp {
	const struct expect_ctx *want;
	size_t i, differs;              /* differs: first bad index, or SIZE_MAX */
	const struct attrset *same[64][2];
};

static inline bool sets_same(struct table_cmp *t, const struct attrset *a, const struct attrset *b)
{
	size_t h = ((uintptr_t)a >> 4 ^ (uintptr_t)b >> 4) % 64;

	if (t->same[h][0] == a && t->same[h][1] == b)
		return true;
	json_t *ja = attrset_to_json(a), *jb = attrset_to_json(b);
	bool eq = json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	if (eq) {
		t->same[h][0] = a;
		t->same[h][1] = b;
	}
	return eq;
}

static inline int compare_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct table_cmp *t = arg;
	size_t i = t->i++;

	if (t->differs != SIZE_MAX)
		return 0;
	if (i >= t->want->n || bgp_prefix_cmp(p, &t->want->v[i].p) != 0 ||
	    !sets_same(t, set, t->want->v[i].set))
		t->differs = i;
	return 0;
}

static inline void check_table(struct fake *f)
{
	struct expect_ctx x = { .addpath = f->addpath };
	struct table_cmp t = { .want = &x, .differs = SIZE_MAX };
	struct feed_cursor c;

	feed_cursor_init(&c, 0);
	feed_cursor_next(view_feed(view), &c, SIZE_MAX, expect_cb, &x);
	adjrib_walk(f->rib, 0, compare_cb, &t);
	if (t.differs == SIZE_MAX && t.i != x.n)
		t.differs = t.i < x.n ? t.i : x.n;
	if (t.differs != SIZE_MAX) {
		json_t *got = adjrib_to_json(f->rib, 0);
		json_t *w = t.differs < x.n ? route_to_json(&x.v[t.differs].p, x.v[t.differs].set) : NULL;
		char *a = json_dumps(json_array_get(got, t.differs), JSON_COMPACT);
		char *b = w ? json_dumps(w, JSON_COMPACT) : NULL;
		ck_abort_msg("client %s: %zu routes, want %zu; first difference at %zu: "
		    "got %s want %s", f->addr, t.i, x.n, t.differs, a ? a : "-", b ? b : "-");
	}
	free(x.v);
}

/* The state of a fake: 1 Established, 2 closed; both End-of-RIBs. */
static inline bool fake_closed(void *arg) { return atomic_load(&((struct fake *)arg)->state) == 2; }
static inline bool fake_established(void *arg) { return atomic_load(&((struct fake *)arg)->state) == 1; }
static inline bool fake_joined(void *arg) { return atomic_load(&((struct fake *)arg)->eors) == 2; }

/* Four clients of isp-t: ADD-PATH, 2-octet AS, plain, a second ADD-PATH. */
static const char *four_clients =
	"{\"name\": \"ap\", \"address\": \"127.0.85.11\", \"asn\": 65101, \"upstreams\": [\"isp-t\"]},"
	"{\"name\": \"as2\", \"address\": \"127.0.85.12\", \"asn\": 65102, \"upstreams\": [\"isp-t\"]},"
	"{\"name\": \"plain\", \"address\": \"127.0.85.13\", \"asn\": 65103, \"upstreams\": [\"isp-t\"]},"
	"{\"name\": \"ap2\", \"address\": \"127.0.85.14\", \"asn\": 65104, \"upstreams\": [\"isp-t\"]}";

#endif
