/*
 * config.c — reads the JSON configuration into struct config.
 *
 * The schema lives here as code: one function per object, each checking
 * its keys against an allowed list, so an unknown key is an error that
 * names its path. Defaults are the ones a BIRD or OpenBGPD user expects.
 */
#include "muxd/config.h"

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

static void parse_neighbor(struct jsonv *v, const char *path, json_t *obj,
    struct neighbor_config *n)
{
	static const char *const keys[] = { "name", "peer", "local_address",
		"passive", "hold_time", "connect_retry", "families", "password",
		"ttl_security", "add_path", NULL };
	static const char *const addpath_modes[] = { "off", "receive", "send", "both", NULL };
	const char *name = NULL, *password = NULL;
	uint64_t hold = DEFAULT_HOLD_TIME, retry = DEFAULT_CONNECT_RETRY;
	int addpath = ADDPATH_OFF;
	char at[256];

	if (!jsonv_object(v, path, obj, keys) && !json_is_object(obj))
		return;
	jsonv_string(v, path, obj, "name", true, &name);
	n->name = xstrdup(name ? name : "");
	parse_remote(v, path, obj, n);
	parse_local(v, path, obj, n);
	jsonv_bool(v, path, obj, "passive", false, &n->passive);
	if (jsonv_uint(v, path, obj, "hold_time", false, 0, 65535, &hold) &&
	    (hold == 1 || hold == 2)) {
		jsonv_path_key(at, sizeof at, path, "hold_time");
		jsonv_error(v, at, "must be 0 or at least 3 seconds (RFC 4271)");
	}
	n->hold_time = (uint16_t)hold;
	jsonv_uint(v, path, obj, "connect_retry", false, 1, 3600, &retry);
	n->connect_retry = (uint16_t)retry;
	parse_families(v, path, obj, n);
	if (jsonv_string(v, path, obj, "password", false, &password) && password) {
		if (strlen(password) > 80) {
			jsonv_path_key(at, sizeof at, path, "password");
			jsonv_error(v, at, "TCP-MD5 keys are at most 80 bytes");
		}
		n->password = xstrdup(password);
	}
	jsonv_bool(v, path, obj, "ttl_security", false, &n->ttl_security);
	jsonv_enum(v, path, obj, "add_path", false, addpath_modes, &addpath);
	n->add_path = (enum addpath_mode)addpath;
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
		"listen_port", "log_level", "peers", NULL };
	static const char *const levels[] = { "error", "warn", "info", "debug", NULL };
	struct config *c = xcalloc(1, sizeof *c);
	const char *state_dir = "var";
	uint64_t asn = 0, port = BGP_PORT;
	int level = LOG_LVL_INFO;

	jsonv_object(v, "$", root, keys);
	if (!json_is_object(root))
		return c;
	jsonv_uint(v, "$", root, "asn", true, 1, UINT32_MAX, &asn);
	c->asn = (uint32_t)asn;
	parse_router_id(v, root, c);
	jsonv_string(v, "$", root, "state_dir", false, &state_dir);
	c->state_dir = xstrdup(state_dir);
	jsonv_uint(v, "$", root, "listen_port", false, 0, 65535, &port);
	c->listen_port = (uint16_t)port;
	jsonv_enum(v, "$", root, "log_level", false, levels, &level);
	c->log_level = (enum log_level)level;
	parse_peers(v, root, c);
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

void config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->peer_count; i++)
		neighbor_config_release(&c->peers[i]);
	free(c->peers);
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

bool neighbor_config_equal(const struct neighbor_config *a,
    const struct neighbor_config *b)
{
	return str_equal(a->name, b->name) &&
	    sockaddr_equal(&a->remote, &b->remote) &&
	    a->remote_as == b->remote_as &&
	    a->has_local == b->has_local &&
	    (!a->has_local || sockaddr_same_addr(&a->local, &b->local)) &&
	    a->passive == b->passive && a->hold_time == b->hold_time &&
	    a->connect_retry == b->connect_retry &&
	    families_equal(a, b) &&
	    str_equal(a->password, b->password) &&
	    a->ttl_security == b->ttl_security && a->add_path == b->add_path;
}
