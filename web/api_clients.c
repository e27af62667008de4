/*
 * api_clients.c — clients: the file's and the provisioned ones, listed,
 * provisioned (POST), removed (DELETE) and expired.
 */
#include "web/api_int.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances/client.h"
#include "instances/instance.h"
#include "muxd/log.h"
#include "muxd/untrusted.h"

#define MAX_LIFETIME (366LL * 24 * 3600)
#define AUDIT_BODY_MAX 400

/* ---- the provisioned list ---------------------------------------------------- */

const struct prov_client *api_prov_find(const struct api *a, const char *name)
{
	for (size_t i = 0; i < a->nprov; i++)
		if (strcmp(a->prov[i].cfg.name, name) == 0)
			return &a->prov[i];
	return NULL;
}

/* Room for one more, before anything is committed: false when memory ran
 * out (the request then fails, muxd runs on). */
static bool prov_reserve(struct api *a)
{
	size_t cap = a->cap ? a->cap * 2 : 16;
	struct prov_client *more;

	if (a->nprov < a->cap)
		return true;
	if ((more = realloc(a->prov, cap * sizeof *a->prov)) == NULL)
		return false;
	a->prov = more;
	a->cap = cap;
	return true;
}

static void prov_append(struct api *a, const struct prov_client *pc)
{
	a->prov[a->nprov++] = *pc;      /* takes its strings; prov_reserve made room */
}

static void prov_remove(struct api *a, const char *name)
{
	for (size_t i = 0; i < a->nprov; i++) {
		if (strcmp(a->prov[i].cfg.name, name) == 0) {
			prov_client_release(&a->prov[i]);
			memmove(&a->prov[i], &a->prov[i + 1], (a->nprov - i - 1) * sizeof *a->prov);
			a->nprov--;
			return;
		}
	}
}

static void expire_arm(struct api *a)
{
	int64_t next = 0, now = time(NULL);

	for (size_t i = 0; i < a->nprov; i++)
		if (a->prov[i].expires_at && (next == 0 || a->prov[i].expires_at < next))
			next = a->prov[i].expires_at;
	evtimer_del(a->expire_ev);
	if (next) {
		struct timeval tv = { next > now ? next - now : 0, 0 };
		evtimer_add(a->expire_ev, &tv);
	}
}

/* Removes a provisioned client from the store, the list and the running
 * configuration (its sessions then get Cease/Peer De-configured when the
 * instances sync). */
static bool prov_delete(struct api *a, const char *name, const struct audit_entry *au)
{
	char *n = xstrdup(name);

	if (a->st && !opstore_client_del(a->st, n, au)) {
		free(n);
		return false;
	}
	const struct prov_client *pc = api_prov_find(a, n);
	/* one that never started shares its name with a file's client: that
	 * one stays */
	if (pc && pc->running)
		config_remove_client(a->host.config(a->host.arg), n);
	prov_remove(a, n);
	free(n);
	return true;
}

static void expire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api *a = arg;
	int64_t now = time(NULL);
	bool changed = false;
	(void)fd;
	(void)what;

	for (size_t i = 0; i < a->nprov;) {
		struct prov_client *pc = &a->prov[i];
		char path[200];
		if (pc->expires_at == 0 || pc->expires_at > now) {
			i++;
			continue;
		}
		snprintf(path, sizeof path, "/api/v1/clients/%s", pc->cfg.name);
		struct audit_entry au = { "lifetime", "EXPIRE", path, "", 200 };
		log_info("api: client %s reached the end of its lifetime (%lld s): removing "
		    "it (Cease/Peer De-configured)", pc->cfg.name, (long long)pc->lifetime);
		if (!prov_delete(a, pc->cfg.name, &au)) {
			log_warnx("api: cannot remove expired client %s from the store; "
			    "trying again in a minute", pc->cfg.name);
			pc->expires_at = now + 60;
			i++;
			continue;
		}
		changed = true;
	}
	if (changed)
		a->host.clients_changed(a->host.arg);
	expire_arm(a);
}

