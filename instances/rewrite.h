/*
 * rewrite.h — a client's route as the gateway's own: what the control
 * communities ask for, and the attributes an upstream gets.
 *
 * Control communities carry the gateway's AS (GW) and an upstream's "id"
 * (N, 1..999):
 *
 *   standard GW:N         announce to upstream N   (only when GW < 65536)
 *   standard GW:1000+N    never to upstream N      (only when GW < 65536)
 *   large    GW:1:N       announce to upstream N
 *   large    GW:2:N       never to upstream N
 *   large    GW:3:N       prepend GW once more toward N; each such
 *                         community counts once, at most
 *                         REWRITE_MAX_PREPEND in all per upstream
 *
 * Where a route goes: with no announce-to community, to the upstream of
 * the instance the client announced it on, and nowhere else; with one or
 * more, to exactly the upstreams they name. Never-to wins over
 * announce-to (and over the default).
 *
 * The attributes toward an upstream: ORIGIN as the client sent it;
 * AS_PATH = GW (1 + prepends times), then, only with keep_asn, the
 * client's AS_PATH with every private ASN (RFC 6996, RFC 7300) removed,
 * led by the client's own ASN; nothing else (MED, LOCAL_PREF, every
 * community, AGGREGATOR, ATOMIC_AGGREGATE and unknown attributes are
 * gone). The NEXT_HOP is the upstream session's, added when the UPDATE is
 * packed (views/originated.h). Pure.
 */
#ifndef BGPMUX_REWRITE_H
#define BGPMUX_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/lib/wbuf.h"

#define REWRITE_MAX_ID 999
#define REWRITE_MAX_PREPEND 3
#define REWRITE_MAX_CTL 64      /* control communities read per kind */
/* An attribute block rewrite_attrs writes fits in this many bytes. */
#define REWRITE_ATTRS_MAX 4200

enum { REWRITE_LC_ANNOUNCE = 1, REWRITE_LC_NEVER = 2, REWRITE_LC_PREPEND = 3 };

struct rewrite_ctl {
	uint16_t announce[REWRITE_MAX_CTL];
	uint16_t never[REWRITE_MAX_CTL];
	uint16_t prepend[REWRITE_MAX_CTL];      /* one entry per community */
	uint8_t n_announce, n_never, n_prepend;
};

/* Read the control communities addressed to gw_as out of a. */
void rewrite_control_read(const struct bgp_attrs *a, uint32_t gw_as,
    struct rewrite_ctl *ctl);
/* Whether the route, announced on the instance of upstream own_id, goes
 * to upstream id; *prepend gets the extra prepends toward it. */
bool rewrite_goes_to(const struct rewrite_ctl *ctl, uint16_t own_id, uint16_t id,
    unsigned *prepend);

/* RFC 6996 private use (64512–65534, 4200000000–4294967294) and RFC 7300
 * last ASNs (65535, 4294967295). */
bool rewrite_asn_private(uint32_t asn);

struct rewrite_params {
	uint32_t gw_as;
	uint32_t client_as;
	bool keep_asn;
};

/* The attribute block (bgp_attrs_encode, 4-octet AS, eBGP; no next hop)
 * toward an upstream, appended to w. False if the client's AS_PATH is
 * malformed or w overflowed. */
bool rewrite_attrs(const struct bgp_attrs *a, const struct rewrite_params *rp,
    unsigned prepend, struct wbuf *w);

#endif
