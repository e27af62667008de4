/*
 * kmsg.h — the codec of the rtnetlink messages muxd sends and the replies
 * it reads: links, addresses, rules, routes. Pure functions over buffers
 * (libmnl's message and attribute helpers); no sockets.
 *
 * A builder writes one request at buf, which has KMSG_MAX bytes of room,
 * and returns its header; the socket layer (knl.h) sets the sequence
 * number and sends it. A parser takes one message of a reply and checks
 * every attribute it reads (type and length, mnl_attr_validate).
 */
#ifndef BGPMUX_KMSG_H
#define BGPMUX_KMSG_H

#include <linux/netlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any one request built here (an interface name and two
 * addresses at most). */
#define KMSG_MAX 512

/*
 * The rtm_protocol of every route muxd installs: what a restart looks for
 * to clean exactly what it owns. Not in iproute2's rt_protos or FRR's
 * rt_protos.d, and not BIRD's 12.
 */
#define KMSG_RTPROT_BGPMUX 113

/* A route in a table of its own (RTA_TABLE: tables above 255). */
struct kroute {
	uint8_t family;    /* AF_INET or AF_INET6 */
	uint8_t dst_len;   /* prefix length */
	bool has_gw;
	uint8_t protocol;  /* rtm_protocol: KMSG_RTPROT_BGPMUX for ours */
	uint32_t table;
	uint32_t oif;      /* output ifindex; 0: none */
	/* the gateway is on oif's link though no address of the host covers
	 * it (RTNH_F_ONLINK; needs oif) */
	bool onlink;
	uint8_t dst[16];   /* 4 bytes used for AF_INET */
	uint8_t gw[16];
};

/* A policy rule "iif NAME lookup TABLE priority PRIO". */
struct krule {
	uint8_t family;
	uint32_t table;
	uint32_t priority;
	char iifname[IF_NAMESIZE]; /* "" when the rule has no iif */
};

enum kroute_op { KROUTE_ADD, KROUTE_REPLACE, KROUTE_DEL };

/* Address length of an AF_INET/AF_INET6 family; 0 for any other. */
size_t kmsg_addr_len(uint8_t family);

/* "203.0.113.0/24 table 20001" (and " via GW" with a gateway). */
const char *kroute_str(const struct kroute *r, char *buf, size_t len);

/* Links. name: an interface name (shorter than IF_NAMESIZE). */
struct nlmsghdr *kmsg_macvlan_new(void *buf, const char *name, uint32_t parent,
                                  const uint8_t mac[6]);
struct nlmsghdr *kmsg_link_del(void *buf, uint32_t ifindex);
struct nlmsghdr *kmsg_link_get(void *buf, const char *name);
struct nlmsghdr *kmsg_link_up(void *buf, uint32_t ifindex);
/* One IPv4 setting of an interface: id an IPV4_DEVCONF_* (1-based, what
 * the kernel's IFLA_INET_CONF attribute types are), its u32 value. */
struct kdevconf {
	uint16_t id;
	uint32_t value;
};
/* RTM_SETLINK with IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF: the
 * interface's IPv4 settings (the /proc/sys/net/ipv4/conf/IF/ ones) with
 * CAP_NET_ADMIN alone; /proc's files need root's DAC permission. n at
 * most KMSG_DEVCONF_MAX. */
#define KMSG_DEVCONF_MAX 16
struct nlmsghdr *kmsg_link_inet_conf(void *buf, uint32_t ifindex,
                                     const struct kdevconf *v, size_t n);

/* Addresses: add (NLM_F_CREATE|NLM_F_EXCL) or delete. */
struct nlmsghdr *kmsg_addr(void *buf, bool add, uint32_t ifindex, uint8_t family,
                           const uint8_t *addr, uint8_t prefixlen);

/* Rules: add or delete; a dump request of one family. */
struct nlmsghdr *kmsg_rule(void *buf, bool add, const struct krule *r);
struct nlmsghdr *kmsg_rule_dump(void *buf, uint8_t family);

/* Routes: one change; a dump request of one family. */
struct nlmsghdr *kmsg_route(void *buf, enum kroute_op op, const struct kroute *r);
struct nlmsghdr *kmsg_route_dump(void *buf, uint8_t family);

/* Replies. Each returns 0, or -EINVAL for a malformed message. */
int kmsg_link_parse(const struct nlmsghdr *nlh, uint32_t *ifindex);
int kmsg_rule_parse(const struct nlmsghdr *nlh, struct krule *out);
/* A unicast route of the main kind (no multipath); -ENOENT for others
 * (broadcast, local, cache entries, multipath), which muxd never makes. */
int kmsg_route_parse(const struct nlmsghdr *nlh, struct kroute *out);
/* An NLMSG_ERROR: *err is the positive errno (0 for an ACK); *ext the
 * kernel's extended-ACK text when there is one (else NULL). */
int kmsg_error_parse(const struct nlmsghdr *nlh, int *err, const char **ext);

#endif