void api_clients_load(struct api *a)
{
	a->expire_ev = evtimer_new(a->base, expire_cb, a);
	if (a->st == NULL)
		return;
	a->nprov = a->cap = opstore_clients_load(a->st, &a->prov);
	if (a->nprov)
		log_info("api: %zu clients provisioned through the API are back from the store",
		    a->nprov);
	expire_arm(a);
}

void api_clients_free(struct api *a)
{
	for (size_t i = 0; i < a->nprov; i++)
		prov_client_release(&a->prov[i]);
	free(a->prov);
	if (a->expire_ev)
		event_free(a->expire_ev);
}

static const struct client_config *config_client_named(const struct config *c,
    const char *name)
{
	for (size_t i = 0; i < c->client_count; i++)
		if (strcmp(c->clients[i].name, name) == 0)
			return &c->clients[i];
	return NULL;
}

/* The file's client whose address or range meets cc's. */
static const struct client_config *config_client_at(const struct config *c,
    const struct client_config *cc)
{
	for (size_t i = 0; i < c->client_count; i++)
		if (client_addrs_overlap(&c->clients[i], cc))
			return &c->clients[i];
	return NULL;
}

void api_merge_clients(struct api *a, struct config *cfg)
{
	int64_t now = time(NULL);

	free(a->token_file);
	a->token_file = cfg->api.token_file ? xstrdup(cfg->api.token_file) : NULL;
	for (size_t i = 0; i < a->nprov; i++) {
		const struct client_config *pc = &a->prov[i].cfg;
		a->prov[i].running = false;
		if (a->prov[i].expires_at && a->prov[i].expires_at <= now)
			continue;       /* expired while muxd was down: the timer removes it */
		if (config_client_named(cfg, pc->name) || config_client_at(cfg, pc)) {
			log_warnx("api: provisioned client %s is not started: the configuration "
			    "file has a client with its name or address (DELETE "
			    "/api/v1/clients/%s to drop it)", pc->name, pc->name);
			continue;
		}
		config_add_client(cfg, pc);
		a->prov[i].running = true;
	}
}

/* ---- GET ------------------------------------------------------------------------- */

/* The client's configuration (no password), where it comes from, and its
 * session at each of its instances (client_to_json). */
static json_t *client_json(struct api *a, const struct client_config *cc,
    const struct inst_clients *ic, size_t ni)
{
	const struct prov_client *pc = api_prov_find(a, cc->name);
	json_t *j = client_config_to_json(cc, false), *at = json_array();

	if (pc && !pc->running)
		pc = NULL;      /* the file's client of the same name */
	json_object_set_new(j, "source", json_string(pc ? "api" : "config"));
	json_object_set_new(j, "created_at", pc ? json_integer(pc->created_at) : json_null());
	json_object_set_new(j, "lifetime", pc && pc->lifetime ? json_integer(pc->lifetime) :
	    json_null());
	json_object_set_new(j, "expires_at", pc && pc->expires_at ?
	    json_integer(pc->expires_at) : json_null());
	for (size_t i = 0; i < ni; i++) {
		if (!client_has_upstream(cc, instance_name(ic[i].inst)))
			continue;
		for (size_t k = 0; k < ic[i].n; k++) {
			if (strcmp(ic[i].cl[k]->cfg.name, cc->name) != 0)
				continue;
			json_t *cj = client_to_json(ic[i].cl[k]);
			json_object_set_new(cj, "instance", json_string(instance_name(ic[i].inst)));
			json_array_append_new(at, cj);
		}
	}
	json_object_set_new(j, "instances", at);
	return j;
}

/* One client, with its sessions. */
static json_t *client_json_one(struct api *a, const struct client_config *cc)
{
	size_t ni;
	struct inst_clients *ic = api_inst_clients(a, &ni);
	json_t *j = client_json(a, cc, ic, ni);

	api_inst_clients_free(ic, ni);
	return j;
}

