/*
 * route_json.c — the JSON form of routes (format: route_json.h). One
 * renderer per attribute, called in the order the keys appear.
 */
#include "web/route_json.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/lib/rbuf.h"

static json_t *jcheck(json_t *j)
{
	if (j == NULL)
		fatal("out of memory building JSON for a route");
	return j;
}

static void jset(json_t *obj, const char *key, json_t *val)
{
	if (json_object_set_new(obj, key, jcheck(val)) != 0)
		fatal("out of memory building JSON for a route (key %s)", key);
}

static void jappend(json_t *arr, json_t *val)
{
	if (json_array_append_new(arr, jcheck(val)) != 0)
		fatal("out of memory building JSON for a route (array)");
}

static bool has(const struct bgp_attrs *a, unsigned type)
{
	return (a->present & BGP_ATTR_BIT(type)) != 0;
}

static void format_ipv4(const uint8_t *b, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

static void format_ipv6(const uint8_t *b, char *buf, size_t len)
{
	if (inet_ntop(AF_INET6, b, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static json_t *ipv4_json(const uint8_t *b)
{
	char buf[16];
	format_ipv4(b, buf, sizeof buf);
	return json_string(buf);
}

/* ---- AS_PATH -------------------------------------------------------- */

static json_t *asn_array(struct rbuf *seg, unsigned count)
{
	json_t *arr = jcheck(json_array());
	uint32_t asn;
	for (unsigned i = 0; i < count && rbuf_u32(seg, &asn); i++)
		jappend(arr, json_integer(asn));
	return arr;
}

static json_t *confed_json(const char *key, json_t *asns)
{
	json_t *o = jcheck(json_object());
	jset(o, key, asns);
	return o;
}

/* Segments of 4-octet ASNs; stops at the first malformed one (the codec
 * has validated the path, so there is none). */
static json_t *aspath_json(struct bgp_bytes path)
{
	json_t *arr = jcheck(json_array());
	struct rbuf r = rbuf_make(path.p, path.len);
	uint8_t type, count;
	while (rbuf_u8(&r, &type) && rbuf_u8(&r, &count)) {
		struct rbuf seg;
		if (!rbuf_sub(&r, (size_t)count * 4, &seg))
			break;
		switch (type) {
		case BGP_AS_SEQUENCE: {
			uint32_t asn;
			while (rbuf_u32(&seg, &asn))
				jappend(arr, json_integer(asn));
			break;
		}
		case BGP_AS_SET:
			jappend(arr, asn_array(&seg, count));
			break;
		case BGP_AS_CONFED_SEQUENCE:
			jappend(arr, confed_json("confed_sequence", asn_array(&seg, count)));
			break;
		case BGP_AS_CONFED_SET:
			jappend(arr, confed_json("confed_set", asn_array(&seg, count)));
			break;
		default:
			return arr;
		}
	}
	return arr;
}

/* ---- communities ---------------------------------------------------- */

static json_t *communities_json(struct bgp_bytes c)
{
	json_t *arr = jcheck(json_array());
	char buf[16];
	for (size_t i = 0; i + 4 <= c.len; i += 4) {
		snprintf(buf, sizeof buf, "%u:%u", be16(c.p + i), be16(c.p + i + 2));
		jappend(arr, json_string(buf));
	}
	return arr;
}

static json_t *large_communities_json(struct bgp_bytes c)
{
	json_t *arr = jcheck(json_array());
	char buf[40];
	for (size_t i = 0; i + 12 <= c.len; i += 12) {
		snprintf(buf, sizeof buf, "%u:%u:%u", be32(c.p + i),
		    be32(c.p + i + 4), be32(c.p + i + 8));
		jappend(arr, json_string(buf));
	}
	return arr;
}

/* Extended community types (RFC 4360, RFC 5668) and the two subtypes
 * shown by name. */
enum {
	EXT_AS2 = 0x00,         /* transitive two-octet AS specific */
	EXT_IPV4 = 0x01,        /* transitive IPv4 address specific */
	EXT_AS4 = 0x02,         /* transitive four-octet AS specific */
	EXT_SUB_RT = 0x02,      /* route target */
	EXT_SUB_RO = 0x03,      /* route origin */
};

static void ext_community_format(const uint8_t *b, char *buf, size_t len)
{
	uint8_t type = b[0], sub = b[1];
	const char *name = sub == EXT_SUB_RT ? "rt" : sub == EXT_SUB_RO ? "ro" : NULL;
	if (name != NULL && type == EXT_AS2) {
		snprintf(buf, len, "%s:%u:%u", name, be16(b + 2), be32(b + 4));
	} else if (name != NULL && type == EXT_IPV4) {
		char ip[16];
		format_ipv4(b + 2, ip, sizeof ip);
		snprintf(buf, len, "%s:%s:%u", name, ip, be16(b + 6));
	} else if (name != NULL && type == EXT_AS4) {
		uint32_t as = be32(b + 2);
		snprintf(buf, len, "%s:%u%s:%u", name, as, as <= 0xffff ? "L" : "",
		    be16(b + 6));
	} else {
		snprintf(buf, len, "0x%02x%02x%02x%02x%02x%02x%02x%02x",
		    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
	}
}

static json_t *ext_communities_json(struct bgp_bytes c)
{
	json_t *arr = jcheck(json_array());
	char buf[48];
	for (size_t i = 0; i + 8 <= c.len; i += 8) {
		ext_community_format(c.p + i, buf, sizeof buf);
		jappend(arr, json_string(buf));
	}
	return arr;
}

/* ---- the rest ------------------------------------------------------- */

static json_t *cluster_list_json(struct bgp_bytes c)
{
	json_t *arr = jcheck(json_array());
	for (size_t i = 0; i + 4 <= c.len; i += 4)
		jappend(arr, ipv4_json(c.p + i));
	return arr;
}

static json_t *unknown_json(const struct bgp_attrs *a)
{
	static const char hexdig[] = "0123456789abcdef";
	json_t *arr = jcheck(json_array());
	for (unsigned i = 0; i < a->unknown_count && i < BGP_MAX_UNKNOWN_ATTRS; i++) {
		const struct bgp_raw_attr *u = &a->unknown[i];
		char *hex = xmalloc((size_t)u->val.len * 2 + 1);
		for (size_t k = 0; k < u->val.len; k++) {
			hex[2 * k] = hexdig[u->val.p[k] >> 4];
			hex[2 * k + 1] = hexdig[u->val.p[k] & 15];
		}
		hex[(size_t)u->val.len * 2] = '\0';
		json_t *o = jcheck(json_object());
		jset(o, "type", json_integer(u->type));
		jset(o, "flags", json_integer(u->flags & ~BGP_ATTR_F_EXTLEN));
		jset(o, "hex", json_string(hex));
		free(hex);
		jappend(arr, o);
	}
	return arr;
}

static void next_hop_json(json_t *o, const uint8_t *nh, size_t nh_len)
{
	char buf[INET6_ADDRSTRLEN];
	if (nh_len == 4) {
		jset(o, "next_hop", ipv4_json(nh));
	} else if (nh_len == 16 || nh_len == 32) {
		format_ipv6(nh, buf, sizeof buf);
		jset(o, "next_hop", json_string(buf));
		if (nh_len == 32) {
			format_ipv6(nh + 16, buf, sizeof buf);
			jset(o, "next_hop_ll", json_string(buf));
		}
	}
}

static void fill_attrs(json_t *o, const struct bgp_attrs *a,
    const uint8_t *nh, size_t nh_len)
{
	static const char *const origins[] = { "igp", "egp", "incomplete" };
	char buf[32];

	if (has(a, BGP_ATTR_ORIGIN) && a->origin <= BGP_ORIGIN_INCOMPLETE)
		jset(o, "origin", json_string(origins[a->origin]));
	if (has(a, BGP_ATTR_AS_PATH))
		jset(o, "as_path", aspath_json(a->as_path));
	next_hop_json(o, nh, nh_len);
	if (has(a, BGP_ATTR_MED))
		jset(o, "med", json_integer(a->med));
	if (has(a, BGP_ATTR_LOCAL_PREF))
		jset(o, "local_pref", json_integer(a->local_pref));
	if (has(a, BGP_ATTR_ATOMIC_AGGREGATE))
		jset(o, "atomic_aggregate", json_true());
	if (has(a, BGP_ATTR_AGGREGATOR)) {
		char ip[16];
		format_ipv4(a->aggregator_addr, ip, sizeof ip);
		snprintf(buf, sizeof buf, "%u:%s", a->aggregator_as, ip);
		jset(o, "aggregator", json_string(buf));
	}
	if (has(a, BGP_ATTR_COMMUNITIES))
		jset(o, "communities", communities_json(a->communities));
	if (has(a, BGP_ATTR_EXT_COMMUNITIES))
		jset(o, "ext_communities", ext_communities_json(a->ext_communities));
	if (has(a, BGP_ATTR_LARGE_COMMUNITIES))
		jset(o, "large_communities", large_communities_json(a->large_communities));
	if (has(a, BGP_ATTR_ORIGINATOR_ID)) {
		uint8_t id[4] = { (uint8_t)(a->originator_id >> 24),
		    (uint8_t)(a->originator_id >> 16),
		    (uint8_t)(a->originator_id >> 8), (uint8_t)a->originator_id };
		jset(o, "originator_id", ipv4_json(id));
	}
	if (has(a, BGP_ATTR_CLUSTER_LIST))
		jset(o, "cluster_list", cluster_list_json(a->cluster_list));
	if (a->unknown_count > 0)
		jset(o, "unknown", unknown_json(a));
}

json_t *route_json_attrs(const struct bgp_attrs *a, const uint8_t *next_hop,
    size_t nh_len)
{
	json_t *o = jcheck(json_object());
	fill_attrs(o, a, next_hop, nh_len);
	return o;
}

/* Decode set and add its keys to o. */
static void fill_set(json_t *o, const struct attrset *set)
{
	struct bgp_attrs a;
	size_t nh_len;
	const uint8_t *nh = attrset_next_hop(set, &nh_len);
	if (attrset_attrs(set, &a)) {
		fill_attrs(o, &a, nh, nh_len);
	} else {
		/* Cannot happen for an interned set (checked when interned). */
		next_hop_json(o, nh, nh_len);
	}
}

json_t *attrset_to_json(const struct attrset *set)
{
	json_t *o = jcheck(json_object());
	fill_set(o, set);
	return o;
}

json_t *route_to_json(const struct bgp_prefix *p, const struct attrset *set)
{
	char buf[BGP_PREFIX_STRLEN];
	json_t *o = jcheck(json_object());
	bgp_prefix_format(p, buf, sizeof buf);
	jset(o, "prefix", json_string(buf));
	jset(o, "path_id", json_integer(p->path_id));
	fill_set(o, set);
	return o;
}

static int append_route(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	jappend(arg, route_to_json(p, set));
	return 0;
}

json_t *adjrib_to_json(const struct adjrib *rib, uint16_t afi)
{
	json_t *arr = jcheck(json_array());
	adjrib_walk(rib, afi, append_route, arr);
	return arr;
}

/* ---- streaming ------------------------------------------------------ */

bool route_json_open(struct route_json_writer *w, json_t *head, const char *key)
{
	char *text = json_dumps(jcheck(head), JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;

	json_decref(head);
	if (len < 2) {
		free(text);
		return !(w->failed = true);
	}
	/* "{…}" less its "}", then the key */
	text[len - 1] = '\0';
	if (fprintf(w->f, "%s%s\"%s\":[", text, len > 2 ? "," : "", key) < 0)
		w->failed = true;
	free(text);
	w->routes = 0;
	return !w->failed;
}

int route_json_write_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct route_json_writer *w = arg;
	json_t *o = route_to_json(p, set);

	if ((w->routes++ > 0 && fputc(',', w->f) == EOF) ||
	    json_dumpf(o, w->f, JSON_COMPACT) != 0 || ferror(w->f))
		w->failed = true;
	json_decref(o);
	return w->failed;
}

bool route_json_close(struct route_json_writer *w)
{
	if (fputs("]}", w->f) == EOF || ferror(w->f))
		w->failed = true;
	return !w->failed;
}
