/*
 * api_clients.c — clients: the file's and the provisioned ones by name,
 * provisioned (POST), removed (DELETE) and expired. Nothing here looks at
 * every client but a reload, an expiry and the address check (a scan of
 * the configuration's array): a provisioning call costs the same with 10
 * or 10,000 clients.
 */
#include "web/api_int.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances/client.h"
#include "instances/instance.h"
#include "muxd/lib/log.h"
#include "web/untrusted_json.h"
#include "muxd/lib/nameidx.h"

#define MAX_LIFETIME (366LL * 24 * 3600)
#define AUDIT_BODY_MAX 400
#define EXPIRE_BATCH 100                /* removals (commits) per turn of the loop */

/* ---- the provisioned list ---------------------------------------------------- */

/* The provisioned client of that name (started or not), or NULL. */
static const struct prov_client *api_prov_find(const struct api *a, const char *name)
{
	return nameidx_get(&a->prov, name);
}

/* Takes pc's strings into a client of its own. */
static const struct prov_client *prov_add(struct api *a, const struct prov_client *pc)
{
	struct prov_client *mine = xmalloc(sizeof *mine);

	*mine = *pc;
	nameidx_put(&a->prov, mine->cfg.name, mine);
	return mine;
}

static void prov_remove(struct api *a, const char *name)
{
	struct prov_client *pc = nameidx_get(&a->prov, name);

	if (pc == NULL)
		return;
	nameidx_del(&a->prov, name);
	prov_client_release(pc);
	free(pc);
}

static void expire_set(struct api *a, int64_t at)
{
	int64_t now = time(NULL);
	struct timeval tv = { at > now ? at - now : 0, 0 };

	evtimer_del(a->expire_ev);
	a->expire_at = at;
	if (at)
		evtimer_add(a->expire_ev, &tv);
}

/* The timer at the earliest end of a lifetime (every client looked at). */
static void expire_arm(struct api *a)
{
	int64_t next = 0;

	for (size_t i = 0; i < a->prov.n; i++) {
		const struct prov_client *pc = a->prov.v[i].value;
		if (pc->expires_at && (next == 0 || pc->expires_at < next))
			next = pc->expires_at;
	}
	expire_set(a, next);
}

/* A new client's lifetime: the timer moves only if it ends first. */
static void expire_consider(struct api *a, const struct prov_client *pc)
{
	if (pc->expires_at && (a->expire_at == 0 || pc->expires_at < a->expire_at))
		expire_set(a, pc->expires_at);
}

/* Removes a provisioned client from the store, the list and the running
 * configuration; its sessions get Cease/Peer De-configured as the
 * instances let it go. */
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
	if (pc && pc->running) {
		config_remove_client(a->host.config(a->host.arg), n);
		a->host.client_removed(a->host.arg, n);
	}
	prov_remove(a, n);
	free(n);
	return true;
}

static void expire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api *a = arg;
	int64_t now = time(NULL);
	(void)fd;
	(void)what;

	for (size_t i = 0, done = 0; i < a->prov.n;) {
		struct prov_client *pc = a->prov.v[i].value;
		char path[200];
		if (pc->expires_at == 0 || pc->expires_at > now) {
			i++;
			continue;
		}
		if (done++ == EXPIRE_BATCH) {
			expire_set(a, now);     /* the rest on the next turn of the loop */
			return;
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
		}
	}
	expire_arm(a);
}

void api_clients_load(struct api *a)
{
	struct prov_client *loaded;
	size_t n;

	a->expire_ev = evtimer_new(a->base, expire_cb, a);
	if (a->st == NULL)
		return;
	n = opstore_clients_load(a->st, &loaded);
	for (size_t i = 0; i < n; i++) {
		struct prov_client *pc = xmalloc(sizeof *pc);
		*pc = loaded[i];
		nameidx_push(&a->prov, pc->cfg.name, pc);
	}
	free(loaded);
	nameidx_sort(&a->prov);
	if (n)
		log_info("api: %zu clients provisioned through the API are back from the store", n);
	expire_arm(a);
}

static void files_free(struct api *a)
{
	for (size_t i = 0; i < a->files.n; i++)
		free((char *)a->files.v[i].name);
	nameidx_free(&a->files);
}

void api_clients_free(struct api *a)
{
	for (size_t i = 0; i < a->prov.n; i++) {
		prov_client_release(a->prov.v[i].value);
		free(a->prov.v[i].value);
	}
	nameidx_free(&a->prov);
	files_free(a);
	if (a->expire_ev)
		event_free(a->expire_ev);
}