void api_get_clients(struct http_req *r, void *arg)
{
	struct api *a = arg;
	const struct config *cfg = a->host.config(a->host.arg);
	json_t *arr = json_array();
	size_t ni;
	struct inst_clients *ic = api_inst_clients(a, &ni);

	for (size_t i = 0; i < cfg->client_count; i++)
		json_array_append_new(arr, client_json(a, &cfg->clients[i], ic, ni));
	api_inst_clients_free(ic, ni);
	http_reply_json(r, 200, arr);
}

void api_get_client(struct http_req *r, void *arg)
{
	struct api *a = arg;
	const struct client_config *cc = config_client_named(a->host.config(a->host.arg),
	    r->captures[0]);

	if (cc == NULL)
		http_reply_error(r, 404, NULL, "no client is named \"%s\"", r->captures[0]);
	else
		http_reply_json(r, 200, client_json_one(a, cc));
}

/* ---- POST -------------------------------------------------------------------- */

/* "PATH: message" → PATH (into buf). */
static const char *error_field(const char *line, char *buf, size_t len)
{
	const char *sep = strstr(line, ": ");
	size_t n = sep ? (size_t)(sep - line) : strlen(line);

	snprintf(buf, len, "%.*s", (int)n, line);
	return buf;
}

static void reply_jsonv(struct http_req *r, int status, struct jsonv *errs)
{
	char field[256];
	json_t *all = json_array();

	/* a line quotes the body's keys, and may be cut inside a character */
	for (size_t i = 0; i < errs->count; i++)
		json_array_append_new(all, untrusted_json(errs->lines[i]));
	http_reply_json(r, status, json_pack("{s:o, s:o, s:o}", "error",
	    untrusted_json(errs->lines[0]), "field",
	    untrusted_json(error_field(errs->lines[0], field, sizeof field)), "errors", all));
}

/* The body for the audit log: compact, without the password. */
static char *audit_body(json_t *body)
{
	json_t *copy = json_deep_copy(body);
	char *s;

	if (json_is_object(copy) && json_object_get(copy, "password"))
		json_object_set_new(copy, "password", json_string("(hidden)"));
	s = copy ? json_dumps(copy, JSON_COMPACT) : NULL;
	json_decref(copy);
	if (s && strlen(s) > AUDIT_BODY_MAX)
		strcpy(s + AUDIT_BODY_MAX - 3, "...");
	return s ? s : xstrdup("");
}

/* Conflicts with a running client: 409. */
static bool conflicts(struct api *a, struct http_req *r, const struct config *cfg,
    const struct client_config *cc)
{
	const struct client_config *other;

	if (config_client_named(cfg, cc->name) || api_prov_find(a, cc->name)) {
		http_reply_error(r, 409, "$.name", "$.name: a client named \"%s\" exists "
		    "already (DELETE it first, or pick another name)", cc->name);
		return true;
	}
	if ((other = config_client_at(cfg, cc)) != NULL) {
		http_reply_error(r, 409, "$.address", "$.address: client %s has this address "
		    "already", other->name);
		return true;
	}
	return false;
}

/* Parses and checks the body; 0 with *pc filled, or the status answered. */
static int parse_client_body(struct api *a, struct http_req *r, json_t *body,
    struct prov_client *pc)
{
	struct jsonv errs = { 0 };
	const struct config *cfg = a->host.config(a->host.arg);
	uint64_t lifetime = 0;
	int status = 400;

	if (!json_is_object(body)) {
		http_reply_error(r, 400, "$", "$: expected a JSON object with the keys of a "
		    "client (name, address, asn, upstreams, prefixes, password, lifetime)");
		return 400;
	}
	jsonv_uint(&errs, "$", body, "lifetime", false, 1, MAX_LIFETIME, &lifetime);
	json_object_del(body, "lifetime");
	if (config_client_from_json(&errs, "$", body, &pc->cfg) && errs.count == 0) {
		if (pc->cfg.upstream_count == 0 && !pc->cfg.monitor)
			jsonv_error(&errs, "$.upstreams", "name at least one upstream (only "
			    "a \"role\": \"monitor\" may peer on every instance)");
		if (conflicts(a, r, cfg, &pc->cfg)) {
			status = 409;
			goto out;
		}
		config_check_new_client(&errs, "$", cfg, &pc->cfg);
	}
	if (errs.count) {
		reply_jsonv(r, 400, &errs);
		goto out;
	}
	pc->created_at = time(NULL);
	pc->lifetime = (int64_t)lifetime;
	pc->expires_at = lifetime ? pc->created_at + (int64_t)lifetime : 0;
	status = 0;
out:
	jsonv_free(&errs);
	if (status)
		client_config_release(&pc->cfg);
	return status;
}

