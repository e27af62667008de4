/*
 * c2c.h — client_to_client: on an instance configured with it, each
 * client gets the other clients' routes as the gateway announces them to
 * the instance's upstream (rewritten: the gateway's AS path, no client
 * community, no MED), with the instance's address as next hop. A client
 * never gets its own routes back. The routes come when the client joins
 * and with every change after.
 *
 * Caveat: a client without ADD-PATH holds one path per prefix; a client
 * route whose prefix the upstream's view also carries replaces the view's
 * path at that client (and the other way round). Path id 0 is used.
 */
#ifndef BGPMUX_C2C_H
#define BGPMUX_C2C_H

#include <stddef.h>
#include <stdint.h>

#include "instances/client.h"
#include "instances/gateway.h"

/* One route (len 0: withdrawal) to c, unless c is its owner or not
 * Established. */
void c2c_send(struct client *c, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner);
/* Everything the upstream holds, to a client that just joined. */
void c2c_client_joined(struct gateway *gw, const char *upstream, struct client *c);

#endif
