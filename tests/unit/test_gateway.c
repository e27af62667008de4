/*
 * test_gateway.c — client UPDATEs through the gateway to views that are
 * never started (no sockets): allocation (outside and too specific
 * counted, not announced), default target and steering by community,
 * max_prefixes (false with the AFI of the prefix that broke it, and the
 * hold-off), a client going down keeping its routes, and a new gateway on
 * the same state_dir handing the same table to new views; a client
 * announcing the view back logged in aggregate, not per prefix.
 */
#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instances/gateway.h"
#include "muxd/bgp/bgp_msg.h"
#include "views/view.h"
#include "web/instance_json.h"
#include "tests/unit/check_run.h"

static char dir[64];
static struct event_base *base;
static struct config *cfg;
static struct view *va, *vb;
static struct session_negotiated neg;

static void config_for(const char *state)
{
	char json[2048];
	struct jsonv errs = { 0 };

	snprintf(json, sizeof json,
	    "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"state_dir\": \"%s\","
	    " \"upstreams\": ["
	    "  {\"name\": \"a\", \"id\": 1, \"peer\": {\"address\": \"127.0.114.11\", \"asn\": 65010},"
	    "   \"instance\": {\"address\": \"127.0.114.1\"}},"
	    "  {\"name\": \"b\", \"id\": 2, \"peer\": {\"address\": \"127.0.114.12\", \"asn\": 65020},"
	    "   \"instance\": {\"address\": \"127.0.114.2\"}}],"
	    " \"clients\": [{\"name\": \"vnet\", \"address\": \"127.0.114.21\", \"asn\": 65101,"
	    "  \"upstreams\": [\"a\"], \"prefixes\": [\"184.164.224.0/22\"], \"max_prefixes\": 3}]}",
	    state);
	cfg = config_load_string(json, &errs);
	ck_assert_msg(cfg != NULL, "%s", errs.count ? errs.lines[0] : "");
}

/* The gateway's routes for an upstream go to its view, as muxd wires it. */
static void originate(void *v, const struct bgp_prefix *p, const uint8_t *attrs, size_t len)
{
	view_originate(v, p, attrs, len);
}

static void next_hops(void *v, const struct sockaddr_mux *v4, const struct sockaddr_mux *v6)
{
	view_set_originated_next_hops(v, v4, v6);
}

static const struct gateway_view_ops to_view = { originate, next_hops };

static void view_gone(struct view *v, void *arg);
static const struct view_ops view_ops = { .gone = view_gone };

