/*
 * config_neighbor.c — the BGP neighbors of the configuration: "peers"
 * (plain neighbors) and "upstreams" (a neighbor and its instance), and the
 * readers their keys share with clients (hold time, password,
 * multisession). Defaults are the ones a BIRD or OpenBGPD user expects.
 */
#include "muxd/config/config_parse.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/config/config_check.h"
#include "muxd/lib/xalloc.h"

/* The names are the family table's (muxd/bgp/bgp_family.h): config keys,
 * API JSON and log lines spell a family one way. */
bool family_parse(const char *s, struct bgp_family *f)
{
	enum bgp_aid aid = bgp_aid_by_name(s);

	if (aid == AID_NONE)
		return false;
	*f = (struct bgp_family){ bgp_af(aid)->afi, bgp_af(aid)->safi };
	return true;
}

const char *family_name(struct bgp_family f)
{
	enum bgp_aid aid = bgp_aid_of(f.afi, f.safi);

	return aid == AID_NONE ? "unknown-family" : bgp_af(aid)->name;
}

static void parse_families(struct jsonv *v, const char *path, json_t *obj,
    struct neighbor_config *n)
{
	char at[256], item[256];
	json_t *arr = jsonv_array(v, path, obj, "families", false);
	json_t *val;
	size_t i;

	n->families[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	n->family_count = 1;
	if (arr == NULL)
		return;
	jsonv_path_key(at, sizeof at, path, "families");
	if (json_array_size(arr) == 0 || json_array_size(arr) > BGP_MAX_FAMILIES) {
		jsonv_error(v, at, "expected 1..%d families", BGP_MAX_FAMILIES);
		return;
	}
	n->family_count = 0;
	json_array_foreach(arr, i, val) {
		struct bgp_family f;
		jsonv_path_index(item, sizeof item, at, i);
		if (!json_is_string(val) || !family_parse(json_string_value(val), &f)) {
			jsonv_error(v, item, "expected a family such as \"ipv4-unicast\" or \"ipv6-unicast\"");
			continue;
		}
		n->families[n->family_count++] = f;
	}
}

/* The "peer" object: the neighbor's address, AS and port. */
static void parse_remote(struct jsonv *v, const char *path, json_t *obj,
    struct neighbor_config *n)
{
	static const char *const keys[] = { "address", "asn", "port", NULL };
	char at[256];
	json_t *remote = jsonv_child_object(v, path, obj, "peer", true);
	const char *addr = NULL;
	uint64_t asn = 0, port = BGP_PORT;

	if (remote == NULL)
		return;
	jsonv_path_key(at, sizeof at, path, "peer");
	jsonv_object(v, at, remote, keys);
	jsonv_string(v, at, remote, "address", true, &addr);
	jsonv_uint(v, at, remote, "asn", true, 1, UINT32_MAX, &asn);
	config_check_asn_key(v, at, "asn", asn);
	jsonv_uint(v, at, remote, "port", false, 1, 65535, &port);
	n->remote_as = (uint32_t)asn;
	if (addr && !sockaddr_parse(addr, (uint16_t)port, &n->remote)) {
		char ap[256];
		jsonv_path_key(ap, sizeof ap, at, "address");
		jsonv_error(v, ap, "\"%s\" is not a numeric IPv4 or IPv6 address", addr);
	}
}

static void parse_local(struct jsonv *v, const char *path, json_t *obj,
    struct neighbor_config *n)
{
	const char *addr = NULL;
	char at[256];

