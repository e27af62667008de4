/*
 * vpn_export — a view host's export, alone: V synthetic views, each a
 * table of P IPv4 and P IPv6 prefixes with K paths apiece, sent over one
 * BGP session as VPN routes (muxd/rib/rib_vpn.h: each view under its
 * route distinguisher ASN:view, every path with ADD-PATH). It lets a real
 * VPN speaker (GoBGP, FRR) check the encoding an instance host will read.
 *
 *   vpn_export --connect 127.0.240.11 --bind 127.0.240.1 --views 3 \
 *       --prefixes 50 --paths 2
 *
 * View v's prefix i is 10.v.i.0/24 and 2001:db8:v:i::/64; its path k
 * (path id k, 1..K) has AS_PATH "64496+v 65000+k", MED k, LOCAL_PREF 100
 * and next hop 192.0.2.v (IPv4) or 2001:db8::v (IPv6). The label is 100+v.
 * After the whole export, End-of-RIB for each VPN family, it holds the
 * session; SIGUSR1 withdraws view 1 (every path of it, with ADD-PATH),
 * SIGTERM ends the session. With --listen ADDR:PORT it waits for the
 * neighbor's connection instead, as a view host does for instance hosts.
 * --dump-tables PREFIX writes view v's table to PREFIX.v as bgp_sink's
 * --dump-table would hold it through a transparent re-advertiser (every
 * path, by path id), for a client's --expect-table.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "muxd/rib/rib_vpn.h"
#include "tests/tools/lib/attr_hash.h"
#include "tests/tools/lib/net.h"
#include "tests/tools/lib/rtable.h"
#include "tests/tools/lib/speaker.h"
#include "tests/tools/lib/tool.h"

#define PROG "vpn_export"
#define CONNECT_WAIT 20.0
#define OPEN_WAIT 30.0

struct opts {
	const char *connect_to, *bind_addr, *listen_on, *dump_prefix;
	unsigned long asn, views, prefixes, paths;
	bool quiet;
};

struct exporter {
	const struct opts *o;
	struct speaker sp;
	struct speaker_config cfg;
	struct attrstore *store;
	struct adjrib **ribs;
	size_t routes, updates;
};

static volatile sig_atomic_t withdraw_signal;

static void on_usr1(int sig)
{
	(void)sig;
	withdraw_signal = 1;
}

/* ---- the views ----------------------------------------------------------- */

static struct attrset *path_set(struct attrstore *s, unsigned v, unsigned k,
    uint16_t afi)
{
	uint32_t a1 = 64496 + v, a2 = 65000 + k;
	uint8_t path[10] = { BGP_AS_SEQUENCE, 2, (uint8_t)(a1 >> 24),
	    (uint8_t)(a1 >> 16), (uint8_t)(a1 >> 8), (uint8_t)a1, (uint8_t)(a2 >> 24),
	    (uint8_t)(a2 >> 16), (uint8_t)(a2 >> 8), (uint8_t)a2 };
	uint8_t nh6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)v };
	uint8_t nh4[4] = { 192, 0, 2, (uint8_t)v };
	struct bgp_attrs a;

	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_MED) | BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	a.med = k;
	a.local_pref = 100;
	if (afi == BGP_AFI_IPV6)
		return attrset_intern(s, &a, nh6, 16);
	a.present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	memcpy(a.next_hop, nh4, 4);
	return attrset_intern(s, &a, nh4, 4);
}

static void view_prefix(unsigned v, unsigned i, uint16_t afi, uint32_t path_id,
    struct bgp_prefix *p)
{
	memset(p, 0, sizeof *p);
	p->afi = afi;
	p->path_id = path_id;
	if (afi == BGP_AFI_IPV4) {
		p->len = 24;
		p->addr[0] = 10;
		p->addr[1] = (uint8_t)v;
		p->addr[2] = (uint8_t)i;
		return;
	}
	uint8_t head[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, (uint8_t)v, (uint8_t)(i >> 8),
	    (uint8_t)i };
	p->len = 64;
	memcpy(p->addr, head, sizeof head);
}

static bool make_views(struct exporter *x)
{
	const struct opts *o = x->o;

	x->store = attrstore_new();
	x->ribs = calloc(o->views, sizeof *x->ribs);
	if (x->ribs == NULL)
		return false;
	for (unsigned v = 1; v <= o->views; v++) {
		struct adjrib *rib = adjrib_new(x->store);
		x->ribs[v - 1] = rib;
		for (unsigned k = 1; k <= o->paths; k++) {
			for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
				struct attrset *set = path_set(x->store, v, k, afi);
				struct bgp_prefix p;
				if (set == NULL)
					return false;
				for (unsigned i = 0; i < o->prefixes; i++) {
					view_prefix(v, i, afi, k, &p);
					adjrib_announce(rib, &p, set);
				}
				attrset_put(set);
			}
		}
	}
	return true;
}

/* ---- the tables a client should end with ----------------------------------- */

