/*
 * c2c.c — the gateway's routes to the clients of an instance.
 */
#include "instances/c2c.h"

#include <string.h>

#include "views/originated.h"

void c2c_send(struct client *c, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner)
{
	if (c->session == NULL || c->retiring || strcmp(c->cfg.name, owner) == 0)
		return;
	originated_send(NULL, c->session, p, attrs, len);
}

static void joined_cb(const struct bgp_prefix *p, const uint8_t *attrs, size_t len,
    const char *owner, void *arg)
{
	c2c_send(arg, p, attrs, len, owner);
}

void c2c_client_joined(struct gateway *gw, const char *upstream, struct client *c)
{
	gateway_each(gw, upstream, joined_cb, c);
}
