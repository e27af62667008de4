/*
 * config.c — reads the JSON configuration into struct config.
 *
 * The schema lives here as code: one function per object, each checking
 * its keys against an allowed list, so an unknown key is an error that
 * names its path. Defaults are the ones a BIRD or OpenBGPD user expects.
 */
#include "muxd/config/config.h"
#include "muxd/config/config_check.h"
#include "muxd/config/config_services.h"
#include "muxd/config/client_addr.h"

#include "muxd/bgp/bgp_update.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_HOLD_TIME 90
#define DEFAULT_CONNECT_RETRY 30

static const struct {
	const char *name;
	struct bgp_family fam;
} family_names[] = {
	{ "ipv4-unicast", { BGP_AFI_IPV4, BGP_SAFI_UNICAST } },
	{ "ipv6-unicast", { BGP_AFI_IPV6, BGP_SAFI_UNICAST } },
	{ "ipv4-multicast", { BGP_AFI_IPV4, BGP_SAFI_MULTICAST } },
	{ "ipv6-multicast", { BGP_AFI_IPV6, BGP_SAFI_MULTICAST } },
	{ "ipv4-vpn", { BGP_AFI_IPV4, BGP_SAFI_VPN } },
	{ "ipv6-vpn", { BGP_AFI_IPV6, BGP_SAFI_VPN } },
};
#define FAMILY_NAME_COUNT (sizeof family_names / sizeof family_names[0])

bool family_parse(const char *s, struct bgp_family *f)
{
	for (size_t i = 0; i < FAMILY_NAME_COUNT; i++) {
		if (strcmp(s, family_names[i].name) == 0) {
			*f = family_names[i].fam;
			return true;
		}
	}
	return false;
}

