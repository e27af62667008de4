/*
 * test_kernel.c — the kernel room against a real kernel: each test moves
 * into a network namespace of its own (root only; skipped otherwise) with
 * lo up and a veth pair vp0/vp1, then makes macvlans, addresses, rules and
 * routes through muxd/kernel and checks them from outside (bind, dumps,
 * /proc/sys). The codec test runs everywhere.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "muxd/kernel/knl.h"
#include "muxd/kernel/knl_int.h"
#include "tests/unit/check_run.h"

#define TABLE 20001
#define PRIO 777

static struct knl *nl;
static uint32_t vp0;

/* A veth pair through netlink (the test's own message: muxd makes none). */
static void veth_add(const char *name, const char *peer)
{
	uint8_t buf[KMSG_MAX] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	nlh->nlmsg_len += MNL_ALIGN(sizeof(struct ifinfomsg)); /* the peer's, zeroed */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	ck_assert_msg(knl_request(nl, nlh, NULL, NULL, "veth") == 0, "%s", knl_error(nl));
}

static uint32_t link_up(const char *name)
{
	uint32_t ifindex;

	ck_assert_msg(knl_link_index(nl, name, &ifindex) == 0, "%s", knl_error(nl));
	ck_assert_msg(knl_link_up(nl, ifindex) == 0, "%s", knl_error(nl));
	return ifindex;
}

static void addr_add(uint32_t ifindex, int family, const char *text, uint8_t len)
{
	uint8_t a[16];

	ck_assert(inet_pton(family, text, a) == 1);
	ck_assert_msg(knl_addr_add(nl, ifindex, (uint8_t)family, a, len) == 0, "%s",
	              knl_error(nl));
}

/* A namespace of the test's own with lo, and vp0 (10.77.0.1/24,
 * 2001:db8:77::1/64) up with its peer vp1. */
static void setup_netns(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s", strerror(errno));
	ck_assert(knl_open(&nl) == 0);
	link_up("lo");
	veth_add("vp0", "vp1");
	vp0 = link_up("vp0");
	link_up("vp1");
	addr_add(vp0, AF_INET, "10.77.0.1", 24);
	addr_add(vp0, AF_INET6, "2001:db8:77::1", 64);
}

/* Whether a local socket can bind addr (is it an address of the host?). */
static bool can_bind(int family, const char *text)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd = socket(family, SOCK_DGRAM, 0);

	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		inet_pton(AF_INET, text, &s->sin_addr);
		len = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		inet_pton(AF_INET6, text, &s->sin6_addr);
		len = sizeof *s;
	}
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert(fscanf(f, "%d", &v) == 1);
	fclose(f);
	return v;
}

struct link_seen {
	uint8_t mac[6];
	unsigned flags;
	char kind[16];
};

static int link_attr(const struct nlattr *a, void *arg)
{
	struct link_seen *s = arg;

	if (mnl_attr_get_type(a) == IFLA_ADDRESS && mnl_attr_get_payload_len(a) == 6)
		memcpy(s->mac, mnl_attr_get_payload(a), 6);
	if (mnl_attr_get_type(a) == IFLA_LINKINFO) {
		const struct nlattr *in;
		mnl_attr_for_each_nested(in, a)
			if (mnl_attr_get_type(in) == IFLA_INFO_KIND)
				snprintf(s->kind, sizeof s->kind, "%.*s",
				         (int)mnl_attr_get_payload_len(in),
				         (const char *)mnl_attr_get_payload(in));
	}
	return MNL_CB_OK;
}

static int link_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct link_seen *s = arg;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	s->flags = ifi->ifi_flags;
	mnl_attr_parse(nlh, sizeof *ifi, link_attr, s);
	return 0;
}

/* The dump's entry for mux-a. */
static void link_dumped(const struct klink *l, void *arg)
{
	if (strcmp(l->name, "mux-a") == 0)
		*(struct klink *)arg = *l;
}

