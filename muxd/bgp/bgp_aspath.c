/*
 * bgp_aspath.c — AS_PATH values: checking them (RFC 7606 §7.2, RFC 7607),
 * counting and rendering them, and the 2-octet ⇄ 4-octet conversions of
 * RFC 6793 (widening, AS4_PATH merging, AS_TRANS).
 *
 * Inside bgpmux an AS path is always the 4-octet wire form: segments of
 * type (1), count (1) and count 4-octet ASNs.
 */
#include "muxd/bgp/bgp_update.h"

#include <stdio.h>
#include <string.h>

struct aspath_seg {
	uint8_t type;
	uint8_t count;
	struct rbuf asns;       /* count ASNs of asn_size bytes */
};

static bool aspath_seg_confed(uint8_t type)
{
	return type == BGP_AS_CONFED_SEQUENCE || type == BGP_AS_CONFED_SET;
}

/* The next segment of a path already checked by bgp_aspath_check. */
static bool aspath_next(struct rbuf *r, unsigned asn_size, struct aspath_seg *s)
{
	return rbuf_u8(r, &s->type) && rbuf_u8(r, &s->count) &&
	    rbuf_sub(r, (size_t)s->count * asn_size, &s->asns);
}

static uint32_t aspath_asn(struct rbuf *asns, unsigned asn_size)
{
	uint16_t v16;
	uint32_t v32 = 0;

	if (asn_size == 2)
		return rbuf_u16(asns, &v16) ? v16 : 0;
	rbuf_u32(asns, &v32);
	return v32;
}

/* Path length contribution of one segment (RFC 4271 §9.1.2.2, RFC 5065
 * §5.3: confederation segments do not count). */
static unsigned aspath_seg_length(const struct aspath_seg *s)
{
	if (aspath_seg_confed(s->type))
		return 0;
	return s->type == BGP_AS_SET ? 1 : s->count;
}

bool bgp_aspath_check(struct bgp_bytes v, unsigned asn_size, unsigned *types,
    const char **why)
{
	struct rbuf r = rbuf_make(v.p, v.len);
	struct aspath_seg s;

	*types = 0;
	while (!rbuf_empty(&r)) {
		if (r.len < 2) {
			*why = "AS_PATH ends inside a segment header";
			return false;
		}
		if (!aspath_next(&r, asn_size, &s)) {
			*why = "AS_PATH segment overruns the attribute";
			return false;
		}
		if (s.type < BGP_AS_SET || s.type > BGP_AS_CONFED_SET) {
			*why = "AS_PATH segment type unknown";
			return false;
		}
		if (s.count == 0) {
			*why = "AS_PATH segment empty";
			return false;
		}
		*types |= 1u << s.type;
		while (!rbuf_empty(&s.asns))
			if (aspath_asn(&s.asns, asn_size) == 0) {
				*why = "AS_PATH holds AS 0 (RFC 7607)";
				return false;
			}
	}
	return true;
}

int bgp_aspath_length(struct bgp_bytes path)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	struct aspath_seg s;
	unsigned types;
	const char *why;
	int n = 0;

	if (!bgp_aspath_check(path, 4, &types, &why))
		return -1;
	while (aspath_next(&r, 4, &s))
		n += (int)aspath_seg_length(&s);
	return n;
}

bool bgp_aspath_contains(struct bgp_bytes path, uint32_t asn)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	struct aspath_seg s;

	while (aspath_next(&r, 4, &s))
		while (!rbuf_empty(&s.asns))
			if (aspath_asn(&s.asns, 4) == asn)
				return true;
	return false;
}

/* Brackets per segment type: set {a,b}, confed sequence (a b), confed
 * set [a,b] — as bgpdump and the route servers print them. */
static const struct {
	const char *open, *sep, *close;
} aspath_marks[] = {
	[BGP_AS_SET] = { "{", ",", "}" },
	[BGP_AS_SEQUENCE] = { "", " ", "" },
	[BGP_AS_CONFED_SEQUENCE] = { "(", " ", ")" },
	[BGP_AS_CONFED_SET] = { "[", ",", "]" },
};

/* snprintf that keeps appending at *at while there is room. */
static void aspath_emit(char *buf, size_t len, size_t *at, const char *s,
    uint32_t asn, bool with_asn)
{
	if (*at >= len)
		return;
	int n = with_asn ? snprintf(buf + *at, len - *at, "%s%u", s, asn) :
	    snprintf(buf + *at, len - *at, "%s", s);
	if (n > 0)
		*at += (size_t)n;
}

void bgp_aspath_format(struct bgp_bytes path, char *buf, size_t len)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	struct aspath_seg s;
	size_t at = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	while (aspath_next(&r, 4, &s)) {
		if (s.type < BGP_AS_SET || s.type > BGP_AS_CONFED_SET)
			return;
		if (at > 0)
			aspath_emit(buf, len, &at, " ", 0, false);
		aspath_emit(buf, len, &at, aspath_marks[s.type].open, 0, false);
		for (unsigned i = 0; i < s.count; i++)
			aspath_emit(buf, len, &at, i ? aspath_marks[s.type].sep : "",
			    aspath_asn(&s.asns, 4), true);
		aspath_emit(buf, len, &at, aspath_marks[s.type].close, 0, false);
	}
}

/* ---- RFC 6793 -------------------------------------------------------- */

