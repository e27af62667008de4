/*
 * ris_sub.c — parsing and matching RIS Live subscriptions.
 */
#include "web/ris_sub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_family.h"

static bool fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* ---- AS path patterns ------------------------------------------------ */

static bool parse_asn(const char **s, uint32_t *asn)
{
	char *end;
	if (**s < '0' || **s > '9')
		return false;
	errno = 0;
	unsigned long v = strtoul(*s, &end, 10);
	if (errno || v > UINT32_MAX)
		return false;
	*asn = (uint32_t)v;
	*s = end;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* "[a,b,…]" at *s */
static bool parse_set(const char **s, struct ris_pattern_item *it)
{
	(*s)++;
	it->is_set = true;
	it->n = 0;
	for (;;) {
		if (it->n == RIS_SET_MAX || !parse_asn(s, &it->asns[it->n++]))
			return false;
		if (**s == ']')
			break;
		if (**s != ',')
			return false;
		(*s)++;
	}
	(*s)++;
	qsort(it->asns, it->n, sizeof it->asns[0], cmp_u32);
	return true;
}

/* An AS path pattern ("!^1,2,[3,4]$"); false on a bad one. */
static bool ris_path_pattern_parse(const char *s, struct ris_sub *sub)
{
	sub->path_negate = *s == '!';
	s += sub->path_negate;
	sub->path_start = *s == '^';
	s += sub->path_start;
	sub->path_len = 0;
	for (;;) {
		if (sub->path_len == RIS_PATH_MAX)
			return false;
		struct ris_pattern_item *it = &sub->path[sub->path_len++];
		memset(it, 0, sizeof *it);
		if (*s == '[') {
			if (!parse_set(&s, it))
				return false;
		} else {
			it->n = 1;
			if (!parse_asn(&s, &it->asns[0]))
				return false;
		}
		if (*s != ',')
			break;
		s++;
	}
	sub->path_end = *s == '$';
	s += sub->path_end;
	sub->has_path = true;
	return *s == '\0';
}

static bool item_matches(const struct ris_pattern_item *p,
    const struct ris_path_item *m)
{
	if (p->is_set != m->is_set)
		return false;
	if (!p->is_set)
		return p->asns[0] == m->asn;
	if (p->n != m->n)
		return false;
	for (unsigned i = 0; i < m->n; i++) {
		const uint8_t *a = m->asns + 4 * i;
		uint32_t asn = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
		    (uint32_t)a[2] << 8 | a[3];
		if (!bsearch(&asn, p->asns, p->n, sizeof asn, cmp_u32))
			return false;
	}
	return true;
}

static bool run_matches(const struct ris_sub *s, const struct ris_path_item *m)
{
	for (size_t i = 0; i < s->path_len; i++)
		if (!item_matches(&s->path[i], &m[i]))
			return false;
	return true;
}

static bool path_matches(const struct ris_sub *s, const struct ris_msg *m)
{
	if (m->path_len == 0 || m->path_len < s->path_len)
		return false;
	size_t last = m->path_len - s->path_len;   /* last start position */
	size_t first = s->path_end ? last : 0;
	if (s->path_start)
		last = 0;
	bool found = false;
	for (size_t i = first; i <= last && !found; i++)
		found = run_matches(s, m->path + i);
	return found != s->path_negate;
}

/* ---- prefixes --------------------------------------------------------- */

/* Whether inner lies within outer (or is it). */
static bool prefix_covers(const struct bgp_prefix *outer,
    const struct bgp_prefix *inner)
{
	if (outer->afi != inner->afi || inner->len < outer->len)
		return false;
	unsigned bytes = outer->len / 8, bits = outer->len % 8;
	if (memcmp(outer->addr, inner->addr, bytes) != 0)
		return false;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return bits == 0 || (outer->addr[bytes] & mask) == (inner->addr[bytes] & mask);
}

static bool prefix_matches(const struct ris_sub *s, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < s->n_prefixes; i++) {
		const struct bgp_prefix *f = &s->prefixes[i];
		if (f->afi != p->afi)
			continue;
		if (f->len == p->len && prefix_covers(f, p))
			return true;
		if (s->more_specific && prefix_covers(f, p))
			return true;
		if (s->less_specific && prefix_covers(p, f))
			return true;
	}
	return false;
}

