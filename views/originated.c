/*
 * originated.c — the gateway's own routes toward one upstream: a small
 * table (clients' allocations: hundreds of routes, scanned linearly) and
 * the UPDATE for each.
 */
#include "views/originated.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/xalloc.h"

struct own_route {
	struct bgp_prefix p;
	uint8_t *attrs;
	size_t len;
};

struct originated {
	struct own_route *v;
	size_t n, cap;
	struct sockaddr_mux nh4, nh6;   /* len 0: none configured */
	struct originated_nh other;
};

struct originated *originated_new(void)
{
	return xcalloc(1, sizeof(struct originated));
}

void originated_free(struct originated *o)
{
	if (o == NULL)
		return;
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].attrs);
	free(o->v);
	free(o);
}

static size_t find(const struct originated *o, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].p.afi == p->afi && o->v[i].p.len == p->len &&
		    memcmp(o->v[i].p.addr, p->addr, sizeof p->addr) == 0)
			return i;
	return SIZE_MAX;
}

bool originated_set(struct originated *o, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len)
{
	size_t i = find(o, p);

	if (len == 0) {
		if (i == SIZE_MAX)
			return false;
		free(o->v[i].attrs);
		o->v[i] = o->v[--o->n];
		return true;
	}
	if (i != SIZE_MAX && o->v[i].len == len && memcmp(o->v[i].attrs, attrs, len) == 0)
		return false;
	if (i == SIZE_MAX) {
		o->v = xgrow_array(o->v, &o->cap, o->n + 1, sizeof *o->v);
		i = o->n++;
		o->v[i].p = *p;
		o->v[i].p.path_id = 0;
		o->v[i].attrs = NULL;
	}
	free(o->v[i].attrs);
	o->v[i].attrs = xmalloc(len);
	memcpy(o->v[i].attrs, attrs, len);
	o->v[i].len = len;
	return true;
}

size_t originated_count(const struct originated *o) { return o->n; }

void originated_set_next_hops(struct originated *o, const struct sockaddr_mux *v4,
    const struct sockaddr_mux *v6)
{
	memset(&o->nh4, 0, sizeof o->nh4);
	memset(&o->nh6, 0, sizeof o->nh6);
	if (v4)
		o->nh4 = *v4;
	if (v6)
		o->nh6 = *v6;
	o->other.v4 = o->nh4.len ? &o->nh4 : NULL;
	o->other.v6 = o->nh6.len ? &o->nh6 : NULL;
}

const uint8_t *originated_get(const struct originated *o, const struct bgp_prefix *p,
    size_t *len)
{
	size_t i = find(o, p);
	if (i == SIZE_MAX)
		return NULL;
	*len = o->v[i].len;
	return o->v[i].attrs;
}

/* The session's next hop for afi: 4 or 16 bytes, 0 if there is none. */
static size_t next_hop_for(uint16_t afi, const struct sockaddr_mux *local,
    const struct originated_nh *other, uint8_t nh[16])
{
	int fam = local->len ? sockaddr_family(local) : AF_UNSPEC;

	if (other && afi == BGP_AFI_IPV4 && fam != AF_INET && other->v4)
		local = other->v4, fam = AF_INET;
	if (other && afi == BGP_AFI_IPV6 && fam != AF_INET6 && other->v6)
		local = other->v6, fam = AF_INET6;

	if (afi == BGP_AFI_IPV4 && fam == AF_INET) {
		memcpy(nh, &local->u.sin.sin_addr, 4);
		return 4;
	}
	if (afi == BGP_AFI_IPV6 && fam == AF_INET6) {
		memcpy(nh, &local->u.sin6.sin6_addr, 16);
		return 16;
	}
	if (afi == BGP_AFI_IPV6 && fam == AF_INET) {    /* ::ffff:a.b.c.d */
		memset(nh, 0, 10);
		nh[10] = nh[11] = 0xff;
		memcpy(nh + 12, &local->u.sin.sin_addr, 4);
		return 16;
	}
	return 0;
}