START_TEST(test_macvlan_address_up)
{
	static const uint8_t mac[6] = { 0x02, 0x42, 0x6d, 0x75, 0x78, 0x01 };
	uint8_t buf[KMSG_MAX];
	struct link_seen seen = { 0 };
	uint32_t mv, again;

	setup_netns();
	ck_assert_msg(knl_macvlan_add(nl, "mux-a", vp0, mac) == 0, "%s", knl_error(nl));
	ck_assert_int_eq(knl_macvlan_add(nl, "mux-a", vp0, mac), -EEXIST);
	ck_assert_ptr_nonnull(strstr(knl_error(nl), "macvlan mux-a on ifindex"));
	ck_assert_ptr_nonnull(strstr(knl_error(nl), strerror(EEXIST)));
	mv = link_up("mux-a");
	ck_assert_msg(knl_request(nl, kmsg_link_get(buf, "mux-a"), link_reply, &seen,
	                          "get mux-a") == 0, "%s", knl_error(nl));
	ck_assert_mem_eq(seen.mac, mac, 6);
	ck_assert_str_eq(seen.kind, "macvlan");
	ck_assert(seen.flags & IFF_UP);

	ck_assert_int_eq(read_int("/proc/sys/net/ipv4/conf/mux-a/arp_ignore"), 0);
	ck_assert_msg(knl_link_devconf(nl, mv) == 0, "%s", knl_error(nl));
	ck_assert_int_eq(read_int("/proc/sys/net/ipv4/conf/mux-a/arp_ignore"), 1);
	ck_assert_int_eq(read_int("/proc/sys/net/ipv4/conf/mux-a/arp_announce"), 2);
	ck_assert_int_eq(read_int("/proc/sys/net/ipv4/conf/mux-a/rp_filter"), 2);
	ck_assert_int_eq(knl_link_devconf(nl, 999999), -ENODEV);
	ck_assert_ptr_nonnull(strstr(knl_error(nl), "IPv4 settings"));

	ck_assert(!can_bind(AF_INET, "10.77.1.1"));
	addr_add(mv, AF_INET, "10.77.1.1", 24);
	addr_add(mv, AF_INET6, "2001:db8:78::1", 64);
	ck_assert(can_bind(AF_INET, "10.77.1.1"));
	ck_assert(can_bind(AF_INET6, "2001:db8:78::1")); /* no DAD wait */
	uint8_t a[4] = { 10, 77, 1, 1 };
	ck_assert_int_eq(knl_addr_add(nl, mv, AF_INET, a, 24), -EEXIST);
	ck_assert_msg(knl_addr_del(nl, mv, AF_INET, a, 24) == 0, "%s", knl_error(nl));
	ck_assert(!can_bind(AF_INET, "10.77.1.1"));

	struct klink dumped = { 0 };
	ck_assert_msg(knl_links_dump(nl, link_dumped, &dumped) == 0, "%s", knl_error(nl));
	ck_assert_uint_eq(dumped.index, mv);
	ck_assert_uint_eq(dumped.parent, vp0);
	ck_assert_str_eq(dumped.kind, "macvlan");
	ck_assert(dumped.has_mac);
	ck_assert_mem_eq(dumped.mac, mac, 6);

	ck_assert_msg(knl_link_del(nl, mv) == 0, "%s", knl_error(nl));
	ck_assert_int_eq(knl_link_index(nl, "mux-a", &again), -ENODEV);
	ck_assert_int_eq(knl_link_index(nl, "a/b", &again), -EINVAL);
	knl_close(nl);
}
END_TEST

struct rules_seen {
	struct krule v[8];
	int n;
};

static void rule_seen(const struct krule *r, void *arg)
{
	struct rules_seen *s = arg;

	if (s->n < 8)
		s->v[s->n++] = *r;
}

static struct krule rule(uint8_t family, const char *iif, uint32_t table, uint32_t prio)
{
	struct krule r = { .family = family, .table = table, .priority = prio };

	snprintf(r.iifname, sizeof r.iifname, "%s", iif);
	return r;
}

