/*
 * rewrite.c — control communities and the gateway's own attributes.
 */
#include "instances/rewrite.h"

#include <string.h>

#include "muxd/lib/rbuf.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void add_id(uint16_t *v, uint8_t *n, uint32_t id)
{
	if (id >= 1 && id <= REWRITE_MAX_ID && *n < REWRITE_MAX_CTL)
		v[(*n)++] = (uint16_t)id;
}

static void read_standard(const struct bgp_attrs *a, uint32_t gw_as,
    struct rewrite_ctl *ctl)
{
	if (gw_as > 0xffff || !(a->present & BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES)))
		return;
	for (size_t i = 0; i + 4 <= a->communities.len; i += 4) {
		uint32_t c = get32(a->communities.p + i);
		uint32_t value = c & 0xffff;
		if (c >> 16 != gw_as)
			continue;
		if (value <= REWRITE_MAX_ID)
			add_id(ctl->announce, &ctl->n_announce, value);
		else if (value > 1000 && value <= 1000 + REWRITE_MAX_ID)
			add_id(ctl->never, &ctl->n_never, value - 1000);
	}
}

static void read_large(const struct bgp_attrs *a, uint32_t gw_as,
    struct rewrite_ctl *ctl)
{
	if (!(a->present & BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES)))
		return;
	for (size_t i = 0; i + 12 <= a->large_communities.len; i += 12) {
		const uint8_t *lc = a->large_communities.p + i;
		uint32_t kind = get32(lc + 4), id = get32(lc + 8);
		if (get32(lc) != gw_as)
			continue;
		if (kind == REWRITE_LC_ANNOUNCE)
			add_id(ctl->announce, &ctl->n_announce, id);
		else if (kind == REWRITE_LC_NEVER)
			add_id(ctl->never, &ctl->n_never, id);
		else if (kind == REWRITE_LC_PREPEND)
			add_id(ctl->prepend, &ctl->n_prepend, id);
	}
}

void rewrite_control_read(const struct bgp_attrs *a, uint32_t gw_as,
    struct rewrite_ctl *ctl)
{
	memset(ctl, 0, sizeof *ctl);
	read_standard(a, gw_as, ctl);
	read_large(a, gw_as, ctl);
}

static unsigned count_id(const uint16_t *v, unsigned n, uint16_t id)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		k += v[i] == id;
	return k;
}

bool rewrite_goes_to(const struct rewrite_ctl *ctl, uint16_t own_id, uint16_t id,
    unsigned *prepend)
{
	unsigned p = count_id(ctl->prepend, ctl->n_prepend, id);

	*prepend = p > REWRITE_MAX_PREPEND ? REWRITE_MAX_PREPEND : p;
	if (count_id(ctl->never, ctl->n_never, id))
		return false;
	if (ctl->n_announce == 0)
		return id == own_id;
	return count_id(ctl->announce, ctl->n_announce, id) > 0;
}

bool rewrite_asn_private(uint32_t asn)
{
	return (asn >= 64512 && asn <= 65535) || asn >= 4200000000u;
}

/* The client's path, private ASNs out, into w as AS_SEQUENCE/AS_SET
 * segments (empty ones dropped); its own ASN in front if missing. */
static bool put_client_path(struct wbuf *w, struct bgp_bytes path, uint32_t client_as)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	bool first = true;

	while (r.len) {
		uint8_t type, n;
		if (!rbuf_u8(&r, &type) || !rbuf_u8(&r, &n) || r.len < 4u * n)
			return false;
		if (type != BGP_AS_SEQUENCE && type != BGP_AS_SET) {
			rbuf_skip(&r, 4u * n);  /* confederation: not ours to show */
			continue;
		}
		uint32_t asns[257];
		unsigned k = 0;
		bool lead = first && type == BGP_AS_SEQUENCE && !rewrite_asn_private(client_as);
		if (lead)
			asns[k++] = client_as;
		for (unsigned i = 0; i < n; i++) {
			uint32_t asn = 0;
			rbuf_u32(&r, &asn);
			if (lead && i == 0 && asn == client_as)
				continue;       /* it leads already */
			if (!rewrite_asn_private(asn))
				asns[k++] = asn;
		}
		first = false;
		for (unsigned at = 0; at < k; at += 255) {    /* 256 fit in two */
			unsigned m = k - at > 255 ? 255 : k - at;
			wbuf_u8(w, type);
			wbuf_u8(w, (uint8_t)m);
			for (unsigned i = 0; i < m; i++)
				wbuf_u32(w, asns[at + i]);
		}
	}
	if (first && !rewrite_asn_private(client_as)) {
		wbuf_u8(w, BGP_AS_SEQUENCE);    /* empty path: the client itself */
		wbuf_u8(w, 1);
		wbuf_u32(w, client_as);
	}
	return true;
}

bool rewrite_attrs(const struct bgp_attrs *a, const struct rewrite_params *rp,
    unsigned prepend, struct wbuf *w)
{
	uint8_t pathbuf[REWRITE_ATTRS_MAX];
	struct wbuf pw = wbuf_make(pathbuf, sizeof pathbuf);
	struct bgp_attrs out;
	struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true, .max_len = BGP_EXT_MAX_LEN };

	if (prepend > REWRITE_MAX_PREPEND)
		prepend = REWRITE_MAX_PREPEND;
	wbuf_u8(&pw, BGP_AS_SEQUENCE);
	size_t count_at = wbuf_mark(&pw, 1);
	for (unsigned i = 0; i <= prepend; i++)
		wbuf_u32(&pw, rp->gw_as);
	wbuf_patch8(&pw, count_at, (uint8_t)(prepend + 1));
	if (rp->keep_asn && !put_client_path(&pw, a->as_path, rp->client_as))
		return false;
	if (pw.overflow)
		return false;
	memset(&out, 0, sizeof out);
	out.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	out.origin = (a->present & BGP_ATTR_BIT(BGP_ATTR_ORIGIN)) ? a->origin :
	    BGP_ORIGIN_INCOMPLETE;
	out.as_path.p = pathbuf;
	out.as_path.len = (uint16_t)pw.len;
	bgp_attrs_encode(w, &out, &ctx);
	return !w->overflow;
}