	if (!jsonv_string(v, path, obj, "local_address", false, &addr) || addr == NULL)
		return;
	jsonv_path_key(at, sizeof at, path, "local_address");
	if (!sockaddr_parse(addr, 0, &n->local)) {
		jsonv_error(v, at, "\"%s\" is not a numeric IPv4 or IPv6 address", addr);
		return;
	}
	n->has_local = true;
	if (n->remote.len && sockaddr_family(&n->remote) != sockaddr_family(&n->local))
		jsonv_error(v, at, "address family differs from peer.address");
}

static const char *const neighbor_keys[] = { "name", "peer", "local_address",
	"passive", "hold_time", "connect_retry", "families", "password",
	"ttl_security", "add_path", "multisession", "family_ports", "max_prefixes", NULL };
const char *const config_addpath_modes[] = { "off", "receive", "send", "both", NULL };
/* "multisession" values in enum ms_mode's order, NULL-terminated. */
static const char *const config_ms_modes[] = { "auto", "off", "cisco", "ietf", NULL };

const char *ms_mode_name(enum ms_mode m)
{
	return m <= MS_IETF ? config_ms_modes[m] : "unknown";
}

const char *addpath_mode_name(enum addpath_mode m)
{
	return m <= ADDPATH_BOTH ? config_addpath_modes[m] : "unknown";
}

int neighbor_family_index(const struct neighbor_config *n, struct bgp_family f)
{
	for (uint8_t i = 0; i < n->family_count; i++)
		if (n->families[i].afi == f.afi && n->families[i].safi == f.safi)
			return i;
	return -1;
}

/*
 * "family_ports": {"ipv6-unicast": 1790}: each key one of fams (the
 * neighbor's, or an instance's upstream's), each value a port. A redirect
 * is the IETF dialect's: the mode must allow it.
 */
static void parse_family_ports(struct jsonv *v, const char *path, json_t *obj,
    const struct neighbor_config *fams, enum ms_mode mode, uint16_t *ports)
{
	json_t *fp = jsonv_child_object(v, path, obj, "family_ports", false);
	const char *key;
	json_t *val;
	char at[256], item[256];

	if (fp == NULL)
		return;
	jsonv_path_key(at, sizeof at, path, "family_ports");
	if (mode == MS_OFF || mode == MS_CISCO)
		jsonv_error(v, at, "redirecting a family's session to its own port "
		    "is the IETF dialect's: set \"multisession\" to \"ietf\" or \"auto\"");
	json_object_foreach(fp, key, val) {
		struct bgp_family f;
		int i;
		jsonv_path_key(item, sizeof item, at, key);
		if (!family_parse(key, &f) || (i = neighbor_family_index(fams, f)) < 0) {
			jsonv_error(v, item, "\"%s\" is not one of the families", key);
			continue;
		}
		if (!json_is_integer(val) || json_integer_value(val) < 1 ||
		    json_integer_value(val) > 65535) {
			jsonv_error(v, item, "expected a TCP port, 1..65535");
			continue;
		}
		ports[i] = (uint16_t)json_integer_value(val);
	}
}

enum ms_mode config_parse_ms_mode(struct jsonv *v, const char *path, json_t *obj)
{
	int mode = MS_AUTO;
	jsonv_enum(v, path, obj, "multisession", false, config_ms_modes, &mode);
	return (enum ms_mode)mode;
}

void config_parse_hold_time(struct jsonv *v, const char *path, json_t *obj,
    uint16_t *out)
{
	uint64_t hold = CONFIG_HOLD_TIME_DEFAULT;
	char at[256];

	if (jsonv_uint(v, path, obj, "hold_time", false, 0, 65535, &hold) &&
	    (hold == 1 || hold == 2)) {
		jsonv_path_key(at, sizeof at, path, "hold_time");
		jsonv_error(v, at, "must be 0 or at least 3 seconds (RFC 4271)");
	}
	*out = (uint16_t)hold;
}

char *config_parse_password(struct jsonv *v, const char *path, json_t *obj)
{
	const char *password = NULL;
	char at[256];

	if (!jsonv_string(v, path, obj, "password", false, &password) || password == NULL)
		return NULL;
	if (strlen(password) > 80) {
		jsonv_path_key(at, sizeof at, path, "password");
		jsonv_error(v, at, "TCP-MD5 keys are at most 80 bytes");
	}
	return xstrdup(password);
}

/*
 * "max_prefixes": N, or {"limit": N, "warning": PERCENT, "action":
 * "teardown" | "warn", "restart": SECONDS} — as BIRD's import limit and
 * OpenBGPD's max-prefix … restart (muxd/engine/prefix_limit.h).
 */
static void parse_max_prefixes(struct jsonv *v, const char *path, json_t *obj,
    struct prefix_limit_config *pl)
{
	static const char *const keys[] = { "limit", "warning", "action", "restart", NULL };
	static const char *const actions[] = { "warn", "teardown", NULL };
	uint64_t limit = 0, warning = 90, restart = 300;
	int action = 1;
	json_t *mp = json_object_get(obj, "max_prefixes");
	char at[256];