START_TEST(test_rules)
{
	struct rules_seen seen = { 0 };
	struct krule r4 = rule(AF_INET, "mux-a", TABLE, PRIO);
	struct krule r6 = rule(AF_INET6, "mux-a", TABLE, PRIO);
	struct krule other = rule(AF_INET, "mux-b", TABLE + 1, PRIO + 1);
	size_t removed;

	setup_netns();
	ck_assert_msg(knl_rule_add(nl, &r4) == 0, "%s", knl_error(nl));
	ck_assert_msg(knl_rule_add(nl, &r6) == 0, "%s", knl_error(nl));
	ck_assert_msg(knl_rule_add(nl, &other) == 0, "%s", knl_error(nl));
	ck_assert_int_eq(knl_rule_add(nl, &r4), -EEXIST);

	ck_assert_int_eq(knl_rules_dump(nl, 0, PRIO, rule_seen, &seen), 0);
	ck_assert_int_eq(seen.n, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_str_eq(seen.v[i].iifname, "mux-a");
		ck_assert_uint_eq(seen.v[i].table, TABLE);
		ck_assert_uint_eq(seen.v[i].priority, PRIO);
	}
	ck_assert_uint_ne(seen.v[0].family, seen.v[1].family);

	ck_assert_int_eq(knl_rules_flush(nl, PRIO, &removed), 0);
	ck_assert_uint_eq(removed, 2);
	seen.n = 0;
	ck_assert_int_eq(knl_rules_dump(nl, 0, PRIO, rule_seen, &seen), 0);
	ck_assert_int_eq(seen.n, 0);
	/* Another priority's rule stays. */
	ck_assert_int_eq(knl_rules_dump(nl, AF_INET, PRIO + 1, rule_seen, &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_str_eq(seen.v[0].iifname, "mux-b");
	ck_assert_int_eq(knl_rule_del(nl, &r6), -ENOENT);
	knl_close(nl);
}
END_TEST

/* Route i of a table: 172.16.0.0/24 + i via gw. */
static struct kroute route4(uint32_t i, uint32_t table, const char *gw)
{
	struct kroute r = { .family = AF_INET, .dst_len = 24, .table = table, .has_gw = true };
	uint32_t dst = htonl(0xac100000u + (i << 8));

	memcpy(r.dst, &dst, 4);
	inet_pton(AF_INET, gw, r.gw);
	return r;
}

static size_t count(uint8_t family, uint32_t table, uint8_t protocol)
{
	struct kroute_filter f = { family, protocol, table, table };
	size_t n;

	ck_assert_msg(knl_routes_count(nl, &f, &n) == 0, "%s", knl_error(nl));
	return n;
}

static void gw_count(const struct kroute *r, void *arg)
{
	uint8_t three[4] = { 10, 77, 0, 3 };

	if (r->has_gw && memcmp(r->gw, three, 4) == 0)
		(*(size_t *)arg)++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_routes_batch)
{
	enum { N = 10000 };
	struct kroute *v = calloc(N, sizeof *v);
	struct kroute_filter f = { AF_INET, KMSG_RTPROT_BGPMUX, TABLE, TABLE };
	size_t failed, via3 = 0;

	setup_netns();
	for (uint32_t i = 0; i < N; i++)
		v[i] = route4(i, TABLE, "10.77.0.2");
	double t0 = now();
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, v, N, NULL, NULL, &failed, NULL), 0);
	double t = now() - t0;
	printf("test_kernel: %d routes in one batch: %.1f ms, %.0f routes/s\n", N,
	       t * 1e3, N / t);
	fflush(stdout);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(count(AF_INET, TABLE, KMSG_RTPROT_BGPMUX), N);
	ck_assert_uint_eq(count(0, TABLE, 0), N);
	ck_assert_uint_eq(count(AF_INET6, TABLE, 0), 0);

	/* Adding again is refused route by route. */
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, v, 300, NULL, NULL, &failed, NULL), 0);
	ck_assert_uint_eq(failed, 300);

	/* 1,000 replaced in place: same count, the new gateway. */
	for (uint32_t i = 0; i < 1000; i++)
		v[i] = route4(i * 7, TABLE, "10.77.0.3");
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_REPLACE, v, 1000, NULL, NULL, &failed, NULL), 0);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(count(AF_INET, TABLE, KMSG_RTPROT_BGPMUX), N);
	ck_assert_int_eq(knl_routes_dump(nl, &f, gw_count, &via3), 0);
	ck_assert_uint_eq(via3, 1000);

	/* Half deleted (the even ones). */
	for (uint32_t i = 0; i < N / 2; i++)
		v[i] = route4(2 * i, TABLE, "10.77.0.2");
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_DEL, v, N / 2, NULL, NULL, &failed, NULL), 0);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(count(AF_INET, TABLE, KMSG_RTPROT_BGPMUX), N / 2);

	/* IPv6 beside it. */
	for (uint32_t i = 0; i < 100; i++) {
		struct kroute r = { .family = AF_INET6, .dst_len = 48, .table = TABLE,
		                    .has_gw = true };
		inet_pton(AF_INET6, "2001:db8:1000::", r.dst);
		r.dst[4] = (uint8_t)i;
		inet_pton(AF_INET6, "2001:db8:77::2", r.gw);
		v[i] = r;
	}
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, v, 100, NULL, NULL, &failed, NULL), 0);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(count(AF_INET6, TABLE, KMSG_RTPROT_BGPMUX), 100);
	ck_assert_uint_eq(count(0, TABLE, KMSG_RTPROT_BGPMUX), N / 2 + 100);
	free(v);
	knl_close(nl);
}
END_TEST

