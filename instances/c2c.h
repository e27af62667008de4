/*
 * c2c.h — client_to_client: on an instance configured with it, each
 * client gets the other clients' routes as the gateway announces them to
 * the instance's upstream (rewritten: the gateway's AS path, no client
 * community, no MED), with the instance's address as next hop. A client
 * never gets its own routes back.
 *
 * The instance keeps them here, one route per prefix, each an attribute
 * set interned with that next hop, and sends them as it sends the view's
 * routes: changes through its export log (export.h), the whole table by
 * the walk of a client that joins or asks for a ROUTE-REFRESH (walk.h) —
 * so a joining client gets them with no gap and no duplicate, and a
 * client with enhanced route refresh still holds them after End of Route
 * Refresh.
 *
 * The next hop: IPv4 routes get the instance's IPv4 address (an instance
 * with an IPv6 address does not send them); IPv6 routes get its IPv6
 * address, or on an IPv4 instance the IPv4-mapped ::ffff:a.b.c.d (which
 * BIRD refuses on a plain IPv6 session).
 *
 * Caveat: a client without ADD-PATH holds one path per prefix; a client
 * route whose prefix the upstream's view also carries replaces the view's
 * path at that client (and the other way round). Path id 0 is used.
 */
#ifndef BGPMUX_C2C_H
#define BGPMUX_C2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "instances/fanout.h"
#include "muxd/lib/sockaddr.h"

struct c2c;

/* addr: the instance's (the routes' next hop). */
struct c2c *c2c_new(const struct sockaddr_mux *addr);
void c2c_free(struct c2c *t);

/*
 * The gateway's change for p: attrs (canonical form, no next hop) with
 * len > 0, or withdrawn (len 0), owner's. True when the clients are to be
 * told: *set is the route's set (valid until the next change; NULL for a
 * withdrawal). False for a change they never see: a route the instance
 * cannot send (see the next hop above) and the withdrawal of one it does
 * not hold. Attributes that do not decode withdraw the prefix.
 */
bool c2c_change(struct c2c *t, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, struct attrset **set);

/* The routes of afi: r and owner are parallel arrays of the count
 * returned, valid until the next change. */
size_t c2c_routes(const struct c2c *t, uint16_t afi, const struct fanout_route **r,
    char *const **owner);

#endif
