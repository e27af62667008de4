/*
 * bgp_vpn.c — route distinguishers, labelled VPN prefixes, their next
 * hops and packing (bgp_vpn.h).
 */
#include "muxd/bgp/bgp_vpn.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* ---- route distinguishers ------------------------------------------- */

static void rd_set(struct bgp_rd *rd, uint16_t type, uint64_t value)
{
	rd->b[0] = (uint8_t)(type >> 8);
	rd->b[1] = (uint8_t)type;
	for (int i = 0; i < 6; i++)
		rd->b[2 + i] = (uint8_t)(value >> (8 * (5 - i)));
}

bool bgp_rd_make(uint32_t asn, uint32_t id, struct bgp_rd *rd)
{
	if (asn <= UINT16_MAX) {
		rd_set(rd, BGP_RD_TYPE_AS2, (uint64_t)asn << 32 | id);
		return true;
	}
	if (id > UINT16_MAX)
		return false;
	rd_set(rd, BGP_RD_TYPE_AS4, (uint64_t)asn << 16 | id);
	return true;
}

/* n characters of plain decimal, at most max: no sign, no blank, no
 * leading zero. */
static bool rd_number(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

static bool rd_parse_ip4(const char *s, size_t n, const char *num,
    struct bgp_rd *rd)
{
	char addr[INET_ADDRSTRLEN];
	uint8_t a[4];
	uint64_t v;

	if (n >= sizeof addr)
		return false;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, a) != 1 ||
	    !rd_number(num, strlen(num), UINT16_MAX, &v))
		return false;
	rd_set(rd, BGP_RD_TYPE_IP4,
	    (uint64_t)a[0] << 40 | (uint64_t)a[1] << 32 | (uint64_t)a[2] << 24 |
	    (uint64_t)a[3] << 16 | v);
	return true;
}

bool bgp_rd_parse(const char *s, struct bgp_rd *rd)
{
	const char *colon = strchr(s, ':');
	uint64_t asn, v;

	if (colon == NULL || strchr(colon + 1, ':') != NULL)
		return false;
	size_t n = (size_t)(colon - s);
	const char *num = colon + 1;
	if (memchr(s, '.', n) != NULL)
		return rd_parse_ip4(s, n, num, rd);
	bool wide = n > 0 && s[n - 1] == 'L';   /* "65000L:7": type 2 */
	if (!rd_number(s, n - wide, UINT32_MAX, &asn))
		return false;
	if (!wide && asn <= UINT16_MAX) {
		if (!rd_number(num, strlen(num), UINT32_MAX, &v))
			return false;
		rd_set(rd, BGP_RD_TYPE_AS2, asn << 32 | v);
		return true;
	}
	if (!rd_number(num, strlen(num), UINT16_MAX, &v))
		return false;
	rd_set(rd, BGP_RD_TYPE_AS4, asn << 16 | v);
	return true;
}

void bgp_rd_format(const struct bgp_rd *rd, char *buf, size_t len)
{
	const uint8_t *b = rd->b;
	uint32_t hi4 = be32(b + 2), lo4 = be32(b + 4);
	uint16_t hi2 = be16(b + 2), lo2 = be16(b + 6);

	if (len == 0)
		return;
	switch (bgp_rd_type(rd)) {
	case BGP_RD_TYPE_AS2:
		snprintf(buf, len, "%u:%u", hi2, lo4);
		break;
	case BGP_RD_TYPE_IP4:
		snprintf(buf, len, "%u.%u.%u.%u:%u", b[2], b[3], b[4], b[5], lo2);
		break;
	case BGP_RD_TYPE_AS4:
		snprintf(buf, len, "%u%s:%u", hi4, hi4 <= UINT16_MAX ? "L" : "", lo2);
		break;
	default:
		snprintf(buf, len, "rd-type-%u:%02x%02x%02x%02x%02x%02x",
		    bgp_rd_type(rd), b[2], b[3], b[4], b[5], b[6], b[7]);
	}
}

/* ---- VPN prefixes ---------------------------------------------------- */

static inline size_t vpn_bytes(unsigned bits)
{
	return (bits + 7) / 8;
}

static unsigned vpn_max_bits(uint16_t afi)
{
	return afi == BGP_AFI_IPV4 ? 32 : afi == BGP_AFI_IPV6 ? 128 : 0;
}

/* The label stack: one entry for a withdrawal, else up to the bottom. */
static bool vpn_read_labels(struct rbuf *r, bool withdraw,
    struct bgp_vpn_prefix *vp)
{
	uint8_t e[3];

	do {
		if (vp->nlabels == BGP_VPN_MAX_LABELS || !rbuf_copy(r, e, 3))
			return false;
		uint32_t l = (uint32_t)e[0] << 16 | (uint32_t)e[1] << 8 | e[2];
		vp->labels[vp->nlabels++] = l;
		if (withdraw)
			return true;
	} while (!(vp->labels[vp->nlabels - 1] & BGP_VPN_LABEL_BOS));
	return true;
}

bool bgp_vpn_next(struct rbuf *r, uint16_t afi, bool addpath, bool withdraw,
    struct bgp_vpn_prefix *vp)
{
	unsigned max = vpn_max_bits(afi);
	uint32_t path_id = 0;
	uint8_t bits;
	struct rbuf t = *r, body;