const struct client_config *api_client_config(const struct api *a, const char *name,
    const struct prov_client **pc)
{
	const struct config *cfg = a->host.config(a->host.arg);
	uintptr_t at = (uintptr_t)nameidx_get(&a->files, name);
	const struct prov_client *p;

	*pc = NULL;
	if (at)
		return &cfg->clients[at - 1];
	p = api_prov_find(a, name);
	if (p == NULL || !p->running)
		return NULL;
	*pc = p;
	return &p->cfg;
}

/* The client among the first n of c whose address or range meets cc's. */
static const struct client_config *config_client_at(const struct config *c, size_t n,
    const struct client_config *cc)
{
	for (size_t i = 0; i < n && i < c->client_count; i++)
		if (client_addrs_overlap(&c->clients[i], cc))
			return &c->clients[i];
	return NULL;
}

/* The file's clients by name, before the provisioned ones join them: they
 * keep their places (0..n-1) in the running configuration's list. */
static void files_index(struct api *a, const struct config *cfg)
{
	files_free(a);
	for (size_t i = 0; i < cfg->client_count; i++)
		nameidx_push(&a->files, xstrdup(cfg->clients[i].name), (void *)(uintptr_t)(i + 1));
	nameidx_sort(&a->files);
}

void api_merge_clients(struct api *a, struct config *cfg)
{
	int64_t now = time(NULL);

	free(a->token_file);
	a->token_file = cfg->api.token_file ? xstrdup(cfg->api.token_file) : NULL;
	files_index(a, cfg);
	if (a->deadlines)
		api_deadlines_set(a->deadlines, cfg->api.header_timeout, cfg->api.body_timeout);
	for (size_t i = 0; i < a->prov.n; i++) {
		struct prov_client *p = a->prov.v[i].value;
		const struct client_config *pc = &p->cfg;
		p->running = false;
		if (p->expires_at && p->expires_at <= now)
			continue;       /* expired while muxd was down: the timer removes it */
		if (nameidx_get(&a->files, pc->name) || config_client_at(cfg, a->files.n, pc) ||
		    config_client_same_number(cfg, a->files.n, pc->name)) {
			log_warnx("api: provisioned client %s is not started: the configuration "
			    "file has a client with its name, address or number (DELETE "
			    "/api/v1/clients/%s to drop it)", pc->name, pc->name);
			continue;
		}
		config_add_client(cfg, pc);
		p->running = true;
	}
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

	if (nameidx_get(&a->files, cc->name) || api_prov_find(a, cc->name)) {
		http_reply_error(r, 409, "$.name", "$.name: a client named \"%s\" exists "
		    "already (DELETE it first, or pick another name)", cc->name);
		return true;
	}
	if ((other = config_client_at(cfg, cfg->client_count, cc)) != NULL) {
		http_reply_error(r, 409, "$.address", "$.address: client %s has this address "
		    "already", other->name);
		return true;
	}
	if ((other = config_client_same_number(cfg, cfg->client_count, cc->name)) != NULL) {
		http_reply_error(r, 409, "$.name", "$.name: its number (the FNV-1a hash of "
		    "the name, which tells clients apart between a view host and its "
		    "instance hosts) equals client %s's: pick another name", other->name);
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
		config_check_client_upstreams(&errs, "$", cfg, &pc->cfg);
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
			const struct prov_client *mine = prov_add(a, &pc);
			a->host.client_added(a->host.arg, &mine->cfg);
			expire_consider(a, mine);
			http_reply_json(r, 201, api_client_json(a, &mine->cfg, mine));
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
	const struct prov_client *pc = api_prov_find(a, name);
	if (pc == NULL) {
		bool in_file = nameidx_get(&a->files, name) != NULL;
		api_audit(a, r, who, "", in_file ? 409 : 404);
		if (in_file)
			http_reply_error(r, 409, NULL, "client %s comes from the configuration "
			    "file: remove it there and reload muxd (SIGHUP)", name);
		else
			http_reply_error(r, 404, NULL, "no client is named \"%s\"", name);
		return;
	}
	bool ends_first = pc->expires_at && pc->expires_at == a->expire_at;
	if (!prov_delete(a, name, &au)) {
		http_reply_error(r, 500, NULL, "cannot remove client %s from the store (see "
		    "muxd's log); nothing changed", name);
		return;
	}
	if (ends_first)
		expire_arm(a);
	log_info("api: %s removed client %s: its sessions get Cease/Peer De-configured",
	    who, name);
	http_reply_json(r, 200, json_pack("{s:s}", "deleted", name));
}
