/*
 * ris_json.c — RIS Live message rendering.
 */
#include "web/ris_json.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "web/untrusted_json.h"
#include "web/jbuf.h"

/* Compact, insertion order, and enough digits for a timestamp with
 * milliseconds (10 + 3). */
#define RIS_DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(13))

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

static json_t *hex_json(const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * len + 1);
	if (s == NULL)
		return json_null();
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * len] = '\0';
	json_t *j = json_string(s);
	free(s);
	return j;
}

static json_t *families_json(const struct bgp_family *f, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:i,s:i}", "afi", f[i].afi,
		    "safi", f[i].safi));
	return arr;
}

static json_t *cap_json(unsigned code)
{
	return json_pack("{s:s}", "name", bgp_cap_name(code));
}

/* Capabilities keyed by code, each with its name and decoded fields. */
static json_t *caps_json(const struct bgp_caps *c)
{
	json_t *o = json_object(), *cap;
	char key[8];

	if (c->present & BGP_CAPF_MP) {
		cap = cap_json(BGP_CAP_MP);
		set(cap, "families", families_json(c->mp, c->mp_count));
		set(o, "1", cap);
	}
	if (c->present & BGP_CAPF_ROUTE_REFRESH)
		set(o, "2", cap_json(BGP_CAP_ROUTE_REFRESH));
	if (c->present & BGP_CAPF_EXT_MESSAGE)
		set(o, "6", cap_json(BGP_CAP_EXT_MESSAGE));
	if (c->present & BGP_CAPF_GRACEFUL_RESTART) {
		cap = cap_json(BGP_CAP_GRACEFUL_RESTART);
		set(cap, "restart_time", json_integer(c->gr.restart_time));
		set(o, "64", cap);
	}
	if (c->present & BGP_CAPF_AS4) {
		cap = cap_json(BGP_CAP_AS4);
		set(cap, "asn", json_integer(c->as4));
		set(o, "65", cap);
	}
	if (c->present & BGP_CAPF_ADD_PATH) {
		json_t *fams = json_array();
		for (size_t i = 0; i < c->addpath_count; i++)
			json_array_append_new(fams, json_pack("{s:i,s:i,s:i}",
			    "afi", c->addpath[i].fam.afi, "safi", c->addpath[i].fam.safi,
			    "mode", c->addpath[i].mode));
		cap = cap_json(BGP_CAP_ADD_PATH);
		set(cap, "families", fams);
		set(o, "69", cap);
	}
	if (c->present & BGP_CAPF_ENHANCED_RR)
		set(o, "70", cap_json(BGP_CAP_ENHANCED_RR));
	if (c->present & BGP_CAPF_FQDN) {
		cap = cap_json(BGP_CAP_FQDN);
		/* the peer's octets, UTF-8 or not */
		set(cap, "hostname", untrusted_json(c->fqdn_host));
		set(cap, "domain", untrusted_json(c->fqdn_domain));
		set(o, "73", cap);
	}
	if (c->present & BGP_CAPF_ROUTE_REFRESH_CISCO)
		set(o, "128", cap_json(BGP_CAP_ROUTE_REFRESH_CISCO));
	for (size_t i = 0; i < c->unknown_count; i++) {
		snprintf(key, sizeof key, "%u", c->unknown[i].code);
		cap = cap_json(c->unknown[i].code);
		set(cap, "data", hex_json(c->unknown[i].data, c->unknown[i].len));
		set(o, key, cap);
	}
	return o;
}

/* ---- the message as text (web/jbuf.h: the hot path) ---------------- */

/* ,"k": */
#define KEY(b, k) JB_LIT(b, ",\"" k "\":")

/* Up to three decimal digits of v (< 1000) at o; returns the end. */
static char *put_small(char *o, unsigned v)
{
	if (v >= 100)
		*o++ = (char)('0' + v / 100);
	if (v >= 10)
		*o++ = (char)('0' + v / 10 % 10);
	*o++ = (char)('0' + v % 10);
	return o;
}