static bool prefixes_match(const struct ris_sub *s, const struct ris_msg *m)
{
	for (size_t i = 0; i < m->n_withdrawn; i++)
		if (prefix_matches(s, &m->withdrawn[i]))
			return true;
	/* a link-local entry repeats the global one's prefixes */
	for (size_t a = 0; a < m->n_ann; a++)
		for (size_t i = 0; i < m->ann[a].n; i++)
			if (prefix_matches(s, &m->ann[a].prefixes[i]))
				return true;
	return false;
}

/* The subscription's peer address bytes (parse_peer sets IPv4 or IPv6). */
static size_t peer_addr_len(const struct ris_sub *s)
{
	return bgp_af(bgp_aid_unicast(s->peer_afi))->addr_len;
}

bool ris_sub_matches(const struct ris_sub *s, const struct ris_msg *m)
{
	if (s->type != RIS_ANY && s->type != m->type)
		return false;
	if (s->host && (m->host == NULL || strcmp(s->host, m->host) != 0))
		return false;
	if (s->has_peer && (s->peer_afi != m->peer_afi ||
	    memcmp(s->peer_addr, m->peer_addr, peer_addr_len(s))))
		return false;
	if (s->require == RIS_REQ_ANNOUNCEMENTS && m->n_ann == 0)
		return false;
	if (s->require == RIS_REQ_WITHDRAWALS && m->n_withdrawn == 0)
		return false;
	if (s->n_prefixes && !prefixes_match(s, m))
		return false;
	if (s->has_path && !path_matches(s, m))
		return false;
	return true;
}

/* ---- parsing ---------------------------------------------------------- */

static bool parse_prefix_one(const char *str, struct bgp_prefix *p)
{
	char buf[BGP_PREFIX_STRLEN + 8];

	if (strchr(str, '/'))
		return bgp_prefix_parse(str, p);
	/* a bare address is its host route */
	snprintf(buf, sizeof buf, "%s/%d", str, strchr(str, ':') ? 128 : 32);
	return bgp_prefix_parse(buf, p);
}

static bool parse_prefixes(struct ris_sub *s, const json_t *v, char *err,
    size_t errlen)
{
	const json_t *one = v;
	size_t i = 0, n = json_is_array(v) ? json_array_size(v) : 1;

	if (n > RIS_PREFIX_MAX)
		return fail(err, errlen, "prefix: at most %d prefixes", RIS_PREFIX_MAX);
	for (; i < n; i++) {
		if (json_is_array(v))
			one = json_array_get(v, i);
		if (!json_is_string(one) ||
		    !parse_prefix_one(json_string_value(one), &s->prefixes[i]))
			return fail(err, errlen, "prefix: expected a CIDR prefix "
			    "such as \"192.0.2.0/24\" (host bits zero) or an array of them");
	}
	s->n_prefixes = n;
	return true;
}

static bool parse_peer(struct ris_sub *s, const char *str)
{
	s->has_peer = true;
	if (inet_pton(AF_INET, str, s->peer_addr) == 1) {
		s->peer_afi = BGP_AFI_IPV4;
		return true;
	}
	s->peer_afi = BGP_AFI_IPV6;
	return inet_pton(AF_INET6, str, s->peer_addr) == 1;
}

static bool parse_path(struct ris_sub *s, const json_t *v)
{
	char buf[32];

	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= UINT32_MAX) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		return ris_path_pattern_parse(buf, s);
	}
	return json_is_string(v) && ris_path_pattern_parse(json_string_value(v), s);
}