static int aspath_count(struct bgp_bytes v, unsigned asn_size)
{
	struct rbuf r = rbuf_make(v.p, v.len);
	struct aspath_seg s;
	int n = 0;

	while (aspath_next(&r, asn_size, &s))
		n += (int)aspath_seg_length(&s);
	return n;
}

/* Segment s (of asn_size-octet ASNs), its first n ASNs, in 4-octet form. */
static void aspath_put_widened(struct wbuf *w, const struct aspath_seg *s,
    unsigned asn_size, unsigned n)
{
	struct rbuf asns = s->asns;

	wbuf_u8(w, s->type);
	wbuf_u8(w, (uint8_t)n);
	for (unsigned i = 0; i < n; i++)
		wbuf_u32(w, aspath_asn(&asns, asn_size));
}

/*
 * The leading part of a 2-octet AS_PATH that holds `need` ASNs (RFC 6793
 * §4.2.3): whole segments while they fit, then the front of a sequence.
 * Confederation segments count nothing and are taken when they lead or
 * follow a taken segment. Returns the offset of the last segment written
 * (for joining it with AS4_PATH), or SIZE_MAX if none.
 */
static size_t aspath_put_leading(struct wbuf *w, struct bgp_bytes as2, int need)
{
	struct rbuf r = rbuf_make(as2.p, as2.len);
	struct aspath_seg s;
	size_t last = SIZE_MAX;

	while (aspath_next(&r, 2, &s)) {
		unsigned take = s.count;
		if (!aspath_seg_confed(s.type)) {
			if (need <= 0)
				break;
			if (s.type == BGP_AS_SEQUENCE && (int)take > need)
				take = (unsigned)need;
			need -= s.type == BGP_AS_SET ? 1 : (int)take;
		}
		last = w->len;
		aspath_put_widened(w, &s, 2, take);
		if (take < s.count)
			break;
	}
	return last;
}

/* Whether the segment written at `last` is a sequence that can take n
 * more ASNs. */
static bool aspath_can_join(const struct wbuf *w, size_t last, unsigned n)
{
	if (last == SIZE_MAX || w->overflow)
		return false;
	return w->p[last] == BGP_AS_SEQUENCE && w->p[last + 1] + n <= 255;
}

/* AS4_PATH appended without its confederation segments (RFC 6793 §6);
 * its first sequence joins a sequence written just before, so a path
 * merged from a 2-octet session reads as a 4-octet speaker sends it. */
static void aspath_put_as4_joined(struct wbuf *w, struct bgp_bytes as4,
    size_t last)
{
	struct rbuf r = rbuf_make(as4.p, as4.len);
	struct aspath_seg s;
	bool first = true;

	while (aspath_next(&r, 4, &s)) {
		if (aspath_seg_confed(s.type))
			continue;
		if (first && s.type == BGP_AS_SEQUENCE &&
		    aspath_can_join(w, last, s.count)) {
			w->p[last + 1] = (uint8_t)(w->p[last + 1] + s.count);
			wbuf_bytes(w, s.asns.p, s.asns.len);
		} else {
			aspath_put_widened(w, &s, 4, s.count);
		}
		first = false;
	}
}

bool bgp_aspath_from_as2(struct bgp_bytes as2, struct bgp_bytes as4,
    uint8_t *out, size_t cap, struct bgp_bytes *path)
{
	struct wbuf w = wbuf_make(out, cap);
	int n2 = aspath_count(as2, 2);
	int n4 = aspath_count(as4, 4);

	if (as4.len == 0 || n2 < n4) {
		/* No AS4_PATH, or one longer than AS_PATH: AS_PATH alone. */
		struct rbuf r = rbuf_make(as2.p, as2.len);
		struct aspath_seg s;
		while (aspath_next(&r, 2, &s))
			aspath_put_widened(&w, &s, 2, s.count);
	} else {
		size_t last = aspath_put_leading(&w, as2, n2 - n4);
		aspath_put_as4_joined(&w, as4, last);
	}
	if (w.overflow || w.len > UINT16_MAX)
		return false;
	path->p = out;
	path->len = (uint16_t)w.len;
	return true;
}

void bgp_aspath_put_as2(struct wbuf *w, struct bgp_bytes path)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	struct aspath_seg s;

	while (aspath_next(&r, 4, &s)) {
		wbuf_u8(w, s.type);
		wbuf_u8(w, s.count);
		while (!rbuf_empty(&s.asns)) {
			uint32_t asn = aspath_asn(&s.asns, 4);
			wbuf_u16(w, asn > UINT16_MAX ? BGP_AS_TRANS : (uint16_t)asn);
		}
	}
}

void bgp_aspath_put_as4(struct wbuf *w, struct bgp_bytes path)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	struct aspath_seg s;

	while (aspath_next(&r, 4, &s))
		if (!aspath_seg_confed(s.type))
			aspath_put_widened(w, &s, 4, s.count);
}

bool bgp_aspath_needs_as4(struct bgp_bytes path)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	struct aspath_seg s;

	while (aspath_next(&r, 4, &s)) {
		if (aspath_seg_confed(s.type))
			continue;
		while (!rbuf_empty(&s.asns))
			if (aspath_asn(&s.asns, 4) > UINT16_MAX)
				return true;
	}
	return false;
}