static json_t *parse_body(struct http_req *r)
{
	size_t len;
	char *text = http_body(r, &len);
	json_error_t jerr;
	json_t *j;

	if (text == NULL) {
		http_reply_error(r, 400, "$", "$: the body is empty: send the client as JSON");
		return NULL;
	}
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (j == NULL)
		http_reply_error(r, 400, "$", "$ (line %d, column %d): invalid JSON: %s",
		    jerr.line, jerr.column, jerr.text);
	return j;
}

void api_post_client(struct http_req *r, void *arg)
{
	struct api *a = arg;
	struct prov_client pc = { 0 };
	char who[128], *summary;
	json_t *body;
	int status;

	if (!api_authorized(a, r, who, sizeof who))
		return;
	if ((body = parse_body(r)) == NULL) {
		api_audit(a, r, who, "(invalid JSON)", 400);
		return;
	}
	summary = audit_body(body);
	if (a->st == NULL) {
		http_reply_error(r, 503, NULL, "no store: muxd could not open bgpmux.db "
		    "(see its log), so it cannot keep a provisioned client");
		api_audit(a, r, who, summary, 503);
	} else if ((status = parse_client_body(a, r, body, &pc)) != 0) {
		api_audit(a, r, who, summary, status);
	} else if (!prov_reserve(a)) {
		http_reply_error(r, 503, NULL, "out of memory: client %s is not provisioned",
		    pc.cfg.name);
		api_audit(a, r, who, summary, 503);
		prov_client_release(&pc);
	} else {
		struct audit_entry au = { who, r->method_name, r->path, summary, 201 };
		if (!opstore_client_add(a->st, &pc, &au)) {
			http_reply_error(r, 500, NULL, "cannot store client %s (see muxd's log); "
			    "nothing changed", pc.cfg.name);
			prov_client_release(&pc);
		} else {
			log_info("api: %s provisioned client %s", who, pc.cfg.name);
			config_add_client(a->host.config(a->host.arg), &pc.cfg);
			pc.running = true;
			prov_append(a, &pc);
			a->host.clients_changed(a->host.arg);
			expire_arm(a);
			http_reply_json(r, 201, client_json_one(a, &pc.cfg));
		}
	}
	free(summary);
	json_decref(body);
}

/* ---- DELETE ----------------------------------------------------------------------- */

void api_delete_client(struct http_req *r, void *arg)
{
	struct api *a = arg;
	const char *name = r->captures[0];
	char who[128];

	if (!api_authorized(a, r, who, sizeof who))
		return;
	struct audit_entry au = { who, r->method_name, r->path, "", 200 };
	if (api_prov_find(a, name) == NULL) {
		bool in_file = config_client_named(a->host.config(a->host.arg), name) != NULL;
		api_audit(a, r, who, "", in_file ? 409 : 404);
		if (in_file)
			http_reply_error(r, 409, NULL, "client %s comes from the configuration "
			    "file: remove it there and reload muxd (SIGHUP)", name);
		else
			http_reply_error(r, 404, NULL, "no client is named \"%s\"", name);
		return;
	}
	if (!prov_delete(a, name, &au)) {
		http_reply_error(r, 500, NULL, "cannot remove client %s from the store (see "
		    "muxd's log); nothing changed", name);
		return;
	}
	log_info("api: %s removed client %s: its sessions get Cease/Peer De-configured",
	    who, name);
	a->host.clients_changed(a->host.arg);
	expire_arm(a);
	http_reply_json(r, 200, json_pack("{s:s}", "deleted", name));
}