	memset(pl, 0, sizeof *pl);
	if (mp == NULL)
		return;
	jsonv_path_key(at, sizeof at, path, "max_prefixes");
	if (json_is_integer(mp)) {
		jsonv_uint(v, path, obj, "max_prefixes", true, 1, 100000000, &limit);
	} else if (!json_is_object(mp)) {
		jsonv_error(v, at, "expected a number of prefixes, or an object with "
		    "\"limit\", \"warning\", \"action\" and \"restart\"");
		return;
	} else {
		jsonv_object(v, at, mp, keys);
		jsonv_uint(v, at, mp, "limit", true, 1, 100000000, &limit);
		jsonv_uint(v, at, mp, "warning", false, 1, 100, &warning);
		jsonv_enum(v, at, mp, "action", false, actions, &action);
		jsonv_uint(v, at, mp, "restart", false, 1, 86400, &restart);
	}
	pl->limit = (uint32_t)limit;
	pl->warning = (uint8_t)warning;
	pl->teardown = action == 1;
	pl->restart = (uint32_t)restart;
}

/* The fields of a neighbor; the caller has checked the keys. */
static void parse_neighbor_fields(struct jsonv *v, const char *path, json_t *obj,
    struct neighbor_config *n)
{
	const char *name = NULL;
	uint64_t retry = CONFIG_CONNECT_RETRY_DEFAULT;
	int addpath = (int)n->add_path;   /* the caller's default */

	jsonv_string(v, path, obj, "name", true, &name);
	n->name = xstrdup(name ? name : "");
	parse_remote(v, path, obj, n);
	parse_local(v, path, obj, n);
	jsonv_bool(v, path, obj, "passive", false, &n->passive);
	config_parse_hold_time(v, path, obj, &n->hold_time);
	jsonv_uint(v, path, obj, "connect_retry", false, 1, 3600, &retry);
	n->connect_retry = (uint16_t)retry;
	parse_families(v, path, obj, n);
	n->password = config_parse_password(v, path, obj);
	jsonv_bool(v, path, obj, "ttl_security", false, &n->ttl_security);
	jsonv_enum(v, path, obj, "add_path", false, config_addpath_modes, &addpath);
	n->add_path = (enum addpath_mode)addpath;
	n->multisession = config_parse_ms_mode(v, path, obj);
	parse_family_ports(v, path, obj, n, n->multisession, n->family_ports);
	parse_max_prefixes(v, path, obj, &n->max_prefixes);
}

static void parse_neighbor(struct jsonv *v, const char *path, json_t *obj,
    struct neighbor_config *n)
{
	jsonv_object(v, path, obj, neighbor_keys);
	if (json_is_object(obj))
		parse_neighbor_fields(v, path, obj, n);
	else
		n->name = xstrdup("");          /* the checks across peers read it */
}

static void check_unique_names(struct jsonv *v, const struct config *c)
{
	char at[256];

	for (size_t i = 0; i < c->peer_count; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->peers[i].name, c->peers[j].name) == 0) {
				snprintf(at, sizeof at, "$.peers[%zu].name", i);
				jsonv_error(v, at, "\"%s\" is already the name of $.peers[%zu]",
				    c->peers[i].name, j);
			}
		}
	}
}

void config_parse_peers(struct jsonv *v, json_t *root, struct config *c)
{
	json_t *arr = jsonv_array(v, "$", root, "peers", false);
	json_t *val;
	size_t i;
	char at[256];

	if (arr == NULL)
		return;
	c->peers = xcalloc(json_array_size(arr), sizeof *c->peers);
	json_array_foreach(arr, i, val) {
		jsonv_path_index(at, sizeof at, "$.peers", i);
		parse_neighbor(v, at, val, &c->peers[c->peer_count++]);
	}
	check_unique_names(v, c);
}

/* ---- upstreams: a neighbor and its instance ---------------------------------- */

static void parse_instance(struct jsonv *v, const char *path, json_t *obj,
    uint32_t gateway_as, const struct neighbor_config *n, struct instance_config *ic)
{
	static const char *const keys[] = { "address", "port", "local_as", "next_hop",
		"client_to_client", "family_ports", NULL };
	static const char *const nh_modes[] = { "unchanged", "self", NULL };
	char at[256], ap[256];
	json_t *inst = jsonv_child_object(v, path, obj, "instance", true);
	const char *addr = NULL;
	uint64_t port = BGP_PORT, local_as = gateway_as;
	int nh = 0;

	if (inst == NULL)
		return;
	jsonv_path_key(at, sizeof at, path, "instance");
	jsonv_object(v, at, inst, keys);
	jsonv_string(v, at, inst, "address", true, &addr);
	jsonv_uint(v, at, inst, "port", false, 1, 65535, &port);
	jsonv_uint(v, at, inst, "local_as", false, 1, UINT32_MAX, &local_as);
	if (json_object_get(inst, "local_as"))  /* else the gateway's, checked there */
		config_check_asn_key(v, at, "local_as", local_as);
	jsonv_enum(v, at, inst, "next_hop", false, nh_modes, &nh);
	jsonv_bool(v, at, inst, "client_to_client", false, &ic->client_to_client);
	ic->local_as = (uint32_t)local_as;
	ic->next_hop_self = nh == 1;
	/* Clients pick their own dialect; a redirect needs theirs to be IETF. */
	parse_family_ports(v, at, inst, n, MS_AUTO, ic->family_ports);
	if (addr && !sockaddr_parse(addr, (uint16_t)port, &ic->addr)) {
		jsonv_path_key(ap, sizeof ap, at, "address");
		jsonv_error(v, ap, "\"%s\" is not a numeric IPv4 or IPv6 address", addr);
	}
}