struct refusals {
	int n;
	int err[4];
	char line[4][256];
};

static void refused(const struct kroute *r, int err, const char *ext, void *arg)
{
	struct refusals *s = arg;

	if (s->n < 4) {
		s->err[s->n] = err;
		kroute_error_str(r, err, ext, s->line[s->n], sizeof s->line[s->n]);
	}
	s->n++;
}

/* Two unreachable gateways in 300 routes, one in each sendmsg of 256. */
START_TEST(test_route_refused)
{
	struct kroute v[300];
	struct refusals s = { 0 };
	size_t failed;

	setup_netns();
	for (uint32_t i = 0; i < 300; i++)
		v[i] = route4(i, TABLE, "10.77.0.2");
	v[5] = route4(5, TABLE, "10.99.0.1");
	v[280] = route4(280, TABLE, "10.99.0.1");
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, v, 300, refused, &s, &failed, NULL), 0);
	ck_assert_uint_eq(failed, 2);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.err[0], ENETUNREACH);
	ck_assert_int_eq(s.err[1], ENETUNREACH);
	ck_assert_msg(strstr(s.line[0], "172.16.5.0/24 via 10.99.0.1 table 20001") &&
	              strstr(s.line[0], strerror(ENETUNREACH)), "%s", s.line[0]);
	ck_assert_msg(strstr(s.line[1], "172.17.24.0/24 via 10.99.0.1 table 20001"), "%s",
	              s.line[1]);
	ck_assert_uint_eq(count(AF_INET, TABLE, KMSG_RTPROT_BGPMUX), 298);
	knl_close(nl);
}
END_TEST

/* A batch the socket refuses as a whole: a send buffer smaller than one
 * sendmsg of KNL_BATCH_MAX routes (EMSGSIZE), then a socket that is gone
 * (ENOTSOCK). Nothing is given to fail; *done says where the unknown
 * starts, and every route from there is counted failed. */
START_TEST(test_batch_socket_failure)
{
	struct kroute v[300];
	struct refusals s = { 0 };
	size_t failed, done;
	int fd, small = 1;

	setup_netns();
	for (uint32_t i = 0; i < 300; i++)
		v[i] = route4(i, TABLE, "10.77.0.2");
	fd = mnl_socket_get_fd(nl->sock);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, v, 300, refused, &s, &failed, &done),
	                 -EMSGSIZE);
	ck_assert_uint_eq(done, 0);
	ck_assert_uint_eq(failed, 300);
	ck_assert_int_eq(s.n, 0);
	ck_assert_msg(strstr(knl_error(nl), "batch of 256 messages at 0") &&
	              strstr(knl_error(nl), strerror(EMSGSIZE)), "%s", knl_error(nl));
	ck_assert_uint_eq(count(AF_INET, TABLE, 0), 0);
	/* One message a sendmsg still goes through. */
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, v, 1, refused, &s, &failed, &done), 0);
	ck_assert_uint_eq(done, 1);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(count(AF_INET, TABLE, 0), 1);

	int null = open("/dev/null", O_RDWR);
	ck_assert_int_ge(null, 0);
	ck_assert_int_eq(dup2(null, fd), fd);
	close(null);
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, v + 1, 10, refused, &s, &failed, &done),
	                 -ENOTSOCK);
	ck_assert_uint_eq(done, 0);
	ck_assert_uint_eq(failed, 10);
	ck_assert_int_eq(s.n, 0);
	knl_close(nl);
}
END_TEST

