/*
 * knl.h — muxd's kernel state through rtnetlink (libmnl): macvlan links,
 * addresses, policy rules and routes in tables of its own.
 *
 * Every function returns 0 or a negative errno, and never stops the
 * process: on failure knl_error() says what failed and why ("macvlan
 * mux-a on ifindex 3: File exists"), for the caller to log. Each call
 * waits only for the kernel's answer to what it sent (a receive timeout
 * bounds the wait); route batches go KNL_BATCH_MAX messages per sendmsg.
 *
 * What muxd owns is marked: its routes by rtm_protocol KMSG_RTPROT_BGPMUX
 * in a table range, its rules by a priority; the flush functions remove
 * exactly those, at start (what a previous run left) and at stop.
 */
#ifndef BGPMUX_KNL_H
#define BGPMUX_KNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/kernel/kmsg.h"

/* Messages per sendmsg in a route batch. */
#define KNL_BATCH_MAX 256

struct knl;

/* A NETLINK_ROUTE socket with a large receive buffer. *out is NULL on
 * failure. */
int knl_open(struct knl **out);
void knl_close(struct knl *nl);
/* What the last failed call failed at, and why. */
const char *knl_error(const struct knl *nl);

/* One reply message of a request or a dump; a negative return stops the
 * callbacks and becomes the call's result. */
typedef int knl_reply_fn(const struct nlmsghdr *nlh, void *arg);

/* Sends one request built by kmsg.h (it must ask for an ACK) and waits for
 * its ACK; other replies go to cb (may be NULL). what names the object for
 * knl_error. */
int knl_request(struct knl *nl, struct nlmsghdr *req, knl_reply_fn *cb, void *arg,
                const char *what);
/* Sends a dump request and gives every message of the dump to cb. */
int knl_dump(struct knl *nl, struct nlmsghdr *req, knl_reply_fn *cb, void *arg,
             const char *what);

/* Links. */
int knl_macvlan_add(struct knl *nl, const char *name, uint32_t parent,
                    const uint8_t mac[6]);
int knl_link_del(struct knl *nl, uint32_t ifindex);
int knl_link_index(struct knl *nl, const char *name, uint32_t *ifindex);
int knl_link_up(struct knl *nl, uint32_t ifindex);
/* A link as a dump lists it: kind is its IFLA_INFO_KIND ("" for none),
 * parent its IFLA_LINK (0 for none), mac its address when has_mac. */
struct klink {
	uint32_t index, parent;
	char name[IF_NAMESIZE];
	char kind[16];
	bool has_mac;
	uint8_t mac[6];
};
typedef void knl_link_fn(const struct klink *l, void *arg);
/* Every link of the namespace, to cb. */
int knl_links_dump(struct knl *nl, knl_link_fn *cb, void *arg);
/* arp_ignore=1, arp_announce=2 (each instance answers ARP only for its
 * own address, on its own interface) and rp_filter=2 (loose: a packet's
 * source may route out of another interface), through netlink
 * (kmsg_link_inet_conf): CAP_NET_ADMIN suffices, so muxd sets them after
 * it dropped root too, at a reload. */
int knl_link_devconf(struct knl *nl, uint32_t ifindex);

/* Addresses (AF_INET: 4 bytes, AF_INET6: 16). */
int knl_addr_add(struct knl *nl, uint32_t ifindex, uint8_t family,
                 const uint8_t *addr, uint8_t prefixlen);
int knl_addr_del(struct knl *nl, uint32_t ifindex, uint8_t family,
                 const uint8_t *addr, uint8_t prefixlen);

/* Rules "iif NAME lookup TABLE priority PRIO". */
int knl_rule_add(struct knl *nl, const struct krule *r);
int knl_rule_del(struct knl *nl, const struct krule *r);
/* Every rule of a family (0: IPv4 and IPv6) with this priority, to cb. */
typedef void knl_rule_fn(const struct krule *r, void *arg);
int knl_rules_dump(struct knl *nl, uint8_t family, uint32_t priority,
                   knl_rule_fn *cb, void *arg);
/* Deletes every IPv4 and IPv6 rule with this priority. */
int knl_rules_flush(struct knl *nl, uint32_t priority, size_t *removed);

/* Routes. */

/* Which routes a dump keeps: family 0 is IPv4 and IPv6; protocol 0 is
 * any. */
struct kroute_filter {
	uint8_t family;
	uint8_t protocol;
	uint32_t table_min, table_max;
};

/* A route the kernel refused: err is the errno, ext the kernel's own
 * words (or NULL). kroute_error_str makes the log line of it. */
typedef void knl_route_fail_fn(const struct kroute *r, int err, const char *ext,
                               void *arg);
const char *kroute_error_str(const struct kroute *r, int err, const char *ext,
                             char *buf, size_t len);

/*
 * Adds, replaces or deletes n routes, KNL_BATCH_MAX per sendmsg; each gets
 * muxd's protocol. A refused route is given to fail (may be NULL) and
 * counted in *failed; the others still go in. Returns 0 when every
 * message reached the kernel (*done is n). When the socket fails a batch
 * as a whole (the kernel refuses the sendmsg itself, ENOBUFS, no answer)
 * it stops there and returns the negative errno: v[0 .. *done) had their
 * fate told, v[*done .. n) did not (the kernel may have taken some of
 * them; none was given to fail) and are counted in *failed too. done may
 * be NULL.
 */
int knl_routes_apply(struct knl *nl, enum kroute_op op, const struct kroute *v,
                     size_t n, knl_route_fail_fn *fail, void *arg, size_t *failed,
                     size_t *done);

typedef void knl_route_fn(const struct kroute *r, void *arg);
int knl_routes_dump(struct knl *nl, const struct kroute_filter *f,
                    knl_route_fn *cb, void *arg);
int knl_routes_count(struct knl *nl, const struct kroute_filter *f, size_t *n);
/* Deletes every route of muxd's protocol in the filter's tables (the
 * filter's protocol is ignored); in rounds of a bounded size. */
int knl_routes_flush(struct knl *nl, const struct kroute_filter *f, size_t *removed);

#endif