static int table_add(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct rtable *t = arg;
	struct bgp_attrs a;
	size_t nh_len;
	const uint8_t *nh = attrset_next_hop(set, &nh_len);
	struct rtable_route *r = rtable_get(t, p, rtable_prefix_hash(p));

	if (r == NULL || !attrset_attrs(set, &a))
		return 1;
	r->attr = attr_hash_finish(attr_hash_base(&a), nh, nh_len);
	r->flags |= RT_PRESENT;
	t->present++;
	return 0;
}

static bool dump_tables(const struct exporter *x)
{
	char path[4096];
	bool ok = true;

	for (unsigned v = 1; ok && x->o->dump_prefix && v <= x->o->views; v++) {
		struct rtable t;
		if (!rtable_init(&t, adjrib_count(x->ribs[v - 1], 0)))
			return false;
		snprintf(path, sizeof path, "%s.%u", x->o->dump_prefix, v);
		for (uint16_t afi = BGP_AFI_IPV4; ok && afi <= BGP_AFI_IPV6; afi++)
			ok = adjrib_walk(x->ribs[v - 1], afi, table_add, &t) == 0;
		ok = ok && rtable_dump(&t, path);
		rtable_free(&t);
	}
	return ok;
}

/* ---- the session ----------------------------------------------------------- */

/* Each UPDATE goes on the speaker's queue as it is made. */
static int queue_update(const uint8_t *msg, size_t len, void *arg)
{
	struct exporter *x = arg;
	struct wbuf w = speaker_wbuf(&x->sp);

	wbuf_bytes(&w, msg, len);
	if (!speaker_commit(&x->sp, &w))
		return 1;
	x->updates++;
	return speaker_flush(&x->sp) ? 0 : 1;
}

static bool session_config(struct exporter *x, int fd)
{
	uint32_t asn = (uint32_t)x->o->asn;
	struct bgp_caps *c = &x->cfg.open.caps;
	static const uint16_t afis[] = { BGP_AFI_IPV4, BGP_AFI_IPV6 };

	speaker_open_init(&x->cfg.open, asn, net_local_ipv4(fd), 90);
	c->mp_count = 0;
	c->present |= BGP_CAPF_AS4 | BGP_CAPF_ADD_PATH;
	c->as4 = asn;
	for (size_t i = 0; i < 2; i++) {
		struct bgp_family f = { afis[i], BGP_SAFI_VPN };
		c->mp[c->mp_count++] = f;
		c->addpath[c->addpath_count++] =
		    (struct bgp_addpath_family){ f, BGP_ADDPATH_SEND | BGP_ADDPATH_RECEIVE };
	}
	x->cfg.asn = asn;
	x->cfg.peer_as = asn;
	x->cfg.in_cap = BGP_EXT_MAX_LEN;
	x->cfg.out_cap = 64u << 20;
	x->cfg.close_wait = 2.0;
	return x->cfg.open.bgp_id != 0;
}

/* Without ADD-PATH on both VPN families a view's paths would overwrite
 * each other at the neighbor: refuse the session rather than mislead. */
static bool check_open(struct speaker *sp, const struct bgp_open *op,
    struct bgp_err *err)
{
	for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		if (bgp_caps_has_family(&op->caps, afi, BGP_SAFI_VPN) &&
		    (bgp_caps_addpath_mode(&op->caps, afi, BGP_SAFI_VPN) &
		     BGP_ADDPATH_RECEIVE))
			continue;
		warnx_("%s does not take VPN routes of AFI %u with ADD-PATH",
		    sp->name, afi);
		bgp_err_set(err, BGP_TIER_RESET, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_CAPABILITY, NULL, 0, "no VPN ADD-PATH");
		return false;
	}
	return true;
}

static const struct speaker_ops export_ops = { .open = check_open };

static bool session_open(struct exporter *x)
{
	double give_up = secs_mono() + OPEN_WAIT;

	while (x->sp.state != SPEAKER_ESTABLISHED) {
		if (stop_signal || secs_mono() > give_up)
			return false;
		if (!speaker_pump(&x->sp, 200))
			return false;
	}
	return true;
}

static struct rib_vpn_spec view_spec(const struct exporter *x, unsigned v)
{
	struct rib_vpn_spec spec = { .label = 100 + v, .addpath = true,
	    .max_len = BGP_MAX_LEN };

	bgp_rd_make((uint32_t)x->o->asn, v, &spec.rd);
	return spec;
}

static bool export_all(struct exporter *x)
{
	for (unsigned v = 1; v <= x->o->views; v++) {
		struct rib_vpn_spec spec = view_spec(x, v);
		for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
			struct rib_vpn_stats st;
			if (rib_vpn_export(x->ribs[v - 1], afi, &spec, queue_update,
			    x, &st) != 0)
				return false;
			x->routes += st.routes;
		}
	}
	for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		uint8_t buf[64];
		struct wbuf w = wbuf_make(buf, sizeof buf);
		size_t len = bgp_eor_encode(&w, afi, BGP_SAFI_VPN);
		if (len == 0 || queue_update(buf, len, x) != 0)
			return false;
	}
	say(x->o, "exported %zu routes of %lu views in %zu UPDATEs, then End-of-RIB",
	    x->routes, x->o->views, x->updates);
	return true;
}