/* a.b.c.d at o; returns the end. Not inet_ntop: glibc's formats each
 * IPv4 address with sprintf, and a message has two (its peer, the next
 * hop) and a table's prefixes. */
static char *put_ipv4(char *o, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*o++ = '.';
		o = put_small(o, a[i]);
	}
	return o;
}

/* "a.b.c.d", or "a.b.c.d/len" with a length (len >= 0): a table's
 * prefixes are the hot spot. */
static void put_ipv4_str(struct jbuf *b, const uint8_t *a, int len)
{
	if (!jb_room(b, sizeof "\"255.255.255.255/32\""))
		return;
	char *o = b->p + b->len;
	*o++ = '"';
	o = put_ipv4(o, a);
	if (len >= 0) {
		*o++ = '/';
		o = put_small(o, (unsigned)len);
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

static void put_prefix4(struct jbuf *b, const struct bgp_prefix *p)
{
	put_ipv4_str(b, p->addr, p->len);
}

static void put_addr(struct jbuf *b, uint16_t afi, const uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (afi == BGP_AFI_IPV4) {
		put_ipv4_str(b, a, -1);
		return;
	}
	inet_ntop(AF_INET6, a, buf, sizeof buf);
	jb_str(b, buf);
}

static void put_prefixes(struct jbuf *b, const struct bgp_prefix *p, size_t n)
{
	char buf[BGP_PREFIX_STRLEN];

	JB_LIT(b, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			JB_LIT(b, ",");
		if (p[i].afi == BGP_AFI_IPV4) {
			put_prefix4(b, &p[i]);
			continue;
		}
		bgp_prefix_format(&p[i], buf, sizeof buf);
		jb_str(b, buf);
	}
	JB_LIT(b, "]");
}

/* [a, b, [c, d]]: a set is a nested array */
static void put_path(struct jbuf *b, const struct ris_msg *m)
{
	JB_LIT(b, "[");
	for (size_t i = 0; i < m->path_len; i++) {
		const struct ris_path_item *it = &m->path[i];
		if (i)
			JB_LIT(b, ",");
		if (!it->is_set) {
			jb_uint(b, it->asn);
			continue;
		}
		JB_LIT(b, "[");
		for (unsigned k = 0; k < it->n; k++) {
			if (k)
				JB_LIT(b, ",");
			jb_uint(b, be32(it->asns + 4 * k));
		}
		JB_LIT(b, "]");
	}
	JB_LIT(b, "]");
}

static void put_communities(struct jbuf *b, struct bgp_bytes c)
{
	JB_LIT(b, "[");
	for (size_t i = 0; i + 4 <= c.len; i += 4) {
		if (i)
			JB_LIT(b, ",");
		JB_LIT(b, "[");
		jb_uint(b, be16(c.p + i));
		JB_LIT(b, ",");
		jb_uint(b, be16(c.p + i + 2));
		JB_LIT(b, "]");
	}
	JB_LIT(b, "]");
}

static const char *origin_name(uint8_t o)
{
	return o == BGP_ORIGIN_IGP ? "igp" : o == BGP_ORIGIN_EGP ? "egp" : "incomplete";
}

static void put_update_attrs(struct jbuf *b, const struct ris_msg *m)
{
	const struct bgp_attrs *a = m->attrs;
	char buf[64], ip[INET_ADDRSTRLEN];

	KEY(b, "path");
	put_path(b, m);
	KEY(b, "community");
	put_communities(b, a->communities);
	KEY(b, "origin");
	jb_str(b, origin_name(a->origin));
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MED)) {
		KEY(b, "med");
		jb_uint(b, a->med);
	}
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)) {
		inet_ntop(AF_INET, a->aggregator_addr, ip, sizeof ip);
		snprintf(buf, sizeof buf, "%u:%s", a->aggregator_as, ip);
		KEY(b, "aggregator");
		jb_str(b, buf);
	}
}