const char *family_name(struct bgp_family f)
{
	for (size_t i = 0; i < FAMILY_NAME_COUNT; i++)
		if (family_names[i].fam.afi == f.afi && family_names[i].fam.safi == f.safi)
			return family_names[i].name;
	return "unknown-family";
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

/* An AS number at path.key: never AS_TRANS (config_check.h). */
static void check_asn_key(struct jsonv *v, const char *path, const char *key,
    uint64_t asn)
{
	char at[256];

	jsonv_path_key(at, sizeof at, path, key);
	config_check_asn(v, at, asn);
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
	check_asn_key(v, at, "asn", asn);
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
static const char *const addpath_modes[] = { "off", "receive", "send", "both", NULL };
/* In enum ms_mode's order. */
static const char *const ms_modes[] = { "auto", "off", "cisco", "ietf", NULL };

const char *ms_mode_name(enum ms_mode m)
{
	return m <= MS_IETF ? ms_modes[m] : "unknown";
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

static enum ms_mode parse_ms_mode(struct jsonv *v, const char *path, json_t *obj)
{
	int mode = MS_AUTO;
	jsonv_enum(v, path, obj, "multisession", false, ms_modes, &mode);
	return (enum ms_mode)mode;
}

static void parse_hold_time(struct jsonv *v, const char *path, json_t *obj,
    uint16_t *out)
{
	uint64_t hold = DEFAULT_HOLD_TIME;
	char at[256];

	if (jsonv_uint(v, path, obj, "hold_time", false, 0, 65535, &hold) &&
	    (hold == 1 || hold == 2)) {
		jsonv_path_key(at, sizeof at, path, "hold_time");
		jsonv_error(v, at, "must be 0 or at least 3 seconds (RFC 4271)");
	}
	*out = (uint16_t)hold;
}

static char *parse_password(struct jsonv *v, const char *path, json_t *obj)
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
	uint64_t retry = DEFAULT_CONNECT_RETRY;
	int addpath = (int)n->add_path;   /* the caller's default */

	jsonv_string(v, path, obj, "name", true, &name);
	n->name = xstrdup(name ? name : "");
	parse_remote(v, path, obj, n);
	parse_local(v, path, obj, n);
	jsonv_bool(v, path, obj, "passive", false, &n->passive);
	parse_hold_time(v, path, obj, &n->hold_time);
	jsonv_uint(v, path, obj, "connect_retry", false, 1, 3600, &retry);
	n->connect_retry = (uint16_t)retry;
	parse_families(v, path, obj, n);
	n->password = parse_password(v, path, obj);
	jsonv_bool(v, path, obj, "ttl_security", false, &n->ttl_security);
	jsonv_enum(v, path, obj, "add_path", false, addpath_modes, &addpath);
	n->add_path = (enum addpath_mode)addpath;
	n->multisession = parse_ms_mode(v, path, obj);
	parse_family_ports(v, path, obj, n, n->multisession, n->family_ports);
	parse_max_prefixes(v, path, obj, &n->max_prefixes);
}

static void parse_neighbor(struct jsonv *v, const char *path, json_t *obj,
    struct neighbor_config *n)
{
	jsonv_object(v, path, obj, neighbor_keys);
	if (json_is_object(obj))
		parse_neighbor_fields(v, path, obj, n);
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

static void parse_peers(struct jsonv *v, json_t *root, struct config *c)
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

/* ---- the mux: upstreams and their instances, clients ---------------------- */

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
		check_asn_key(v, at, "local_as", local_as);
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

static void parse_upstream(struct jsonv *v, const char *path, json_t *obj,
    uint32_t gateway_as, struct upstream_config *u)
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
	jsonv_object(v, path, obj, keys);
	if (!json_is_object(obj))
		return;
	/* A view keeps every path: upstreams offer ADD-PATH receive by
	 * default; "add_path": "off" turns it off. */
	u->n.add_path = ADDPATH_RECEIVE;
	parse_neighbor_fields(v, path, obj, &u->n);
	jsonv_bool(v, path, obj, "graceful_restart", false, &u->n.graceful_restart);
	parse_instance(v, path, obj, gateway_as, &u->n, &u->instance);
	uint64_t id = 0;
	jsonv_uint(v, path, obj, "id", false, 1, 999, &id);
	u->id = (uint16_t)id;           /* 0: its position, set in check_mux */
	parse_own_next_hop(v, path, obj, "next_hop_ipv4", AF_INET, &u->next_hop4);
	parse_own_next_hop(v, path, obj, "next_hop_ipv6", AF_INET6, &u->next_hop6);
}

/* An array of strings, each checked by ok(); copies into *out. */
static size_t parse_strings(struct jsonv *v, const char *path, json_t *obj,
    const char *key, bool (*ok)(const char *), const char *what, char ***out)
{
	char at[256], item[256];
	json_t *arr = jsonv_array(v, path, obj, key, false), *val;
	size_t i, n = 0;

	*out = NULL;
	if (arr == NULL)
		return 0;
	jsonv_path_key(at, sizeof at, path, key);
	*out = xcalloc(json_array_size(arr), sizeof **out);
	json_array_foreach(arr, i, val) {
		jsonv_path_index(item, sizeof item, at, i);
		if (!json_is_string(val) || (ok && !ok(json_string_value(val)))) {
			jsonv_error(v, item, "expected %s", what);
			continue;
		}
		(*out)[n++] = xstrdup(json_string_value(val));
	}
	return n;
}

static bool prefix_ok(const char *s)
{
	struct bgp_prefix p;
	return bgp_prefix_parse(s, &p);
}

/* What governs a client's own routes (issue 5). */
static void parse_client_routes(struct jsonv *v, const char *path, json_t *obj,
    struct client_config *cc)
{
	static const char *const ml_keys[] = { "ipv4", "ipv6", NULL };
	uint64_t ml4 = 24, ml6 = 48, maxp = 100, hold = 300, mini = 30;
	json_t *ml = jsonv_child_object(v, path, obj, "max_length", false);
	char at[256];

	if (ml != NULL) {
		jsonv_path_key(at, sizeof at, path, "max_length");
		jsonv_object(v, at, ml, ml_keys);
		jsonv_uint(v, at, ml, "ipv4", false, 1, 32, &ml4);
		jsonv_uint(v, at, ml, "ipv6", false, 1, 128, &ml6);
	}
	jsonv_uint(v, path, obj, "max_prefixes", false, 1, 1000000, &maxp);
	jsonv_bool(v, path, obj, "keep_asn", false, &cc->keep_asn);
	jsonv_uint(v, path, obj, "hold_down", false, 0, 86400, &hold);
	jsonv_uint(v, path, obj, "min_interval", false, 0, 3600, &mini);
	cc->max_len4 = (uint8_t)ml4;
	cc->max_len6 = (uint8_t)ml6;
	cc->max_prefixes = (uint32_t)maxp;
	cc->hold_down = (uint32_t)hold;
	cc->min_interval = (uint32_t)mini;
	if (cc->keep_asn && cc->asn >= 64512 && (cc->asn <= 65535 || cc->asn >= 4200000000u)) {
		jsonv_path_key(at, sizeof at, path, "keep_asn");
		jsonv_error(v, at, "asn %u is private (RFC 6996/7300): it is removed from "
		    "every path, so there is nothing to keep (set keep_asn to false)", cc->asn);
	}
}

size_t client_name_max(const struct client_config *cc)
{
	if (cc->range_len == 0)
		return CLIENT_NAME_MAX;
	return CLIENT_NAME_MAX - 1 - (sockaddr_family(&cc->addr) == AF_INET ?
	    sizeof "255.255.255.255" - 1 : sizeof "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" - 1);
}

bool client_name_ok(const char *name, size_t max, char *why, size_t why_len)
{
	size_t n = strlen(name), bad = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._@:-");

	if (n == 0)
		snprintf(why, why_len, "empty: a client's name is 1 to %zu characters of "
		    CLIENT_NAME_CHARS, max);
	else if (bad < n)
		snprintf(why, why_len, "character %zu (octet 0x%02x) is not allowed: a "
		    "client's name is 1 to %zu characters of " CLIENT_NAME_CHARS, bad + 1,
		    (unsigned char)name[bad], max);
	else if (n > max && max < CLIENT_NAME_MAX)
		snprintf(why, why_len, "%zu characters: a range's name has at most %zu, so "
		    "that its members' names (NAME@ADDRESS) keep within %d", n, max,
		    CLIENT_NAME_MAX);
	else if (n > max)
		snprintf(why, why_len, "%zu characters: at most %zu", n, max);
	return n > 0 && bad == n && n <= max;
}

static void check_client_name(struct jsonv *v, const char *path,
    const struct client_config *cc)
{
	char at[256], why[200];

	if (!client_name_ok(cc->name, client_name_max(cc), why, sizeof why)) {
		jsonv_path_key(at, sizeof at, path, "name");
		jsonv_error(v, at, "%s", why);
	}
}

static void parse_client(struct jsonv *v, const char *path, json_t *obj,
    struct client_config *cc)
{
	static const char *const keys[] = { "name", "address", "asn", "upstreams",
		"prefixes", "password", "hold_time", "add_path", "multisession", "max_length",
		"max_prefixes", "keep_asn", "hold_down", "min_interval", "role", NULL };
	static const char *const roles[] = { "client", "monitor", NULL };
	int role = 0;
	const char *name = NULL, *addr = NULL;
	uint64_t asn = 0;
	int addpath = ADDPATH_SEND;

	jsonv_object(v, path, obj, keys);
	if (!json_is_object(obj))
		return;
	jsonv_string(v, path, obj, "name", true, &name);
	cc->name = xstrdup(name ? name : "");
	jsonv_string(v, path, obj, "address", true, &addr);
	if (addr)
		client_addr_parse(v, path, addr, cc);
	if (name)
		check_client_name(v, path, cc);
	jsonv_uint(v, path, obj, "asn", true, 1, UINT32_MAX, &asn);
	check_asn_key(v, path, "asn", asn);
	cc->asn = (uint32_t)asn;
	jsonv_enum(v, path, obj, "role", false, roles, &role);
	cc->monitor = role == 1;
	if (jsonv_array(v, path, obj, "upstreams", !cc->monitor))
		cc->upstream_count = parse_strings(v, path, obj, "upstreams", NULL,
		    "an upstream's name", &cc->upstreams);
	cc->prefix_count = parse_strings(v, path, obj, "prefixes", prefix_ok,
	    "a prefix such as \"184.164.224.0/24\"", &cc->prefixes);
	cc->password = parse_password(v, path, obj);
	parse_hold_time(v, path, obj, &cc->hold_time);
	jsonv_enum(v, path, obj, "add_path", false, addpath_modes, &addpath);
	cc->add_path = (enum addpath_mode)addpath;
	cc->multisession = parse_ms_mode(v, path, obj);
	parse_client_routes(v, path, obj, cc);
}

static void parse_upstreams(struct jsonv *v, json_t *root, struct config *c)
{
	json_t *arr = jsonv_array(v, "$", root, "upstreams", false), *val;
	char at[256];
	size_t i;

	if (arr == NULL)
		return;
	c->upstreams = xcalloc(json_array_size(arr), sizeof *c->upstreams);
	json_array_foreach(arr, i, val) {
		jsonv_path_index(at, sizeof at, "$.upstreams", i);
		parse_upstream(v, at, val, c->asn, &c->upstreams[c->upstream_count++]);
	}
}

static void parse_clients(struct jsonv *v, json_t *root, struct config *c)
{
	json_t *arr = jsonv_array(v, "$", root, "clients", false), *val;
	char at[256];
	size_t i;

	if (arr == NULL)
		return;
	c->clients = xcalloc(json_array_size(arr), sizeof *c->clients);
	json_array_foreach(arr, i, val) {
		jsonv_path_index(at, sizeof at, "$.clients", i);
		parse_client(v, at, val, &c->clients[c->client_count++]);
	}
}

const struct upstream_config *config_upstream(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->upstream_count; i++)
		if (strcmp(c->upstreams[i].n.name, name) == 0)
			return &c->upstreams[i];
	return NULL;
}

bool client_has_upstream(const struct client_config *cc, const char *upstream)
{
	if (cc->monitor && cc->upstream_count == 0)
		return true;            /* a monitor without a list: every instance */
	for (size_t i = 0; i < cc->upstream_count; i++)
		if (strcmp(cc->upstreams[i], upstream) == 0)
			return true;
	return false;
}

/* Upstream ids: unique; an upstream without one gets its position (1, 2,
 * …), which control communities then depend on. */
static void check_upstream_ids(struct jsonv *v, struct config *c)
{
	char at[256];

	for (size_t i = 0; i < c->upstream_count; i++)
		if (c->upstreams[i].id == 0)
			c->upstreams[i].id = (uint16_t)(i + 1 <= 999 ? i + 1 : 999);
	for (size_t i = 0; i < c->upstream_count; i++) {
		for (size_t j = 0; j < i; j++) {
			if (c->upstreams[i].id != c->upstreams[j].id)
				continue;
			snprintf(at, sizeof at, "$.upstreams[%zu].id", i);
			jsonv_error(v, at, "id %u is already $.upstreams[%zu]'s (give every "
			    "upstream its own id, 1..999)", c->upstreams[i].id, j);
		}
	}
}

/* Cross-references: names unique, clients name real upstreams, instances
 * on distinct address:port pairs, one client per address. */
static void check_mux(struct jsonv *v, struct config *c)
{
	char at[256];

	check_upstream_ids(v, c);
	for (size_t i = 0; i < c->upstream_count; i++) {
		const struct upstream_config *u = &c->upstreams[i];
		for (size_t j = 0; j < i; j++) {
			snprintf(at, sizeof at, "$.upstreams[%zu]", i);
			if (strcmp(u->n.name, c->upstreams[j].n.name) == 0)
				jsonv_error(v, at, "name \"%s\" is already used by $.upstreams[%zu]",
				    u->n.name, j);
			if (u->instance.addr.len &&
			    sockaddr_equal(&u->instance.addr, &c->upstreams[j].instance.addr))
				jsonv_error(v, at, "instance address and port are already "
				    "used by $.upstreams[%zu]", j);
		}
	}
	for (size_t i = 0; i < c->client_count; i++) {
		const struct client_config *cc = &c->clients[i];
		for (size_t k = 0; k < cc->upstream_count; k++) {
			if (config_upstream(c, cc->upstreams[k]) == NULL) {
				snprintf(at, sizeof at, "$.clients[%zu].upstreams[%zu]", i, k);
				jsonv_error(v, at, "no upstream is named \"%s\"", cc->upstreams[k]);
			}
		}
		for (size_t j = 0; j < i; j++) {
			snprintf(at, sizeof at, "$.clients[%zu]", i);
			if (strcmp(cc->name, c->clients[j].name) == 0)
				jsonv_error(v, at, "name \"%s\" is already used by $.clients[%zu]",
				    cc->name, j);
			else if (client_addrs_overlap(cc, &c->clients[j]))
				jsonv_error(v, at, "address is already used by $.clients[%zu]", j);
		}
	}
}

static void parse_router_id(struct jsonv *v, json_t *root, struct config *c)
{
	const char *rid = NULL;
	struct in_addr in;

	if (!jsonv_string(v, "$", root, "router_id", true, &rid) || rid == NULL)
		return;
	if (inet_pton(AF_INET, rid, &in) != 1 || in.s_addr == 0) {
		jsonv_error(v, "$.router_id", "\"%s\" is not a non-zero IPv4 address", rid);
		return;
	}
	c->router_id = ntohl(in.s_addr);
}

static struct config *config_from_json(json_t *root, struct jsonv *v)
{
	static const char *const keys[] = { "asn", "router_id", "state_dir",
		"listen_port", "log_level", "peers", "upstreams", "clients", "api", "mrt",
		"bmp", "stream",
		"open_timeout",
		NULL };
	static const char *const levels[] = { "error", "warn", "info", "debug", NULL };
	struct config *c = xcalloc(1, sizeof *c);
	const char *state_dir = "var";
	uint64_t asn = 0, port = BGP_PORT, open_timeout = CONFIG_OPEN_TIMEOUT_DEFAULT;
	int level = LOG_LVL_INFO;

	jsonv_object(v, "$", root, keys);
	if (!json_is_object(root))
		return c;
	jsonv_uint(v, "$", root, "asn", true, 1, UINT32_MAX, &asn);
	check_asn_key(v, "$", "asn", asn);
	c->asn = (uint32_t)asn;
	parse_router_id(v, root, c);
	jsonv_string(v, "$", root, "state_dir", false, &state_dir);
	c->state_dir = xstrdup(state_dir);
	jsonv_uint(v, "$", root, "listen_port", false, 0, 65535, &port);
	c->listen_port = (uint16_t)port;
	jsonv_enum(v, "$", root, "log_level", false, levels, &level);
	c->log_level = (enum log_level)level;
	jsonv_uint(v, "$", root, "open_timeout", false, 1, 240, &open_timeout);
	c->open_timeout = (uint16_t)open_timeout;
	parse_peers(v, root, c);
	parse_upstreams(v, root, c);
	parse_clients(v, root, c);
	config_parse_services(v, root, c);
	check_mux(v, c);
	config_check_conflicts(v, c);
	return c;
}

static struct config *config_finish(json_t *root, json_error_t *jerr,
    struct jsonv *errs)
{
	if (root == NULL) {
		char at[64];
		snprintf(at, sizeof at, "$ (line %d, column %d)", jerr->line, jerr->column);
		jsonv_error(errs, at, "invalid JSON: %s", jerr->text);
		return NULL;
	}
	struct config *c = config_from_json(root, errs);
	json_decref(root);
	if (errs->count) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *config_load_file(const char *path, struct jsonv *errs)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	return config_finish(root, &jerr, errs);
}

struct config *config_load_string(const char *json, struct jsonv *errs)
{
	json_error_t jerr;
	json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	return config_finish(root, &jerr, errs);
}

static void neighbor_config_release(struct neighbor_config *n)
{
	free(n->name);
	free(n->password);
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void client_config_release(struct client_config *cc)
{
	free(cc->name);
	free(cc->password);
	strings_free(cc->upstreams, cc->upstream_count);
	strings_free(cc->prefixes, cc->prefix_count);
}

void config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->peer_count; i++)
		neighbor_config_release(&c->peers[i]);
	free(c->peers);
	for (size_t i = 0; i < c->upstream_count; i++)
		neighbor_config_release(&c->upstreams[i].n);
	free(c->upstreams);
	for (size_t i = 0; i < c->client_count; i++)
		client_config_release(&c->clients[i]);
	free(c->clients);
	free(c->bmp);
	free(c->api.token_file);
	free(c->state_dir);
	free(c);
}