static int collect(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct bgp_prefix **at = arg;

	(void)set;
	*(*at)++ = *p;
	return 0;
}

static bool withdraw_view1(struct exporter *x)
{
	struct rib_vpn_spec spec = view_spec(x, 1);
	size_t n = adjrib_count(x->ribs[0], 0), before = x->updates;
	struct bgp_prefix *keys = calloc(n ? n : 1, sizeof *keys), *at = keys;
	bool ok = keys != NULL;

	for (uint16_t afi = BGP_AFI_IPV4; ok && afi <= BGP_AFI_IPV6; afi++) {
		struct bgp_prefix *from = at;
		adjrib_walk(x->ribs[0], afi, collect, &at);
		ok = rib_vpn_withdraw(from, (size_t)(at - from), afi, &spec,
		    queue_update, x, NULL) == 0;
	}
	free(keys);
	say(x->o, "withdrew the %zu routes of view 1 in %zu UPDATEs", n,
	    x->updates - before);
	return ok;
}

static int run(struct exporter *x, int fd)
{
	bool ok = session_config(x, fd) &&
	    speaker_init(&x->sp, fd, &x->cfg, &export_ops, x) && session_open(x) &&
	    export_all(x);

	while (ok && !stop_signal) {
		if (withdraw_signal) {
			withdraw_signal = 0;
			ok = withdraw_view1(x);
		}
		ok = ok && speaker_pump(&x->sp, 200);
	}
	if (!ok)
		warnx_("session with %s: %s", x->sp.name,
		    x->sp.why[0] ? x->sp.why : "could not export");
	speaker_close(&x->sp, PROG " stopped");
	speaker_free(&x->sp);
	for (unsigned v = 0; x->ribs && v < x->o->views; v++)
		adjrib_free(x->ribs[v]);
	free(x->ribs);
	attrstore_free(x->store);
	return ok ? 0 : 1;
}

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " --connect ADDR[:PORT] [--bind ADDR] [--asn N]\n"
	    "       " PROG " --listen ADDR:PORT [--asn N] ...\n"
	    "           [--dump-tables PREFIX]\n"
	    "           [--views V] [--prefixes P] [--paths K] [--quiet]\n"
	    "Exports V synthetic views (P IPv4 and P IPv6 prefixes, K paths each)\n"
	    "as VPN routes with ADD-PATH over one iBGP session (AS N, 65000 by\n"
	    "default), then holds it: SIGUSR1 withdraws view 1, SIGTERM ends.\n");
}

static bool opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "bind", required_argument, NULL, 'b' },
		{ "listen", required_argument, NULL, 'l' },
		{ "dump-tables", required_argument, NULL, 'd' },
		{ "asn", required_argument, NULL, 'a' },
		{ "views", required_argument, NULL, 'v' },
		{ "prefixes", required_argument, NULL, 'p' },
		{ "paths", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct opts){ .asn = 65000, .views = 3, .prefixes = 50, .paths = 2 };
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		bool good = true;
		switch (ch) {
		case 'c': o->connect_to = optarg; break;
		case 'b': o->bind_addr = optarg; break;
		case 'l': o->listen_on = optarg; break;
		case 'd': o->dump_prefix = optarg; break;
		case 'a': good = opt_ulong("--asn", optarg, UINT32_MAX, &o->asn); break;
		case 'v': good = opt_ulong("--views", optarg, 255, &o->views); break;
		case 'p': good = opt_ulong("--prefixes", optarg, 256, &o->prefixes); break;
		case 'k': good = opt_ulong("--paths", optarg, 1000, &o->paths); break;
		case 'q': o->quiet = true; break;
		default: good = false;
		}
		if (!good)
			return false;
	}
	return (o->connect_to != NULL) != (o->listen_on != NULL) && optind == argc && o->views > 0 &&
	    o->paths > 0 && o->asn > 0;
}

/* The neighbor connects (it retries with its backoff: wait long enough). */
static int accept_one(const char *on)
{
	int lfd = net_listen(on, 1, false, NULL);
	int fd = lfd < 0 ? -1 : net_accept(lfd, on, OPEN_WAIT);

	if (lfd >= 0)
		close(lfd);
	return fd;
}

int main(int argc, char **argv)
{
	static struct exporter x;
	struct opts o;

	tool_init(PROG);
	if (!opts_parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	x.o = &o;
	signals_init();
	signal(SIGUSR1, on_usr1);
	if (!make_views(&x) || !dump_tables(&x)) {
		warnx_("cannot make the views or write their tables");
		return 1;
	}
	int fd = o.listen_on ? accept_one(o.listen_on) :
	    net_connect(o.connect_to, o.bind_addr, CONNECT_WAIT);
	return fd < 0 ? 1 : run(&x, fd);
}
