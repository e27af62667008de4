/*
 * originated.h — the routes the gateway itself originates toward one
 * upstream (its clients' routes, rewritten: instances/origin.h decides
 * them), and the UPDATEs that carry them on the upstream's session.
 *
 * The table keeps each prefix's attribute block as instances hand it
 * over: canonical 4-octet form, ORIGIN and AS_PATH, no next hop. The next
 * hop is the session's own: its local TCP address (NEXT_HOP for IPv4, the
 * MP_REACH next hop for IPv6). For the other family than the session's
 * transport the gateway has no address on the session: the configured one
 * (upstream "next_hop_ipv4" / "next_hop_ipv6") is used; without it IPv6
 * routes on an IPv4 session get the IPv4-mapped ::ffff:a.b.c.d (which
 * BIRD refuses) and IPv4 routes on an IPv6 session are not sent. The view
 * sends the whole table when its session comes up, and each change while
 * it is up.
 */
#ifndef BGPMUX_ORIGINATED_H
#define BGPMUX_ORIGINATED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/engine/session.h"
#include "muxd/lib/sockaddr.h"

struct originated;

struct originated *originated_new(void);
void originated_free(struct originated *o);

/* Set p's attributes (len > 0) or remove it (len 0). True when that
 * changed the table. */
bool originated_set(struct originated *o, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len);
size_t originated_count(const struct originated *o);
/* The attribute block held for p, NULL if none. */
const uint8_t *originated_get(const struct originated *o, const struct bgp_prefix *p,
    size_t *len);

/* Next hops for the family the session's transport is not (NULL: none). */
struct originated_nh {
	const struct sockaddr_mux *v4, *v6;
};
void originated_set_next_hops(struct originated *o, const struct sockaddr_mux *v4,
    const struct sockaddr_mux *v6);

/* One UPDATE for p in w: the announcement with the session's next hop
 * (attrs, len > 0) or the withdrawal (len 0), encoded as tx says. Returns
 * its length; 0 when it cannot be sent there (family without a next hop
 * on this session, attributes that do not decode, no room). other may be
 * NULL. */
size_t originated_encode(struct wbuf *w, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len, const struct bgp_codec_ctx *tx,
    const struct sockaddr_mux *local, const struct originated_nh *other);

/* Send p's change on s when s is Established and negotiated p's family,
 * with o's next hops for the other family (o may be NULL). True when an
 * UPDATE went. */
bool originated_send(const struct originated *o, struct session *s,
    const struct bgp_prefix *p, const uint8_t *attrs, size_t len);
/* Every route of the table on s; returns how many went. */
size_t originated_send_all(const struct originated *o, struct session *s);
/* The routes of family afi on s (the neighbor asked for them again with a
 * ROUTE-REFRESH); returns how many went. */
size_t originated_send_afi(const struct originated *o, struct session *s, uint16_t afi);

#endif