static bool str_equal(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static bool families_equal(const struct neighbor_config *a,
    const struct neighbor_config *b)
{
	if (a->family_count != b->family_count)
		return false;
	for (size_t i = 0; i < a->family_count; i++)
		if (a->families[i].afi != b->families[i].afi ||
		    a->families[i].safi != b->families[i].safi)
			return false;
	return true;
}

static bool family_ports_equal(const uint16_t *a, const uint16_t *b)
{
	return memcmp(a, b, BGP_MAX_FAMILIES * sizeof *a) == 0;
}

bool neighbor_config_equal(const struct neighbor_config *a,
    const struct neighbor_config *b)
{
	return neighbor_config_equal_but_families(a, b) && families_equal(a, b) &&
	    family_ports_equal(a->family_ports, b->family_ports);
}

bool neighbor_config_equal_but_families(const struct neighbor_config *a,
    const struct neighbor_config *b)
{
	return str_equal(a->name, b->name) &&
	    sockaddr_equal(&a->remote, &b->remote) &&
	    a->remote_as == b->remote_as &&
	    a->has_local == b->has_local &&
	    (!a->has_local || sockaddr_same_addr(&a->local, &b->local)) &&
	    a->passive == b->passive && a->hold_time == b->hold_time &&
	    a->connect_retry == b->connect_retry &&
	    str_equal(a->password, b->password) &&
	    a->ttl_security == b->ttl_security && a->add_path == b->add_path &&
	    a->multisession == b->multisession &&
	    a->graceful_restart == b->graceful_restart;
}

static bool strings_equal(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

bool client_config_equal(const struct client_config *a, const struct client_config *b)
{
	return strcmp(a->name, b->name) == 0 && sockaddr_same_addr(&a->addr, &b->addr) &&
	    a->range_len == b->range_len &&
	    a->asn == b->asn && str_equal(a->password, b->password) &&
	    a->hold_time == b->hold_time && a->add_path == b->add_path &&
	    a->multisession == b->multisession &&
	    a->max_len4 == b->max_len4 && a->max_len6 == b->max_len6 &&
	    a->max_prefixes == b->max_prefixes && a->keep_asn == b->keep_asn &&
	    a->hold_down == b->hold_down && a->min_interval == b->min_interval &&
	    strings_equal(a->upstreams, a->upstream_count, b->upstreams, b->upstream_count) &&
	    strings_equal(a->prefixes, a->prefix_count, b->prefixes, b->prefix_count);
}

bool upstream_config_equal(const struct upstream_config *a, const struct upstream_config *b)
{
	return neighbor_config_equal(&a->n, &b->n) &&
	    sockaddr_equal(&a->instance.addr, &b->instance.addr) &&
	    a->instance.local_as == b->instance.local_as &&
	    a->instance.next_hop_self == b->instance.next_hop_self &&
	    family_ports_equal(a->instance.family_ports, b->instance.family_ports) &&
	    a->instance.client_to_client == b->instance.client_to_client && a->id == b->id &&
	    sockaddr_equal(&a->next_hop4, &b->next_hop4) &&
	    sockaddr_equal(&a->next_hop6, &b->next_hop6);
}

/* ---- clients provisioned at run time ------------------------------------- */

bool config_client_from_json(struct jsonv *errs, const char *path, json_t *obj,
    struct client_config *out)
{
	size_t before = errs->count;

	memset(out, 0, sizeof *out);
	out->hold_time = DEFAULT_HOLD_TIME;
	parse_client(errs, path, obj, out);
	if (out->name == NULL)
		out->name = xstrdup("");
	return errs->count == before;
}

static json_t *strings_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *client_config_to_json(const struct client_config *cc, bool with_password)
{
	static const char *const modes[] = { "off", "receive", "send", "both" };
	char addr[80];
	json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:o, s:i, s:s}",
	    "name", cc->name,
	    "address", client_addr_text(cc, addr, sizeof addr),
	    "asn", (json_int_t)cc->asn,
	    "upstreams", strings_json(cc->upstreams, cc->upstream_count),
	    "prefixes", strings_json(cc->prefixes, cc->prefix_count),
	    "hold_time", (int)cc->hold_time,
	    "add_path", modes[cc->add_path & 3]);

	if (o == NULL)
		fatal("out of memory rendering client %s", cc->name);
	json_object_set_new(o, "multisession", json_string(ms_mode_name(cc->multisession)));
	json_object_set_new(o, "role", json_string(cc->monitor ? "monitor" : "client"));
	/* everything a provisioned client is stored with (opstore) */
	json_object_set_new(o, "max_length", json_pack("{s:i, s:i}", "ipv4", cc->max_len4,
	    "ipv6", cc->max_len6));
	json_object_set_new(o, "max_prefixes", json_integer(cc->max_prefixes));
	json_object_set_new(o, "keep_asn", json_boolean(cc->keep_asn));
	json_object_set_new(o, "hold_down", json_integer(cc->hold_down));
	json_object_set_new(o, "min_interval", json_integer(cc->min_interval));
	if (with_password && cc->password)
		json_object_set_new(o, "password", json_string(cc->password));
	return o;
}