static void onlink_seen(const struct kroute *r, void *arg)
{
	if (r->onlink && r->oif != 0)
		(*(int *)arg)++;
}

/* A gateway no address of the host covers: refused, but taken onlink on
 * the interface named (an inbound route to a client's address). */
START_TEST(test_route_onlink)
{
	struct kroute r = route4(1, TABLE, "10.99.0.1");
	struct kroute_filter f = { AF_INET, KMSG_RTPROT_BGPMUX, TABLE, TABLE };
	size_t failed;
	int seen = 0;

	setup_netns();
	r.oif = vp0;
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, &r, 1, NULL, NULL, &failed, NULL), 0);
	ck_assert_uint_eq(failed, 1);
	r.onlink = true;
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, &r, 1, NULL, NULL, &failed, NULL), 0);
	ck_assert_uint_eq(failed, 0);
	ck_assert_int_eq(knl_routes_dump(nl, &f, onlink_seen, &seen), 0);
	ck_assert_int_eq(seen, 1);
	knl_close(nl);
}
END_TEST

/* The clean-up removes muxd's routes in its range and nothing else. */
START_TEST(test_flush)
{
	struct kroute v[600];
	struct kroute_filter range = { 0, 0, 20000, 20999 };
	uint8_t buf[KMSG_MAX];
	size_t failed, removed;

	setup_netns();
	for (uint32_t i = 0; i < 600; i++)
		v[i] = route4(i, i < 300 ? TABLE : 20500, "10.77.0.2");
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, v, 600, NULL, NULL, &failed, NULL), 0);
	ck_assert_uint_eq(failed, 0);
	struct kroute outside = route4(1, 30000, "10.77.0.2");
	ck_assert_int_eq(knl_routes_apply(nl, KROUTE_ADD, &outside, 1, NULL, NULL, &failed, NULL), 0);
	/* Another protocol's route (static) in one of our tables. */
	struct kroute foreign = route4(4000, TABLE, "10.77.0.2");
	foreign.protocol = RTPROT_STATIC;
	ck_assert_msg(knl_request(nl, kmsg_route(buf, KROUTE_ADD, &foreign), NULL, NULL,
	                          "static") == 0, "%s", knl_error(nl));
	ck_assert_uint_eq(count(AF_INET, TABLE, 0), 301);

	ck_assert_msg(knl_routes_flush(nl, &range, &removed) == 0, "%s", knl_error(nl));
	ck_assert_uint_eq(removed, 600);
	ck_assert_uint_eq(count(0, TABLE, KMSG_RTPROT_BGPMUX), 0);
	ck_assert_uint_eq(count(0, 20500, 0), 0);
	ck_assert_uint_eq(count(AF_INET, TABLE, RTPROT_STATIC), 1);
	ck_assert_uint_eq(count(AF_INET, 30000, KMSG_RTPROT_BGPMUX), 1);
	ck_assert_int_eq(knl_routes_flush(nl, &range, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	knl_close(nl);
}
END_TEST

/* The codec alone: a route message parses back to what was built, and a
 * truncated attribute is refused. */
START_TEST(test_codec_round_trip)
{
	uint8_t buf[KMSG_MAX];
	struct kroute r = route4(3, TABLE, "10.77.0.2"), back;

	r.oif = 7;
	r.protocol = KMSG_RTPROT_BGPMUX;
	struct nlmsghdr *nlh = kmsg_route(buf, KROUTE_ADD, &r);
	ck_assert_int_eq(kmsg_route_parse(nlh, &back), 0);
	ck_assert_mem_eq(&back, &r, sizeof r);

	/* RTA_DST of 3 bytes in an IPv4 route. */
	struct nlattr *dst = (struct nlattr *)((uint8_t *)mnl_nlmsg_get_payload(nlh) +
	                                       MNL_ALIGN(sizeof(struct rtmsg)));
	dst = mnl_attr_next(dst); /* RTA_TABLE comes first */
	ck_assert_uint_eq(mnl_attr_get_type(dst), RTA_DST);
	dst->nla_len = MNL_ATTR_HDRLEN + 3;
	ck_assert_int_eq(kmsg_route_parse(nlh, &back), -EINVAL);
}
END_TEST

struct devconf_seen {
	uint32_t v[IPV4_DEVCONF_MAX + 1];
	size_t n;
};

static int devconf_attr(const struct nlattr *a, void *data)
{
	struct devconf_seen *seen = data;

	ck_assert_uint_eq(mnl_attr_get_payload_len(a), 4);
	ck_assert_uint_le(mnl_attr_get_type(a), IPV4_DEVCONF_MAX);
	seen->v[mnl_attr_get_type(a)] = mnl_attr_get_u32(a);
	seen->n++;
	return MNL_CB_OK;
}

/* The only attribute of the nest a, of type type. */
static const struct nlattr *only_nested(const struct nlattr *a, uint16_t type)
{
	const struct nlattr *in = mnl_attr_get_payload(a);

	ck_assert_uint_eq(mnl_attr_get_type(in), type);
	ck_assert_uint_eq(MNL_ALIGN(in->nla_len), mnl_attr_get_payload_len(a));
	return in;
}

/* IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF, each setting an attribute of
 * its IPV4_DEVCONF_* type (what the kernel's inet_set_link_af reads). */
START_TEST(test_codec_inet_conf)
{
	static const struct kdevconf conf[] = {
		{ IPV4_DEVCONF_ARP_IGNORE, 1 }, { IPV4_DEVCONF_RP_FILTER, 2 },
	};
	uint8_t buf[KMSG_MAX];
	struct devconf_seen seen = { { 0 }, 0 };
	struct nlmsghdr *nlh = kmsg_link_inet_conf(buf, 42, conf, 2);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ck_assert_uint_eq(nlh->nlmsg_type, RTM_SETLINK);
	ck_assert(nlh->nlmsg_flags & NLM_F_ACK);
	ck_assert_int_eq(ifi->ifi_index, 42);
	const struct nlattr *spec = mnl_nlmsg_get_payload_offset(nlh, sizeof *ifi);
	ck_assert_uint_eq(mnl_attr_get_type(spec), IFLA_AF_SPEC);
	ck_assert_uint_eq(MNL_ALIGN(spec->nla_len) + MNL_NLMSG_HDRLEN +
	                  MNL_ALIGN(sizeof *ifi), nlh->nlmsg_len);
	const struct nlattr *conf_nest = only_nested(only_nested(spec, AF_INET),
	                                             IFLA_INET_CONF);
	ck_assert_int_ge(mnl_attr_parse_nested(conf_nest, devconf_attr, &seen), 0);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_uint_eq(seen.v[IPV4_DEVCONF_ARP_IGNORE], 1);
	ck_assert_uint_eq(seen.v[IPV4_DEVCONF_RP_FILTER], 2);
}
END_TEST

static Suite *kernel_suite(void)
{
	Suite *s = suite_create("kernel");
	TCase *codec = tcase_create("codec");
	TCase *tc = tcase_create("netns");

	tcase_add_test(codec, test_codec_round_trip);
	tcase_add_test(codec, test_codec_inet_conf);
	suite_add_tcase(s, codec);
	if (geteuid() != 0) {
		printf("test_kernel: netns tests SKIPPED: not root (they need a network namespace)\n");
		return s;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_macvlan_address_up);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_routes_batch);
	tcase_add_test(tc, test_route_refused);
	tcase_add_test(tc, test_batch_socket_failure);
	tcase_add_test(tc, test_route_onlink);
	tcase_add_test(tc, test_flush);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(kernel_suite());
}