	if (max == 0)
		return false;
	if (addpath && !rbuf_u32(&t, &path_id))
		return false;
	if (!rbuf_u8(&t, &bits) || !rbuf_sub(&t, vpn_bytes(bits), &body))
		return false;
	memset(vp, 0, sizeof *vp);
	if (!vpn_read_labels(&body, withdraw, vp))
		return false;
	size_t used = 24u * vp->nlabels + 64;
	if (bits < used || bits - used > max ||
	    !rbuf_copy(&body, vp->rd.b, BGP_RD_LEN))
		return false;
	unsigned plen = bits - (unsigned)used;
	/* body holds exactly the prefix's octets now: the label and RD
	 * fields are whole octets, so the length in bits rounds the same. */
	rbuf_copy(&body, vp->p.addr, body.len);
	if (plen % 8)
		vp->p.addr[plen / 8] &= (uint8_t)(0xff << (8 - plen % 8));
	vp->p.afi = afi;
	vp->p.len = (uint8_t)plen;
	vp->p.path_id = path_id;
	*r = t;
	return true;
}

long bgp_vpn_count(const uint8_t *p, size_t len, uint16_t afi, bool addpath,
    bool withdraw)
{
	struct rbuf r = rbuf_make(p, len);
	struct bgp_vpn_prefix vp;
	long count = 0;

	/* VPN routes come from our own view hosts and from lab daemons, a
	 * block at a time: reading each whole is cheap enough here. */
	while (!rbuf_empty(&r)) {
		if (!bgp_vpn_next(&r, afi, addpath, withdraw, &vp))
			return -1;
		count++;
	}
	return count;
}

size_t bgp_vpn_size(const struct bgp_vpn_prefix *vp, bool addpath)
{
	return (addpath ? 4 : 0) + 1 + 3u * vp->nlabels + BGP_RD_LEN +
	    vpn_bytes(vp->p.len);
}

void bgp_vpn_put(struct wbuf *w, const struct bgp_vpn_prefix *vp, bool addpath)
{
	size_t bits = 24u * vp->nlabels + 64 + vp->p.len;

	if (vp->p.len > 8 * sizeof vp->p.addr || vp->nlabels == 0 ||
	    vp->nlabels > BGP_VPN_MAX_LABELS || bits > UINT8_MAX) {
		w->overflow = true;
		return;
	}
	if (addpath)
		wbuf_u32(w, vp->p.path_id);
	wbuf_u8(w, (uint8_t)bits);
	for (unsigned i = 0; i < vp->nlabels; i++) {
		uint32_t l = vp->labels[i];
		uint8_t e[3] = { (uint8_t)(l >> 16), (uint8_t)(l >> 8), (uint8_t)l };
		wbuf_bytes(w, e, 3);
	}
	wbuf_bytes(w, vp->rd.b, BGP_RD_LEN);
	wbuf_bytes(w, vp->p.addr, vpn_bytes(vp->p.len));
}

void bgp_vpn_format(const struct bgp_vpn_prefix *vp, char *buf, size_t len)
{
	char rd[BGP_RD_STRLEN], pfx[BGP_PREFIX_STRLEN];

	if (len == 0)
		return;
	bgp_rd_format(&vp->rd, rd, sizeof rd);
	bgp_prefix_format(&vp->p, pfx, sizeof pfx);
	snprintf(buf, len, "%s:%s", rd, pfx);
}

/* ---- MP_REACH next hops ----------------------------------------------- */

bool bgp_vpn_nh_len_ok(uint16_t afi, size_t len)
{
	if (afi == BGP_AFI_IPV4 && len == BGP_RD_LEN + 4)
		return true;
	if (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6)
		return false;
	return len == BGP_RD_LEN + 16 || len == 2 * (BGP_RD_LEN + 16);
}

size_t bgp_vpn_nh_make(uint8_t out[BGP_VPN_NH_MAX], const uint8_t *addr,
    size_t addr_len, const uint8_t *ll)
{
	if (addr_len != 4 && addr_len != 16)
		return 0;
	if (ll != NULL && addr_len != 16)
		return 0;
	memset(out, 0, BGP_VPN_NH_MAX);
	memcpy(out + BGP_RD_LEN, addr, addr_len);
	if (ll == NULL)
		return BGP_RD_LEN + addr_len;
	memcpy(out + 2 * BGP_RD_LEN + 16, ll, 16);
	return 2 * (BGP_RD_LEN + 16);
}

bool bgp_vpn_nh_read(struct bgp_bytes nh, uint16_t afi, uint8_t addr[16],
    size_t *addr_len, uint8_t ll[16], bool *has_ll)
{
	if (!bgp_vpn_nh_len_ok(afi, nh.len))
		return false;
	*addr_len = nh.len == BGP_RD_LEN + 4 ? 4 : 16;
	memcpy(addr, nh.p + BGP_RD_LEN, *addr_len);
	*has_ll = nh.len == 2 * (BGP_RD_LEN + 16);
	if (*has_ll)
		memcpy(ll, nh.p + 2 * BGP_RD_LEN + 16, 16);
	return true;
}

/* ---- packing ----------------------------------------------------------- */

bool bgp_vpn_packer_add(struct bgp_packer *pk, const struct bgp_vpn_prefix *vp)
{
	uint8_t buf[4 + 1 + 3 * BGP_VPN_MAX_LABELS + BGP_RD_LEN + 16];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_vpn_prefix wd;

	if (pk->spec->withdraw) {
		wd = *vp;
		wd.nlabels = 1;
		wd.labels[0] = BGP_VPN_LABEL_WITHDRAW;
		vp = &wd;
	}
	bgp_vpn_put(&w, vp, pk->spec->addpath);
	if (w.overflow) {
		/* not a VPN prefix: fail the UPDATE as bgp_packer_add would */
		pk->w->overflow = true;
		return true;
	}
	return bgp_packer_add_raw(pk, buf, w.len);
}
