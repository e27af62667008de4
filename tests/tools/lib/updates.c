/*
 * updates.c — the list of UPDATEs a tool sends, and what each carries
 * (updates.h).
 */
#include "tests/tools/lib/updates.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/lib/rbuf.h"
#include "tests/tools/lib/tool.h"

static bool list_grow(struct update_list *l, size_t len)
{
	if (l->len + len > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1 << 20;
		while (cap < l->len + len)
			cap *= 2;
		uint8_t *p = realloc(l->data, cap);
		if (!p)
			return false;
		l->data = p;
		l->cap = cap;
	}
	if (l->n == l->msgs_cap) {
		size_t cap = l->msgs_cap ? l->msgs_cap * 2 : 4096;
		struct update_ref *m = realloc(l->msgs, cap * sizeof *m);
		if (!m)
			return false;
		l->msgs = m;
		l->msgs_cap = cap;
	}
	return true;
}

bool update_list_add(struct update_list *l, const uint8_t *msg, size_t len,
    struct update_ref ref)
{
	if (l->len + len > UINT32_MAX || !list_grow(l, len)) {
		warnx_("out of memory after %zu messages (%zu bytes)", l->n, l->len);
		return false;
	}
	ref.off = (uint32_t)l->len;
	ref.len = (uint16_t)len;
	memcpy(l->data + l->len, msg, len);
	l->len += len;
	l->msgs[l->n++] = ref;
	l->announced += ref.announced;
	l->withdrawn += ref.withdrawn;
	return true;
}

void update_list_free(struct update_list *l)
{
	free(l->data);
	free(l->msgs);
	memset(l, 0, sizeof *l);
}

/* Prefixes in an NLRI block the decoder already checked whole. */
static unsigned nlri_count(struct bgp_bytes b, uint16_t afi)
{
	struct rbuf r = rbuf_make(b.p, b.len);
	struct bgp_prefix p;
	unsigned n = 0;

	while (!rbuf_empty(&r) && bgp_nlri_next(&r, afi, false, &p))
		n++;
	return n;
}

/* Families the receiver must have negotiated for an MP attribute. */
static unsigned mp_family(uint16_t afi, uint8_t safi)
{
	if (safi == BGP_SAFI_UNICAST && (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6))
		return 1u << afi;
	return UPDATE_FAM_OTHER;
}

static void account_mp(const struct bgp_attrs *a, struct update_ref *ref)
{
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) {
		ref->families |= mp_family(a->mp_reach.afi, a->mp_reach.safi);
		if (a->mp_reach.afi == BGP_AFI_IPV4 && a->mp_reach.next_hop.len != 4)
			ref->families |= UPDATE_FAM_OTHER;
		if (!(ref->families & UPDATE_FAM_OTHER))
			ref->announced += nlri_count(a->mp_reach.nlri, a->mp_reach.afi);
	}
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI)) {
		ref->families |= mp_family(a->mp_unreach.afi, a->mp_unreach.safi);
		if (!(ref->families & UPDATE_FAM_OTHER))
			ref->withdrawn += nlri_count(a->mp_unreach.nlri, a->mp_unreach.afi);
	}
}

bool update_account(const uint8_t *msg, size_t len, bool as4, struct update_ref *ref,
    bool *taw)
{
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	struct bgp_codec_ctx ctx = { .as4 = as4, .ebgp = true, .max_len = BGP_MAX_LEN };
	struct bgp_update u;
	struct bgp_err err = { 0 };

	if (!bgp_update_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &ctx,
	    scratch, sizeof scratch, &u, &err))
		return false;
	ref->announced = (uint16_t)nlri_count(u.nlri, BGP_AFI_IPV4);
	ref->withdrawn = (uint16_t)nlri_count(u.withdrawn, BGP_AFI_IPV4);
	if (ref->announced || ref->withdrawn)
		ref->families |= 1u << BGP_AFI_IPV4;
	account_mp(&u.attrs, ref);
	if (u.end_of_rib)
		ref->families |= mp_family(u.eor_afi, u.eor_safi);
	*taw = u.treat_as_withdraw;
	return true;
}