/* An address of the given family, for the gateway's own routes. */
static void parse_own_next_hop(struct jsonv *v, const char *path, json_t *obj,
    const char *key, int family, struct sockaddr_mux *out)
{
	const char *s = NULL;
	char at[256];

	memset(out, 0, sizeof *out);
	if (!jsonv_string(v, path, obj, key, false, &s) || s == NULL)
		return;
	if (!sockaddr_parse(s, 0, out) || sockaddr_family(out) != family) {
		jsonv_path_key(at, sizeof at, path, key);
		jsonv_error(v, at, "\"%s\" is not a numeric %s address", s,
		    family == AF_INET ? "IPv4" : "IPv6");
		memset(out, 0, sizeof *out);
	}
}

static const char *const *upstream_keys(void)
{
	static const char *keys[24];

	if (keys[0] == NULL) {
		size_t i = 0;
		for (; neighbor_keys[i]; i++)
			keys[i] = neighbor_keys[i];
		keys[i++] = "instance";
		keys[i++] = "id";
		keys[i++] = "next_hop_ipv4";
		keys[i++] = "next_hop_ipv6";
		keys[i] = "graceful_restart";
	}
	return keys;
}

/* An instance host's upstream: a view of its view host, named, with the
 * id that names the view there, its families and its instance; its
 * session is the view host's. */
static void parse_remote_upstream(struct jsonv *v, const char *path, json_t *obj,
    uint32_t gateway_as, struct upstream_config *u)
{
	const char *name = NULL;
	uint64_t id = 0;

	config_upstream_session_keys(v, path, obj);
	jsonv_string(v, path, obj, "name", true, &name);
	u->n.name = xstrdup(name ? name : "");
	u->n.remote_as = gateway_as;
	u->n.hold_time = CONFIG_HOLD_TIME_DEFAULT;
	u->n.connect_retry = CONFIG_CONNECT_RETRY_DEFAULT;
	parse_families(v, path, obj, &u->n);
	parse_instance(v, path, obj, gateway_as, &u->n, &u->instance);
	/* required: the view host knows the view by it, not by position */
	jsonv_uint(v, path, obj, "id", true, 1, 999, &id);
	u->id = (uint16_t)id;
}

static void parse_upstream(struct jsonv *v, const char *path, json_t *obj,
    const struct config *c, struct upstream_config *u)
{
	jsonv_object(v, path, obj, upstream_keys());
	if (!json_is_object(obj)) {
		u->n.name = xstrdup("");        /* the checks across upstreams read it */
		return;
	}
	if (c->view_host.enabled) {
		parse_remote_upstream(v, path, obj, c->asn, u);
		return;
	}
	/* A view keeps every path: upstreams offer ADD-PATH receive by
	 * default; "add_path": "off" turns it off. */
	u->n.add_path = ADDPATH_RECEIVE;
	parse_neighbor_fields(v, path, obj, &u->n);
	jsonv_bool(v, path, obj, "graceful_restart", false, &u->n.graceful_restart);
	parse_instance(v, path, obj, c->asn, &u->n, &u->instance);
	uint64_t id = 0;
	jsonv_uint(v, path, obj, "id", false, 1, 999, &id);
	u->id = (uint16_t)id;           /* 0: its position, set in check_mux */
	parse_own_next_hop(v, path, obj, "next_hop_ipv4", AF_INET, &u->next_hop4);
	parse_own_next_hop(v, path, obj, "next_hop_ipv6", AF_INET6, &u->next_hop6);
}

void config_parse_upstreams(struct jsonv *v, json_t *root, struct config *c)
{
	json_t *arr = jsonv_array(v, "$", root, "upstreams", false), *val;
	char at[256];
	size_t i;

	if (arr == NULL)
		return;
	c->upstreams = xcalloc(json_array_size(arr), sizeof *c->upstreams);
	json_array_foreach(arr, i, val) {
		jsonv_path_index(at, sizeof at, "$.upstreams", i);
		parse_upstream(v, at, val, c, &c->upstreams[c->upstream_count++]);
	}
}
