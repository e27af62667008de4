/*
 * config.c — reads the JSON configuration into struct config: the global
 * keys, each section through its reader (config_neighbor.c, config_client.c,
 * config_services.c), then the checks across sections.
 *
 * The schema lives in the readers as code: one function per object, each
 * checking its keys against an allowed list, so an unknown key is an
 * error that names its path.
 */
#include "muxd/config/config_parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/config/config_check.h"
#include "muxd/config/config_dataplane.h"
#include "muxd/config/config_services.h"
#include "muxd/lib/xalloc.h"

const struct upstream_config *config_upstream(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->upstream_count; i++)
		if (strcmp(c->upstreams[i].n.name, name) == 0)
			return &c->upstreams[i];
	return NULL;
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

bool config_user_name_ok(const char *name, char *why, size_t why_len)
{
	size_t len = strlen(name);

	if (len == 0 || len > 32) {
		snprintf(why, why_len, "a user name has 1 to 32 characters");
		return false;
	}
	if (name[0] == '-') {
		snprintf(why, why_len, "a user name does not start with '-'");
		return false;
	}
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("._-", name[i]) == NULL) {
			snprintf(why, why_len, "a user name has only letters, digits, "
			    "'.', '_' and '-'");
			return false;
		}
	return true;
}

/* "user" and "seccomp": who muxd runs as, and its system call filter. */
static void parse_privileges(struct jsonv *v, json_t *root, struct config *c)
{
	const char *user = NULL;
	char why[80];

	c->seccomp = true;
	jsonv_bool(v, "$", root, "seccomp", false, &c->seccomp);
	if (!jsonv_string(v, "$", root, "user", false, &user) || user == NULL)
		return;
	if (!config_user_name_ok(user, why, sizeof why)) {
		jsonv_error(v, "$.user", "not a user name: %s", why);
		return;
	}
	c->user = xstrdup(user);
}

static void parse_graceful_restart(struct jsonv *v, json_t *root, struct config *c)
{
	static const char *const keys[] = { "restart_time", NULL };
	json_t *o = jsonv_child_object(v, "$", root, "graceful_restart", false);
	uint64_t secs = CONFIG_GR_RESTART_TIME_DEFAULT;

	if (o == NULL || !jsonv_object(v, "$.graceful_restart", o, keys))
		return;
	jsonv_uint(v, "$.graceful_restart", o, "restart_time", false, 1, 4095, &secs);
	c->gr_restart_time = (uint16_t)secs;
}

static struct config *config_from_json(json_t *root, struct jsonv *v)
{
	static const char *const keys[] = { "asn", "router_id", "state_dir",
		"listen_port", "log_level", "peers", "upstreams", "clients", "api", "mrt",
		"bmp", "stream",
		"open_timeout", "dataplane", "user", "seccomp", "graceful_restart",
		"export", "view_host", NULL };
	static const char *const levels[] = { "error", "warn", "info", "debug", NULL };
	struct config *c = xcalloc(1, sizeof *c);
	const char *state_dir = "var";
	uint64_t asn = 0, port = BGP_PORT, open_timeout = CONFIG_OPEN_TIMEOUT_DEFAULT;
	int level = LOG_LVL_INFO;

	jsonv_object(v, "$", root, keys);
	if (!json_is_object(root))
		return c;
	jsonv_uint(v, "$", root, "asn", true, 1, UINT32_MAX, &asn);
	config_check_asn_key(v, "$", "asn", asn);
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
	parse_graceful_restart(v, root, c);
	parse_privileges(v, root, c);
	config_parse_roles(v, root, c);
	config_parse_peers(v, root, c);
	config_parse_upstreams(v, root, c);
	config_parse_clients(v, root, c);
	config_parse_services(v, root, c);
	config_parse_dataplane(v, root, c);
	check_mux(v, c);
	config_check_conflicts(v, c);
	config_check_dataplane(v, c);
	config_check_roles(v, c);
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

void config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->peer_count; i++)
		neighbor_config_release(&c->peers[i]);
	free(c->peers);
	for (size_t i = 0; i < c->upstream_count; i++)
		upstream_config_release(&c->upstreams[i]);
	free(c->upstreams);
	for (size_t i = 0; i < c->client_count; i++)
		client_config_release(&c->clients[i]);
	free(c->clients);
	free(c->bmp);
	api_config_release(&c->api);
	dataplane_config_release(&c->dataplane);
	export_config_release(&c->export);
	view_host_config_release(&c->view_host);
	free(c->state_dir);
	free(c->user);
	free(c);
}