static struct view *view_for(const struct upstream_config *uc)
{
	struct peer_local local = { 65000, 0xc0000201, NULL, NULL, NULL };
	return view_new(base, &uc->n, &local, VIEW_UPSTREAM, &view_ops, NULL);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_gateway.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	base = event_base_new();
	config_for(dir);
	memset(&neg, 0, sizeof neg);
	neg.families[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	neg.family_count = 1;
	neg.as4 = neg.rx.as4 = neg.tx.as4 = true;
	neg.rx.ebgp = neg.tx.ebgp = true;
	neg.rx.max_len = neg.tx.max_len = BGP_MAX_LEN;
}

static int gone;

static void view_gone(struct view *v, void *arg)
{
	(void)v;
	(void)arg;
	gone++;
}

static void shut(struct view *v)
{
	int before = gone;
	view_shutdown(v, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(gone, before + 1);
}

static void teardown(void)
{
	char cmd[128];
	config_free(cfg);
	event_base_free(base);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The AS_PATH of the client's UPDATEs: [65101 64512], or a route of the
 * view sent back, [65101 65000 65010]. */
static const uint8_t own_path[] = { BGP_AS_SEQUENCE, 2, 0, 0, 0xfe, 0x4d, 0, 0, 0xfc, 0 };
static const uint8_t back_path[] = { BGP_AS_SEQUENCE, 3, 0, 0, 0xfe, 0x4d, 0, 0, 0xfd, 0xe8,
	0, 0, 0xfd, 0xf2 };
static struct bgp_bytes path = { own_path, sizeof own_path };

/* An UPDATE from the client: one IPv4 prefix, the path above, MED,
 * and the standard community given (0: none); or its withdrawal. */
static void client_update(struct gateway *gw, const char *prefix, uint32_t comm,
    bool withdraw, bool want_ok)
{
	static uint8_t msg[4096], attrs[512], scratch[16384];
	struct wbuf aw = wbuf_make(attrs, sizeof attrs), w = wbuf_make(msg, sizeof msg);
	struct bgp_attrs a;
	struct bgp_prefix p;
	struct bgp_packer pk;
	struct bgp_update u;
	struct bgp_err e;
	uint8_t c[4] = { comm >> 24, comm >> 16, comm >> 8, comm };
	uint16_t afi = 0;

	ck_assert(bgp_prefix_parse(prefix, &p));
	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_MED);
	a.as_path = path;
	a.med = 7;
	a.next_hop[0] = 127;
	if (comm) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
		a.communities = (struct bgp_bytes){ c, 4 };
	}
	bgp_attrs_encode(&aw, &a, &neg.rx);
	struct bgp_pack_spec spec = { .afi = BGP_AFI_IPV4, .safi = BGP_SAFI_UNICAST,
		.withdraw = withdraw, .attrs = withdraw ? NULL : attrs,
		.attrs_len = withdraw ? 0 : aw.len, .max_len = BGP_MAX_LEN };
	ck_assert(bgp_packer_begin(&pk, &w, &spec));
	ck_assert(bgp_packer_add(&pk, &p));
	size_t len = bgp_packer_finish(&pk);
	ck_assert(bgp_update_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &neg.rx,
	    scratch, sizeof scratch, &u, &e));
	ck_assert_int_eq(gateway_client_update(gw, &cfg->clients[0], "a", &u, &neg, &afi),
	    want_ok);
	if (!want_ok)
		ck_assert_uint_eq(afi, BGP_AFI_IPV4);
}

static json_int_t stat(struct gateway *gw, const char *key)
{
	json_t *j = gateway_to_json(gw);
	json_int_t v = json_integer_value(json_object_get(j, key));
	json_decref(j);
	return v;
}

START_TEST(client_routes_to_views)
{
	struct gateway *gw = gateway_new(base, cfg);
	va = view_for(&cfg->upstreams[0]);
	vb = view_for(&cfg->upstreams[1]);
	gateway_attach_view(gw, "a", &to_view, va);
	gateway_attach_view(gw, "b", &to_view, vb);

	gateway_client_up(gw, &cfg->clients[0], "a");
	client_update(gw, "184.164.224.0/24", 0, false, true);          /* → a */
	client_update(gw, "184.164.225.0/24", 65000u << 16 | 2, false, true);  /* → b */
	client_update(gw, "10.0.0.0/24", 0, false, true);               /* outside */
	client_update(gw, "184.164.224.0/25", 0, false, true);          /* too long */
	ck_assert_uint_eq(view_originated_count(va), 1);
	ck_assert_uint_eq(view_originated_count(vb), 1);
	ck_assert_int_eq(stat(gw, "rejected"), 2);

	/* the 3rd accepted is fine, the 4th breaks max_prefixes 3 */
	client_update(gw, "184.164.226.0/24", 0, false, true);
	client_update(gw, "184.164.227.0/24", 0, false, false);
	ck_assert(!gateway_client_allowed(gw, "vnet", "a"));
	ck_assert(gateway_client_allowed(gw, "vnet", "b"));
	ck_assert_uint_eq(view_originated_count(va), 2);
	/* a withdrawal frees a place: the same prefix is fine again */
	client_update(gw, "184.164.226.0/24", 0, true, true);
	client_update(gw, "184.164.227.0/24", 0, false, true);
	/* …though upstream a still has 226: its withdrawal waits for
	 * min_interval (30 s) */
	ck_assert_uint_eq(view_originated_count(va), 3);

	/* down: held (hold_down 300), nothing withdrawn */
	gateway_client_down(gw, &cfg->clients[0], "a");
	ck_assert_uint_eq(view_originated_count(va), 3);
	event_base_loop(base, EVLOOP_NONBLOCK);         /* the deferred save */
	gateway_detach_view(gw, "a");
	gateway_detach_view(gw, "b");
	gateway_free(gw);
	shut(va);
	shut(vb);

	/* a restarted gateway hands new views the same table */
	gw = gateway_new(base, cfg);
	va = view_for(&cfg->upstreams[0]);
	vb = view_for(&cfg->upstreams[1]);
	gateway_attach_view(gw, "a", &to_view, va);
	gateway_attach_view(gw, "b", &to_view, vb);
	ck_assert_uint_eq(view_originated_count(va), 3);       /* what a was sent */
	ck_assert_uint_eq(view_originated_count(vb), 1);
	gateway_detach_view(gw, "a");
	gateway_detach_view(gw, "b");
	gateway_free(gw);
	shut(va);
	shut(vb);
}
END_TEST