/* The attribute block for the session: decoded from the canonical form,
 * NEXT_HOP added for IPv4, encoded for tx (a 2-octet upstream gets
 * AS_TRANS and AS4_PATH). */
static size_t session_attrs(struct wbuf *w, const uint8_t *attrs, size_t len,
    const struct bgp_codec_ctx *tx, uint16_t afi, const uint8_t *nh)
{
	struct bgp_codec_ctx canon = { .as4 = true, .ebgp = false, .max_len = BGP_EXT_MAX_LEN };
	uint8_t scratch[BGP_ATTR_SCRATCH(4096)];
	struct bgp_attrs a;
	struct bgp_err err;

	if (len > 4096 || !bgp_attrs_decode(attrs, len, &canon, scratch, sizeof scratch,
	    &a, &err) || err.tier != BGP_TIER_OK)
		return 0;
	if (afi == BGP_AFI_IPV4) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		memcpy(a.next_hop, nh, 4);
	}
	bgp_attrs_encode(w, &a, tx);
	return w->overflow ? 0 : w->len;
}

size_t originated_encode(struct wbuf *w, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len, const struct bgp_codec_ctx *tx,
    const struct sockaddr_mux *local, const struct originated_nh *other)
{
	uint8_t nh[16], ab[4200];
	struct wbuf aw = wbuf_make(ab, sizeof ab);
	size_t nh_len = next_hop_for(p->afi, local, other, nh);
	struct bgp_pack_spec spec = {
		.afi = p->afi, .safi = BGP_SAFI_UNICAST,
		.addpath = bgp_ctx_addpath(tx, p->afi),
		.withdraw = len == 0, .max_len = tx->max_len ? tx->max_len : BGP_MAX_LEN,
	};
	struct bgp_packer pk;
	struct bgp_prefix q = *p;

	q.path_id = 0;
	if (len) {
		if (nh_len == 0 || session_attrs(&aw, attrs, len, tx, p->afi, nh) == 0)
			return 0;
		spec.attrs = ab;
		spec.attrs_len = aw.len;
		spec.next_hop = nh;
		spec.next_hop_len = nh_len;
	}
	if (!bgp_packer_begin(&pk, w, &spec) || !bgp_packer_add(&pk, &q))
		return 0;
	return bgp_packer_finish(&pk);
}

static bool family_negotiated(const struct session_negotiated *n, uint16_t afi)
{
	for (uint8_t i = 0; i < n->family_count; i++)
		if (n->families[i].afi == afi && n->families[i].safi == BGP_SAFI_UNICAST)
			return true;
	return false;
}

bool originated_send(const struct originated *o, struct session *s,
    const struct bgp_prefix *p, const uint8_t *attrs, size_t len)
{
	uint8_t buf[BGP_EXT_MAX_LEN];
	struct wbuf w = wbuf_make(buf, sizeof buf);

	if (s == NULL || session_state(s) != FSM_ESTABLISHED ||
	    !family_negotiated(session_negotiated(s), p->afi))
		return false;
	size_t n = originated_encode(&w, p, attrs, len, &session_negotiated(s)->tx,
	    session_local_addr(s), o ? &o->other : NULL);
	return n && session_send(s, buf, n);
}

size_t originated_send_all(const struct originated *o, struct session *s)
{
	size_t sent = 0;
	for (size_t i = 0; i < o->n; i++)
		sent += originated_send(o, s, &o->v[i].p, o->v[i].attrs, o->v[i].len);
	return sent;
}

size_t originated_send_afi(const struct originated *o, struct session *s, uint16_t afi)
{
	size_t sent = 0;
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].p.afi == afi)
			sent += originated_send(o, s, &o->v[i].p, o->v[i].attrs, o->v[i].len);
	return sent;
}