void config_check_client_upstreams(struct jsonv *errs, const char *path,
    const struct config *c, const struct client_config *cc)
{
	char at[256];

	for (size_t k = 0; k < cc->upstream_count; k++) {
		const struct upstream_config *u = config_upstream(c, cc->upstreams[k]);
		snprintf(at, sizeof at, "%s.upstreams[%zu]", path, k);
		if (u == NULL)
			jsonv_error(errs, at, "no upstream is named \"%s\"", cc->upstreams[k]);
		else if (cc->addr.len &&
		    sockaddr_family(&u->instance.addr) != sockaddr_family(&cc->addr))
			jsonv_error(errs, strcmp(path, "$") ? path : "$.address",
			    "the address is outside instance %s: it listens on %s and "
			    "cannot be reached from this address family", u->n.name,
			    sockaddr_family(&u->instance.addr) == AF_INET ? "IPv4" : "IPv6");
	}
}

void config_check_new_client(struct jsonv *errs, const char *path,
    const struct config *c, const struct client_config *cc)
{
	char at[256];

	config_check_client_upstreams(errs, path, c, cc);
	for (size_t j = 0; j < c->client_count; j++) {
		if (strcmp(cc->name, c->clients[j].name) == 0) {
			snprintf(at, sizeof at, "%s.name", path);
			jsonv_error(errs, at, "a client named \"%s\" exists already", cc->name);
		} else if (client_addrs_overlap(cc, &c->clients[j])) {
			snprintf(at, sizeof at, "%s.address", path);
			jsonv_error(errs, at, "client %s has this address already",
			    c->clients[j].name);
		}
	}
}

static char **strings_dup(char **v, size_t n)
{
	char **out = xcalloc(n ? n : 1, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

void config_add_client(struct config *c, const struct client_config *cc)
{
	struct client_config *nc;

	c->clients = xreallocarray(c->clients, c->client_count + 1, sizeof *c->clients);
	nc = &c->clients[c->client_count++];
	*nc = *cc;
	nc->name = xstrdup(cc->name);
	nc->password = cc->password ? xstrdup(cc->password) : NULL;
	nc->upstreams = strings_dup(cc->upstreams, cc->upstream_count);
	nc->prefixes = strings_dup(cc->prefixes, cc->prefix_count);
}

bool config_remove_client(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->client_count; i++) {
		if (strcmp(c->clients[i].name, name) == 0) {
			client_config_release(&c->clients[i]);
			memmove(&c->clients[i], &c->clients[i + 1],
			    (c->client_count - i - 1) * sizeof *c->clients);
			c->client_count--;
			return true;
		}
	}
	return false;
}