/* stderr (the log) into a file while a test runs. */
static int saved_stderr = -1;
static FILE *log_file;

static void log_capture(void)
{
	fflush(stderr);
	log_file = tmpfile();
	ck_assert_ptr_nonnull(log_file);
	saved_stderr = dup(2);
	ck_assert_int_ge(dup2(fileno(log_file), 2), 0);
}

static void log_release(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	fclose(log_file);
}

/* Lines of the log so far that contain all of the words given. */
static int log_lines(const char *a, const char *b)
{
	char line[2048];
	int n = 0;

	fflush(stderr);
	rewind(log_file);
	while (fgets(line, sizeof line, log_file))
		n += strstr(line, a) && (b == NULL || strstr(line, b));
	return n;
}

static bool log_has(const char *a, const char *b) { return log_lines(a, b) > 0; }

/* A client announcing the view back: 300 prefixes outside its allocation
 * with our AS in their path. One line at once, one more after the
 * interval summing up the rest, nothing while nothing new comes; the
 * count per client. */
START_TEST(view_announced_back_summed_up)
{
	struct gateway *gw = gateway_new(base, cfg);
	char pfx[32];
	uint64_t n;

	va = view_for(&cfg->upstreams[0]);
	gateway_attach_view(gw, "a", &to_view, va);
	gateway_set_reject_log_interval(gw, 300);
	gateway_client_up(gw, &cfg->clients[0], "a");
	log_capture();
	path = (struct bgp_bytes){ back_path, sizeof back_path };
	for (int i = 0; i < 300; i++) {
		snprintf(pfx, sizeof pfx, "10.%d.%d.0/24", i / 256, i % 256);
		client_update(gw, pfx, 0, false, true);
	}
	path = (struct bgp_bytes){ own_path, sizeof own_path };
	ck_assert_int_eq(log_lines("client vnet: announced", NULL), 1);
	ck_assert(log_has("announced 10.0.0.0/24, outside its allocation: treated as "
	    "withdrawn (1 so far", "its AS_PATH holds our AS"));
	ck_assert(gateway_client_rejected(gw, "vnet", "a", &n));
	ck_assert_uint_eq(n, 300);
	ck_assert_uint_eq(view_originated_count(va), 0);

	struct timeval tick = { 0, 20000 };
	for (int k = 0; k < 100 && log_lines("client vnet: announced", NULL) < 2; k++) {
		event_base_loopexit(base, &tick);
		event_base_loop(base, 0);
	}
	ck_assert(log_has("announced 299 prefixes, e.g. 10.0.1.0/24, outside its allocation: "
	    "treated as withdrawn (300 so far", "give it an export filter"));
	for (int k = 0; k < 30; k++) {         /* 600 ms: two intervals, nothing new */
		event_base_loopexit(base, &tick);
		event_base_loop(base, 0);
	}
	ck_assert_int_eq(log_lines("client vnet: announced", NULL), 2);
	/* a prefix of its own outside the allocation: the hint says so */
	client_update(gw, "10.9.9.0/24", 0, false, true);
	ck_assert(log_has("announced 10.9.9.0/24", "add it to the client's \"prefixes\""));
	log_release();
	gateway_detach_view(gw, "a");
	gateway_free(gw);
	shut(va);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gateway");
	TCase *t = tcase_create("gateway");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, client_routes_to_views);
	tcase_add_test(t, view_announced_back_summed_up);
	suite_add_tcase(s, t);
	return check_run(s);
}
