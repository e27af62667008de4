/*
 * config_client.c — the clients of the configuration ("clients") and the
 * ones provisioned at run time (the API and the store read them with the
 * same code): their keys and defaults, their names, and the checks of a
 * new client against a running configuration.
 */
#include "muxd/config/config_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/config/client_addr.h"
#include "muxd/config/config_check.h"
#include "muxd/lib/xalloc.h"

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

/* What governs a client's own routes. */
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
	jsonv_bool(v, path, obj, "graceful_restart", false, &cc->graceful_restart);
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

/* The longest name cc may have. */
static size_t client_name_max(const struct client_config *cc)
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
		"max_prefixes", "keep_asn", "hold_down", "min_interval", "role",
		"graceful_restart", NULL };
	static const char *const roles[] = { "client", "monitor", NULL };
	int role = 0;
	const char *name = NULL, *addr = NULL;
	uint64_t asn = 0;
	int addpath = ADDPATH_SEND;

	jsonv_object(v, path, obj, keys);
	if (!json_is_object(obj)) {
		cc->name = xstrdup("");         /* the checks across clients read it */
		return;
	}
	jsonv_string(v, path, obj, "name", true, &name);
	cc->name = xstrdup(name ? name : "");
	jsonv_string(v, path, obj, "address", true, &addr);
	if (addr)
		client_addr_parse(v, path, addr, cc);
	if (name)
		check_client_name(v, path, cc);
	jsonv_uint(v, path, obj, "asn", true, 1, UINT32_MAX, &asn);
	config_check_asn_key(v, path, "asn", asn);
	cc->asn = (uint32_t)asn;
	jsonv_enum(v, path, obj, "role", false, roles, &role);
	cc->monitor = role == 1;
	if (jsonv_array(v, path, obj, "upstreams", !cc->monitor))
		cc->upstream_count = parse_strings(v, path, obj, "upstreams", NULL,
		    "an upstream's name", &cc->upstreams);
	cc->prefix_count = parse_strings(v, path, obj, "prefixes", prefix_ok,
	    "a prefix such as \"184.164.224.0/24\"", &cc->prefixes);
	cc->password = config_parse_password(v, path, obj);
	config_parse_hold_time(v, path, obj, &cc->hold_time);
	jsonv_enum(v, path, obj, "add_path", false, config_addpath_modes, &addpath);
	cc->add_path = (enum addpath_mode)addpath;
	cc->multisession = config_parse_ms_mode(v, path, obj);
	parse_client_routes(v, path, obj, cc);
}

uint32_t client_source_number(const char *name)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

const struct client_config *config_client_same_number(const struct config *c, size_t n,
    const char *name)
{
	uint32_t number = client_source_number(name);

	for (size_t i = 0; i < n && i < c->client_count; i++)
		if (strcmp(c->clients[i].name, name) != 0 &&
		    client_source_number(c->clients[i].name) == number)
			return &c->clients[i];
	return NULL;
}

/* The numbers tell clients apart on the wire between hosts: two equal
 * ones would merge two clients' routes there. */
static void check_client_numbers(struct jsonv *v, const struct config *c)
{
	const struct client_config *other;
	char at[256];

	for (size_t i = 0; i < c->client_count; i++) {
		if ((other = config_client_same_number(c, i, c->clients[i].name)) == NULL)
			continue;
		snprintf(at, sizeof at, "$.clients[%zu].name", i);
		jsonv_error(v, at, "its number (the FNV-1a hash of the name, which tells "
		    "clients apart between a view host and its instance hosts) equals "
		    "$.clients[%zu].name's: rename one of them", (size_t)(other - c->clients));
	}
}

void config_parse_clients(struct jsonv *v, json_t *root, struct config *c)
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
	check_client_numbers(v, c);
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

/* ---- clients provisioned at run time ------------------------------------- */

bool config_client_from_json(struct jsonv *errs, const char *path, json_t *obj,
    struct client_config *out)
{
	size_t before = errs->count;

	memset(out, 0, sizeof *out);
	out->hold_time = CONFIG_HOLD_TIME_DEFAULT;
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
	char addr[80];
	json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:o, s:i, s:s}",
	    "name", cc->name,
	    "address", client_addr_text(cc, addr, sizeof addr),
	    "asn", (json_int_t)cc->asn,
	    "upstreams", strings_json(cc->upstreams, cc->upstream_count),
	    "prefixes", strings_json(cc->prefixes, cc->prefix_count),
	    "hold_time", (int)cc->hold_time,
	    "add_path", addpath_mode_name(cc->add_path));

	if (o == NULL)
		fatal("out of memory rendering client %s", cc->name);
	json_object_set_new(o, "multisession", json_string(ms_mode_name(cc->multisession)));
	json_object_set_new(o, "role", json_string(cc->monitor ? "monitor" : "client"));
	/* everything a provisioned client is stored with (opstore) */
	json_object_set_new(o, "max_length", json_pack("{s:i, s:i}", "ipv4", cc->max_len4,
	    "ipv6", cc->max_len6));
	json_object_set_new(o, "max_prefixes", json_integer(cc->max_prefixes));
	json_object_set_new(o, "keep_asn", json_boolean(cc->keep_asn));
	if (cc->graceful_restart)       /* only when set: older outputs stay as they were */
		json_object_set_new(o, "graceful_restart", json_true());
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
	const struct client_config *other;
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
	if ((other = config_client_same_number(c, c->client_count, cc->name)) != NULL) {
		snprintf(at, sizeof at, "%s.name", path);
		jsonv_error(errs, at, "its number (the FNV-1a hash of the name) equals "
		    "client %s's: choose another name", other->name);
	}
}

void config_add_client(struct config *c, const struct client_config *cc)
{
	c->clients = xreallocarray(c->clients, c->client_count + 1, sizeof *c->clients);
	client_config_copy(&c->clients[c->client_count++], cc);
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
