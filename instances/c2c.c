/*
 * c2c.c — the other clients' routes on one instance: a small table per
 * family (the clients' allocations: hundreds of routes, scanned
 * linearly), each route an attribute set of the instance's own store.
 */
#include "instances/c2c.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/lib/log.h"
#include "muxd/rib/attrset.h"

/* The gateway's attribute blocks are 4096-byte UPDATEs' at most. */
#define C2C_ATTRS_MAX 4096

struct c2c_family {
	struct fanout_route *v;         /* path id 0; each holds its set */
	char **owner;
	size_t n, cap;
	uint8_t nh[16];                 /* the next hop routes get … */
	size_t nh_len;                  /* … 0: not sent */
};

struct c2c {
	struct attrstore *store;
	struct c2c_family fam[AID_RIB_MAX];
};

struct c2c *c2c_new(const struct sockaddr_mux *addr)
{
	struct c2c *t = xcalloc(1, sizeof *t);
	struct c2c_family *v4 = &t->fam[AID_IPV4_UNICAST];
	struct c2c_family *v6 = &t->fam[AID_IPV6_UNICAST];

	t->store = attrstore_new();
	if (sockaddr_family(addr) == AF_INET) {
		memcpy(v4->nh, &addr->u.sin.sin_addr, 4);
		v4->nh_len = 4;
		v6->nh[10] = v6->nh[11] = 0xff;         /* ::ffff:a.b.c.d */
		memcpy(v6->nh + 12, &addr->u.sin.sin_addr, 4);
		v6->nh_len = 16;
	} else if (sockaddr_family(addr) == AF_INET6) {
		memcpy(v6->nh, &addr->u.sin6.sin6_addr, 16);
		v6->nh_len = 16;
	}
	return t;
}

void c2c_free(struct c2c *t)
{
	if (t == NULL)
		return;
	FOR_EACH_RIB_AID(aid) {
		struct c2c_family *f = &t->fam[aid];
		for (size_t i = 0; i < f->n; i++) {
			attrset_put(f->v[i].set);
			free(f->owner[i]);
		}
		free(f->v);
		free(f->owner);
	}
	attrstore_free(t->store);
	free(t);
}

static size_t find(const struct c2c_family *f, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].p.len == p->len && memcmp(f->v[i].p.addr, p->addr, sizeof p->addr) == 0)
			return i;
	return SIZE_MAX;
}

/* The set for attrs with f's next hop; NULL when they do not decode. */
static struct attrset *intern(struct c2c *t, const struct c2c_family *f, uint16_t afi,
    const uint8_t *attrs, size_t len)
{
	struct bgp_codec_ctx canon = { .as4 = true, .ebgp = false, .max_len = BGP_EXT_MAX_LEN };
	uint8_t scratch[BGP_ATTR_SCRATCH(C2C_ATTRS_MAX)];
	struct bgp_attrs a;
	struct bgp_err err;

	if (len > C2C_ATTRS_MAX || !bgp_attrs_decode(attrs, len, &canon, scratch,
	    sizeof scratch, &a, &err) || err.tier != BGP_TIER_OK)
		return NULL;
	a.present &= ~BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	if (afi == BGP_AFI_IPV4) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		memcpy(a.next_hop, f->nh, 4);
	}
	return attrset_intern(t->store, &a, f->nh, f->nh_len);
}

static void remove_at(struct c2c_family *f, size_t i)
{
	attrset_put(f->v[i].set);
	free(f->owner[i]);
	f->n--;
	f->v[i] = f->v[f->n];
	f->owner[i] = f->owner[f->n];
}

static size_t append(struct c2c_family *f, const struct bgp_prefix *p)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->v = xreallocarray(f->v, f->cap, sizeof *f->v);
		f->owner = xreallocarray(f->owner, f->cap, sizeof *f->owner);
	}
	f->v[f->n].p = *p;
	f->v[f->n].set = NULL;
	f->owner[f->n] = NULL;
	return f->n++;
}

bool c2c_change(struct c2c *t, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, struct attrset **set)
{
	struct c2c_family *f;
	struct bgp_prefix q = *p;
	enum bgp_aid aid = bgp_aid_unicast(p->afi);

	*set = NULL;
	if (!bgp_aid_is_rib(aid))
		return false;
	f = &t->fam[aid];
	if (f->nh_len == 0)
		return false;
	q.path_id = 0;
	size_t i = find(f, &q);
	struct attrset *s = len ? intern(t, f, p->afi, attrs, len) : NULL;
	if (s == NULL) {
		if (i == SIZE_MAX)
			return false;
		remove_at(f, i);
		return true;
	}
	if (i != SIZE_MAX && f->v[i].set == s && strcmp(f->owner[i], owner) == 0) {
		attrset_put(s);
		return false;
	}
	if (i == SIZE_MAX)
		i = append(f, &q);
	attrset_put(f->v[i].set);
	free(f->owner[i]);
	f->v[i].set = s;
	f->owner[i] = xstrdup(owner);
	*set = s;
	return true;
}

size_t c2c_routes(const struct c2c *t, uint16_t afi, const struct fanout_route **r,
    char *const **owner)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);

	if (!bgp_aid_is_rib(aid))
		return 0;
	*r = t->fam[aid].v;
	*owner = t->fam[aid].owner;
	return t->fam[aid].n;
}