static bool parse_bool(const json_t *v, bool *out)
{
	if (!json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	return true;
}

static bool parse_options(struct ris_sub *s, const json_t *o, char *err,
    size_t errlen)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return fail(err, errlen, "socketOptions: expected an object");
	json_object_foreach((json_t *)o, k, v) {
		bool ok;
		if (strcmp(k, "includeRaw") == 0)
			ok = parse_bool(v, &s->include_raw);
		else if (strcmp(k, "acknowledge") == 0)
			ok = parse_bool(v, &s->acknowledge);
		else
			return fail(err, errlen, "socketOptions: unknown option \"%s\" "
			    "(known: includeRaw, acknowledge)", k);
		if (!ok)
			return fail(err, errlen, "socketOptions.%s: expected true or false", k);
	}
	return true;
}

static bool parse_field(struct ris_sub *s, const char *k, const json_t *v,
    char *err, size_t errlen)
{
	const char *str = json_is_string(v) ? json_string_value(v) : NULL;

	if (json_is_null(v))
		return true;
	if (strcmp(k, "host") == 0 && str)
		return (s->host = strdup(str)) != NULL;
	if (strcmp(k, "type") == 0 && str) {
		if ((s->type = ris_type_parse(str)) != RIS_ANY)
			return true;
	} else if (strcmp(k, "require") == 0 && str) {
		s->require = strcmp(str, "announcements") == 0 ? RIS_REQ_ANNOUNCEMENTS :
		    strcmp(str, "withdrawals") == 0 ? RIS_REQ_WITHDRAWALS : RIS_REQ_NONE;
		if (s->require != RIS_REQ_NONE)
			return true;
	} else if (strcmp(k, "peer") == 0 && str) {
		if (parse_peer(s, str))
			return true;
	} else if (strcmp(k, "path") == 0) {
		if (parse_path(s, v))
			return true;
	} else if (strcmp(k, "prefix") == 0) {
		return parse_prefixes(s, v, err, errlen);
	} else if (strcmp(k, "moreSpecific") == 0 && json_is_boolean(v)) {
		return parse_bool(v, &s->more_specific);
	} else if (strcmp(k, "lessSpecific") == 0 && json_is_boolean(v)) {
		return parse_bool(v, &s->less_specific);
	} else if (strcmp(k, "socketOptions") == 0) {
		return parse_options(s, v, err, errlen);
	} else if (strcmp(k, "host") && strcmp(k, "type") && strcmp(k, "require") &&
	    strcmp(k, "peer") && strcmp(k, "moreSpecific") && strcmp(k, "lessSpecific")) {
		return fail(err, errlen, "unknown field \"%s\" (known: host, type, "
		    "require, peer, path, prefix, moreSpecific, lessSpecific, "
		    "socketOptions)", k);
	}
	return fail(err, errlen, "%s: invalid value (type: UPDATE, OPEN, NOTIFICATION, "
	    "KEEPALIVE or RIS_PEER_STATE; require: announcements or withdrawals; "
	    "peer: an IP address; path: an ASN or a pattern like \"^64496,64500$\")", k);
}

struct ris_sub *ris_sub_parse(const json_t *data, char *err, size_t errlen)
{
	const char *k;
	json_t *v;

	if (data != NULL && !json_is_null(data) && !json_is_object(data)) {
		fail(err, errlen, "ris_subscribe: \"data\" must be an object");
		return NULL;
	}
	struct ris_sub *s = calloc(1, sizeof *s);
	if (s == NULL) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	s->more_specific = true;
	s->spec = json_object();
	if (json_is_object(data)) {
		json_object_foreach((json_t *)data, k, v) {
			if (!parse_field(s, k, v, err, errlen)) {
				ris_sub_free(s);
				return NULL;
			}
			if (strcmp(k, "socketOptions") != 0)
				json_object_set(s->spec, k, v);
		}
	}
	return s;
}

void ris_sub_free(struct ris_sub *s)
{
	if (s == NULL)
		return;
	free(s->host);
	json_decref(s->spec);
	free(s);
}