static void put_update(struct jbuf *b, const struct ris_msg *m)
{
	if (m->attrs)
		put_update_attrs(b, m);
	if (m->n_ann) {
		KEY(b, "announcements");
		JB_LIT(b, "[");
		for (size_t i = 0; i < m->n_ann; i++) {
			const struct ris_announce *a = &m->ann[i];
			jb_lit(b, i ? ",{\"next_hop\":" : "{\"next_hop\":");
			put_addr(b, a->afi, a->next_hop);
			JB_LIT(b, ",\"prefixes\":");
			put_prefixes(b, a->prefixes, a->n);
			JB_LIT(b, "}");
		}
		JB_LIT(b, "]");
	}
	if (m->n_withdrawn) {
		KEY(b, "withdrawals");
		put_prefixes(b, m->withdrawn, m->n_withdrawn);
	}
}

static void put_open(struct jbuf *b, const struct ris_msg *m)
{
	const struct bgp_open *o = m->open;
	struct in_addr id = { htonl(o->bgp_id) };
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &id, ip, sizeof ip);
	KEY(b, "direction");
	jb_str(b, m->sent ? "sent" : "received");
	KEY(b, "version");
	jb_uint(b, o->version);
	KEY(b, "asn");
	jb_uint(b, bgp_open_peer_as(o));
	KEY(b, "hold_time");
	jb_uint(b, o->hold_time);
	KEY(b, "router_id");
	jb_str(b, ip);
	/* rare: rendered with jansson */
	json_t *caps = caps_json(&o->caps);
	char *s = json_dumps(caps, RIS_DUMP_FLAGS);
	json_decref(caps);
	KEY(b, "capabilities");
	jb_lit(b, s ? s : "{}");
	free(s);
}

static void put_notification(struct jbuf *b, const struct ris_msg *m)
{
	const struct bgp_notification *n = m->notification;

	KEY(b, "direction");
	jb_str(b, m->sent ? "sent" : "received");
	JB_LIT(b, ",\"notification\":{\"code\":");
	jb_uint(b, n->code);
	JB_LIT(b, ",\"subcode\":");
	jb_uint(b, n->subcode);
	JB_LIT(b, ",\"data\":");
	jb_hex(b, n->data, n->data_len);
	JB_LIT(b, "}");
}

char *ris_message_json(const struct ris_msg *m, bool include_raw)
{
	struct jbuf b;

	jb_init(&b);
	ris_message_render(&b, m, include_raw);
	return jb_take(&b);
}

void ris_message_render(struct jbuf *b, const struct ris_msg *m, bool include_raw)
{
	const char *host = m->host ? m->host : "";

	JB_LIT(b, "{\"type\":\"ris_message\",\"data\":{\"timestamp\":");
	jb_time(b, m->timestamp);
	KEY(b, "peer");
	put_addr(b, m->peer_afi, m->peer_addr);
	KEY(b, "peer_asn");
	JB_LIT(b, "\"");
	jb_uint(b, m->peer_asn);
	JB_LIT(b, "\"");
	/* id: "host-seq", host escaped like any string */
	KEY(b, "id");
	jb_str(b, host);
	b->len -= !b->oom;              /* reopen the string */
	JB_LIT(b, "-");
	jb_xint(b, m->seq);
	JB_LIT(b, "\"");
	KEY(b, "host");
	jb_str(b, host);
	KEY(b, "type");
	jb_str(b, ris_type_name(m->type));
	if (m->type == RIS_UPDATE)
		put_update(b, m);
	else if (m->type == RIS_OPEN && m->open)
		put_open(b, m);
	else if (m->type == RIS_NOTIFICATION && m->notification)
		put_notification(b, m);
	else if (m->type == RIS_PEER_STATE) {
		KEY(b, "state");
		jb_str(b, m->state ? m->state : "");
	}
	if (include_raw && m->raw) {
		KEY(b, "raw");
		jb_hex(b, m->raw, m->raw_len);
	}
	JB_LIT(b, "}}");
}

char *ris_frame_json(const char *type, json_t *data)
{
	json_t *o = json_object();
	set(o, "type", json_string(type));
	set(o, "data", data ? data : json_object());
	char *s = json_dumps(o, RIS_DUMP_FLAGS);
	json_decref(o);
	return s;
}

