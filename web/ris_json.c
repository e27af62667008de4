/*
 * ris_json.c — RIS Live message rendering.
 */
#include "web/ris_json.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp.h"

/* Compact, insertion order, and enough digits for a timestamp with
 * milliseconds (10 + 3). */
#define RIS_DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(13))

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

static json_t *addr_json(uint16_t afi, const uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(afi == BGP_AFI_IPV4 ? AF_INET : AF_INET6, a, buf, sizeof buf);
	return json_string(buf);
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

static json_t *prefix_json(const struct bgp_prefix *p)
{
	char buf[BGP_PREFIX_STRLEN];
	bgp_prefix_format(p, buf, sizeof buf);
	return json_string(buf);
}

/* [a, b, [c, d]]: a set is a nested array */
static json_t *path_json(const struct ris_msg *m)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < m->path_len; i++) {
		const struct ris_path_item *it = &m->path[i];
		if (!it->is_set) {
			json_array_append_new(arr, json_integer(it->asn));
			continue;
		}
		json_t *set = json_array();
		for (unsigned k = 0; k < it->n; k++)
			json_array_append_new(set, json_integer(be32(it->asns + 4 * k)));
		json_array_append_new(arr, set);
	}
	return arr;
}

static json_t *community_json(struct bgp_bytes c)
{
	json_t *arr = json_array();
	for (size_t i = 0; i + 4 <= c.len; i += 4)
		json_array_append_new(arr, json_pack("[ii]",
		    (int)(c.p[i] << 8 | c.p[i + 1]), (int)(c.p[i + 2] << 8 | c.p[i + 3])));
	return arr;
}

static const char *origin_name(uint8_t o)
{
	return o == BGP_ORIGIN_IGP ? "igp" : o == BGP_ORIGIN_EGP ? "egp" : "incomplete";
}

static json_t *prefixes_json(const struct bgp_prefix *p, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, prefix_json(&p[i]));
	return arr;
}

static void update_attrs(json_t *d, const struct ris_msg *m)
{
	const struct bgp_attrs *a = m->attrs;
	char buf[64];

	set(d, "path", path_json(m));
	set(d, "community", community_json(a->communities));
	set(d, "origin", json_string(origin_name(a->origin)));
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MED))
		set(d, "med", json_integer(a->med));
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)) {
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, a->aggregator_addr, ip, sizeof ip);
		snprintf(buf, sizeof buf, "%u:%s", a->aggregator_as, ip);
		set(d, "aggregator", json_string(buf));
	}
}

static void update_json(json_t *d, const struct ris_msg *m)
{
	if (m->attrs)
		update_attrs(d, m);
	if (m->n_ann) {
		json_t *ann = json_array();
		for (size_t i = 0; i < m->n_ann; i++) {
			const struct ris_announce *a = &m->ann[i];
			json_array_append_new(ann, json_pack("{s:o,s:o}",
			    "next_hop", addr_json(a->afi, a->next_hop),
			    "prefixes", prefixes_json(a->prefixes, a->n)));
		}
		set(d, "announcements", ann);
	}
	if (m->n_withdrawn)
		set(d, "withdrawals", prefixes_json(m->withdrawn, m->n_withdrawn));
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
		set(cap, "hostname", json_string(c->fqdn_host));
		set(cap, "domain", json_string(c->fqdn_domain));
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

static void open_json(json_t *d, const struct ris_msg *m)
{
	const struct bgp_open *o = m->open;
	struct in_addr id = { htonl(o->bgp_id) };
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &id, ip, sizeof ip);
	set(d, "direction", json_string(m->sent ? "sent" : "received"));
	set(d, "version", json_integer(o->version));
	set(d, "asn", json_integer(bgp_open_peer_as(o)));
	set(d, "hold_time", json_integer(o->hold_time));
	set(d, "router_id", json_string(ip));
	set(d, "capabilities", caps_json(&o->caps));
}

static void notification_json(json_t *d, const struct ris_msg *m)
{
	const struct bgp_notification *n = m->notification;

	set(d, "direction", json_string(m->sent ? "sent" : "received"));
	set(d, "notification", json_pack("{s:i,s:i,s:o}", "code", n->code,
	    "subcode", n->subcode, "data", hex_json(n->data, n->data_len)));
}

static json_t *message_data(const struct ris_msg *m, bool include_raw)
{
	json_t *d = json_object();
	char buf[64];

	set(d, "timestamp", json_real(round(m->timestamp * 1000) / 1000));
	set(d, "peer", addr_json(m->peer_afi, m->peer_addr));
	snprintf(buf, sizeof buf, "%u", m->peer_asn);
	set(d, "peer_asn", json_string(buf));
	snprintf(buf, sizeof buf, "%s-%llx", m->host ? m->host : "",
	    (unsigned long long)m->seq);
	set(d, "id", json_string(buf));
	set(d, "host", json_string(m->host ? m->host : ""));
	set(d, "type", json_string(ris_type_name(m->type)));
	if (m->type == RIS_UPDATE)
		update_json(d, m);
	else if (m->type == RIS_OPEN && m->open)
		open_json(d, m);
	else if (m->type == RIS_NOTIFICATION && m->notification)
		notification_json(d, m);
	else if (m->type == RIS_PEER_STATE)
		set(d, "state", json_string(m->state ? m->state : ""));
	if (include_raw && m->raw)
		set(d, "raw", hex_json(m->raw, m->raw_len));
	return d;
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

char *ris_message_json(const struct ris_msg *m, bool include_raw)
{
	return ris_frame_json("ris_message", message_data(m, include_raw));
}
