/*
 * bgp_nlri.c — prefixes on the wire (RFC 4271 §4.3, RFC 4760 §5) with
 * ADD-PATH path identifiers (RFC 7911 §3), and prefixes as text.
 *
 * One row per address family gives the width of its addresses; adding a
 * family that uses plain prefixes is adding a row.
 */
#include "muxd/bgp/bgp_update.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The family's descriptor (its address width and text form); NULL for
 * an AFI whose NLRI is not an address prefix we decode. */
static const struct bgp_af *nlri_family(uint16_t afi)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);

	return aid == AID_NONE ? NULL : bgp_af(aid);
}

static inline size_t nlri_bytes(unsigned bits)
{
	return (bits + 7) / 8;
}

bool bgp_nlri_next(struct rbuf *r, uint16_t afi, bool addpath,
    struct bgp_prefix *p)
{
	const struct bgp_af *f = nlri_family(afi);
	struct rbuf t = *r;     /* committed only when the prefix is whole */
	uint32_t path_id = 0;
	uint8_t bits;

	if (f == NULL)
		return false;
	if (addpath && !rbuf_u32(&t, &path_id))
		return false;
	if (!rbuf_u8(&t, &bits) || bits > f->max_bits)
		return false;
	size_t n = nlri_bytes(bits);
	memset(p, 0, sizeof *p);
	if (!rbuf_copy(&t, p->addr, n))
		return false;
	if (bits % 8)
		p->addr[n - 1] &= (uint8_t)(0xff << (8 - bits % 8));
	p->afi = afi;
	p->len = bits;
	p->path_id = path_id;
	*r = t;
	return true;
}

long bgp_nlri_count(const uint8_t *p, size_t len, uint16_t afi, bool addpath)
{
	const struct bgp_af *f = nlri_family(afi);
	struct rbuf r = rbuf_make(p, len);
	size_t id_len = addpath ? 4 : 0;
	long count = 0;
	uint8_t bits;

	if (f == NULL)
		return -1;
	/* Only lengths are checked here, no prefix is built: this runs over
	 * every UPDATE before anyone walks it with bgp_nlri_next. */
	while (!rbuf_empty(&r)) {
		if (!rbuf_skip(&r, id_len) || !rbuf_u8(&r, &bits))
			return -1;
		if (bits > f->max_bits || !rbuf_skip(&r, nlri_bytes(bits)))
			return -1;
		count++;
	}
	return count;
}

size_t bgp_nlri_size(const struct bgp_prefix *p, bool addpath)
{
	return (addpath ? 4 : 0) + 1 + nlri_bytes(p->len);
}

void bgp_nlri_put(struct wbuf *w, const struct bgp_prefix *p, bool addpath)
{
	if (p->len > 8 * sizeof p->addr) {
		w->overflow = true;     /* not a prefix: the writer's only error */
		return;
	}
	if (addpath)
		wbuf_u32(w, p->path_id);
	wbuf_u8(w, p->len);
	wbuf_bytes(w, p->addr, nlri_bytes(p->len));
}

/* ---- text ------------------------------------------------------------ */

/* "0".."max" in plain decimal: no sign, no blanks, no leading zero. */
static bool prefix_parse_len(const char *s, unsigned max, uint8_t *len)
{
	unsigned v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*len = (uint8_t)v;
	return true;
}

/* Whether any bit past len is set in addr (of size bytes). */
static bool prefix_has_host_bits(const uint8_t *addr, size_t size, unsigned len)
{
	for (size_t i = len / 8; i < size; i++) {
		uint8_t keep = 0;
		if (i == len / 8 && len % 8)
			keep = (uint8_t)(0xff << (8 - len % 8));
		if (addr[i] & (uint8_t)~keep)
			return true;
	}
	return false;
}

bool bgp_prefix_parse(const char *s, struct bgp_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	uint16_t afi = strchr(s, ':') ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	const struct bgp_af *f = nlri_family(afi);
	struct bgp_prefix q;

	if (slash == NULL || (size_t)(slash - s) >= sizeof addr)
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	memset(&q, 0, sizeof q);
	if (inet_pton(f->inet, addr, q.addr) != 1)
		return false;
	if (!prefix_parse_len(slash + 1, f->max_bits, &q.len))
		return false;
	if (prefix_has_host_bits(q.addr, f->max_bits / 8, q.len))
		return false;
	q.afi = afi;
	*p = q;
	return true;
}

void bgp_prefix_format(const struct bgp_prefix *p, char *buf, size_t len)
{
	const struct bgp_af *f = nlri_family(p->afi);
	char addr[INET6_ADDRSTRLEN];

	if (len == 0)
		return;
	if (f == NULL || inet_ntop(f->inet, p->addr, addr, sizeof addr) == NULL) {
		snprintf(buf, len, "(afi %u)/%u", p->afi, p->len);
		return;
	}
	snprintf(buf, len, "%s/%u", addr, p->len);
}

int bgp_prefix_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	if (a->afi != b->afi)
		return a->afi < b->afi ? -1 : 1;
	int c = memcmp(a->addr, b->addr, sizeof a->addr);
	if (c != 0)
		return c < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->path_id != b->path_id)
		return a->path_id < b->path_id ? -1 : 1;
	return 0;
}

size_t bgp_prefix_search(size_t n, bgp_prefix_at *at, const void *arg,
    const struct bgp_prefix *p, bool *found)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = bgp_prefix_cmp(at(mid, arg), p);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}
