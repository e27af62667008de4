/*
 * opstore.c — provisioned clients, session events and the audit log in
 * the store (component "ops").
 */
#include "muxd/store/opstore.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/lib/untrusted.h"


static const char *const ops_migrations[] = {
	/* 1: the three tables */
	"CREATE TABLE clients ("
	"  name TEXT PRIMARY KEY,"
	"  config TEXT NOT NULL,"               /* client_config_to_json, with password */
	"  created_at INTEGER NOT NULL,"
	"  lifetime INTEGER NOT NULL DEFAULT 0,"
	"  expires_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time_ms INTEGER NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  session INTEGER NOT NULL,"
	"  family TEXT NOT NULL,"
	"  old_state TEXT NOT NULL,"
	"  new_state TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  code INTEGER NOT NULL DEFAULT 0,"
	"  subcode INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time_ms INTEGER NOT NULL,"
	"  who TEXT NOT NULL,"
	"  method TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  result INTEGER NOT NULL);",
	/* 2: events by peer, for a peer's history */
	"CREATE INDEX events_peer ON events(peer, id);",
};

bool opstore_migrate(struct store *st, char *why, size_t why_len)
{
	return store_migrate(st, "ops", ops_migrations,
	    sizeof ops_migrations / sizeof ops_migrations[0], why, why_len);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static sqlite3_stmt *prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL) != SQLITE_OK) {
		log_warnx("store: cannot prepare \"%.50s\": %s", sql,
		    sqlite3_errmsg(store_db(st)));
		return NULL;
	}
	return q;
}

/* Runs a prepared statement to its end and finalizes it. */
static bool step_done(struct store *st, sqlite3_stmt *q)
{
	int rc = q ? sqlite3_step(q) : SQLITE_ERROR;

	if (q && rc != SQLITE_DONE)
		log_warnx("store: %s", sqlite3_errmsg(store_db(st)));
	sqlite3_finalize(q);
	return rc == SQLITE_DONE;
}

/* The oldest rows beyond OPSTORE_ROWS_KEEP go (by id: one range of the
 * primary key, a row or none once the table is full). */
static bool audit_prune(struct store *st)
{
	char sql[120];

	snprintf(sql, sizeof sql, "DELETE FROM audit WHERE id <= "
	    "(SELECT max(id) FROM audit) - %d", OPSTORE_ROWS_KEEP);
	return store_exec(st, sql);
}

static bool audit_insert(struct store *st, const struct audit_entry *a)
{
	sqlite3_stmt *q = prepare(st, "INSERT INTO audit(time_ms, who, method, path, "
	    "body, result) VALUES (?, ?, ?, ?, ?, ?)");

	if (q == NULL)
		return false;
	sqlite3_bind_int64(q, 1, now_ms());
	sqlite3_bind_text(q, 2, a->who, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, a->method, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, a->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, a->body ? a->body : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 6, a->result);
	return step_done(st, q) && audit_prune(st);
}

bool opstore_audit(struct store *st, const struct audit_entry *a)
{
	return store_begin(st) && (audit_insert(st, a) ? store_commit(st) :
	    (store_rollback(st), false));
}

/* One change and its audit row, or nothing. */
static bool with_audit(struct store *st, bool (*change)(struct store *, const void *),
    const void *arg, const struct audit_entry *a)
{
	if (!store_begin(st))
		return false;
	if (!change(st, arg) || !audit_insert(st, a)) {
		store_rollback(st);
		return false;
	}
	return store_commit(st);
}

static bool client_insert(struct store *st, const void *arg)
{
	const struct prov_client *pc = arg;
	json_t *j = client_config_to_json(&pc->cfg, true);
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *q = prepare(st, "INSERT INTO clients(name, config, created_at, "
	    "lifetime, expires_at) VALUES (?, ?, ?, ?, ?)");
	bool ok = false;

	if (q && text) {
		sqlite3_bind_text(q, 1, pc->cfg.name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, pc->created_at);
		sqlite3_bind_int64(q, 4, pc->lifetime);
		sqlite3_bind_int64(q, 5, pc->expires_at);
		ok = step_done(st, q);
	} else {
		sqlite3_finalize(q);
	}
	free(text);
	json_decref(j);
	return ok;
}

static bool client_delete(struct store *st, const void *arg)
{
	sqlite3_stmt *q = prepare(st, "DELETE FROM clients WHERE name = ?");

	if (q == NULL)
		return false;
	sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
	return step_done(st, q) && sqlite3_changes(store_db(st)) == 1;
}

bool opstore_client_add(struct store *st, const struct prov_client *pc,
    const struct audit_entry *a)
{
	return with_audit(st, client_insert, pc, a);
}

bool opstore_client_del(struct store *st, const char *name, const struct audit_entry *a)
{
	return with_audit(st, client_delete, name, a);
}

void prov_client_release(struct prov_client *pc)
{
	client_config_release(&pc->cfg);
}

/* One row into *pc; false, with why, if its config no longer parses. */
static bool client_row(sqlite3_stmt *q, struct prov_client *pc, char *why, size_t len)
{
	const char *text = (const char *)sqlite3_column_text(q, 1);
	json_error_t jerr;
	struct jsonv errs = { 0 };
	json_t *j = json_loads(text ? text : "", 0, &jerr);
	bool ok = j && config_client_from_json(&errs, "$", j, &pc->cfg);

	if (!ok) {
		snprintf(why, len, "%s", errs.count ? errs.lines[0] : jerr.text);
		if (j)
			client_config_release(&pc->cfg);
	}
	json_decref(j);
	jsonv_free(&errs);
	pc->created_at = sqlite3_column_int64(q, 2);
	pc->lifetime = sqlite3_column_int64(q, 3);
	pc->expires_at = sqlite3_column_int64(q, 4);
	return ok;
}

/* Text column col as a JSON string, octets that are not UTF-8 replaced
 * (what a request or a peer sent, cut anywhere): NULL for SQL NULL or
 * when memory runs out. */
static json_t *column_json(sqlite3_stmt *q, int col)
{
	const char *s = (const char *)sqlite3_column_text(q, col);
	char *fixed;
	json_t *j;

	if (s == NULL)
		return NULL;
	if ((j = json_string(s)) != NULL)
		return j;
	if ((fixed = untrusted_utf8(s)) == NULL)
		return NULL;
	j = json_string(fixed);
	free(fixed);
	return j;
}

/* The stored text without its password, for the log and the audit row. */
static char *record_summary(const char *text)
{
	json_t *j = json_loads(text ? text : "", 0, NULL);
	char *s = NULL;

	if (json_is_object(j) && json_object_get(j, "password"))
		json_object_set_new(j, "password", json_string("(hidden)"));
	if (j)
		s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (s == NULL && text && strstr(text, "password") == NULL)
		s = strdup(text);
	return s ? s : xstrdup("(not shown)");
}

/*
 * A stored client that no longer parses (a name from before the name
 * rule, config.h) could never start nor, for some names ("", thousands of
 * characters), be reached by DELETE: it leaves the store, with a log line
 * and an audit row that keep what it was.
 */
static void client_drop(struct store *st, const char *name, const char *text,
    const char *why)
{
	char *summary = record_summary(text), path[160];
	struct audit_entry au = { "muxd (the stored client does not parse)", "LOAD",
		path, summary, 410 };

	snprintf(path, sizeof path, "/api/v1/clients/%.100s", name);
	log_warnx("store: provisioned client \"%.100s%s\" is removed from the store: %s; "
	    "it was %s", name, strlen(name) > 100 ? "..." : "", why, summary);
	if (!opstore_client_del(st, name, &au))
		log_warnx("store: cannot remove provisioned client \"%.100s\"", name);
	free(summary);
}

struct bad_row {
	char *name, *text, why[300];
};

size_t opstore_clients_load(struct store *st, struct prov_client **out)
{
	sqlite3_stmt *q = prepare(st, "SELECT name, config, created_at, lifetime, "
	    "expires_at FROM clients ORDER BY created_at, rowid");
	size_t n = 0, cap = 0, nbad = 0;
	struct bad_row *bad = NULL;

	*out = NULL;
	while (q && sqlite3_step(q) == SQLITE_ROW) {
		*out = xgrow_array(*out, &cap, n + 1, sizeof **out);
		memset(&(*out)[n], 0, sizeof **out);
		char why[300];
		if (client_row(q, &(*out)[n], why, sizeof why)) {
			n++;
			continue;
		}
		bad = xreallocarray(bad, nbad + 1, sizeof *bad);
		const char *name = (const char *)sqlite3_column_text(q, 0);
		const char *text = (const char *)sqlite3_column_text(q, 1);
		bad[nbad].name = xstrdup(name ? name : "");
		bad[nbad].text = xstrdup(text ? text : "");
		snprintf(bad[nbad++].why, sizeof bad->why, "%s", why);
	}
	sqlite3_finalize(q);
	for (size_t i = 0; i < nbad; i++) {
		client_drop(st, bad[i].name, bad[i].text, bad[i].why);
		free(bad[i].name);
		free(bad[i].text);
	}
	free(bad);
	return n;
}

json_t *opstore_audit_json(struct store *st, unsigned limit)
{
	sqlite3_stmt *q = prepare(st, "SELECT id, time_ms, who, method, path, body, "
	    "result FROM audit ORDER BY id DESC LIMIT ?");
	json_t *a = json_array();

	if (q == NULL)
		return a;
	sqlite3_bind_int(q, 1, (int)limit);
	while (sqlite3_step(q) == SQLITE_ROW)
		/* what a request sent, cut to fit: UTF-8 or not, the row shows */
		json_array_append_new(a, json_pack("{s:I, s:I, s:o, s:s, s:o, s:o, s:i}",
		    "id", (json_int_t)sqlite3_column_int64(q, 0),
		    "time_ms", (json_int_t)sqlite3_column_int64(q, 1),
		    "who", column_json(q, 2),
		    "method", (const char *)sqlite3_column_text(q, 3),
		    "path", column_json(q, 4),
		    "body", column_json(q, 5),
		    "result", sqlite3_column_int(q, 6)));
	sqlite3_finalize(q);
	return a;
}

/* ---- session events ------------------------------------------------------- */

struct opstore_events {
	struct store *st;
	struct event *timer;
	unsigned flush_ms;
	size_t max_rows;
	struct ops_event *q;
	size_t n;
	uint64_t written, failed;
};

bool opstore_reason_code(const char *reason, uint8_t *code, uint8_t *subcode)
{
	const char *p = reason ? strstr(reason, "NOTIFICATION ") : NULL;
	unsigned c, s;

	if (p == NULL || sscanf(p, "NOTIFICATION %u/%u", &c, &s) != 2 || c > 255 || s > 255)
		return false;
	*code = (uint8_t)c;
	*subcode = (uint8_t)s;
	return true;
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	opstore_events_flush(arg);
}

struct opstore_events *opstore_events_new(struct event_base *base, struct store *st,
    unsigned flush_ms, size_t max_rows)
{
	struct opstore_events *q = xcalloc(1, sizeof *q);

	q->st = st;
	q->flush_ms = flush_ms;
	q->max_rows = max_rows ? max_rows : 1;
	q->q = xcalloc(q->max_rows, sizeof *q->q);
	q->timer = evtimer_new(base, flush_cb, q);
	return q;
}

void opstore_event_add(struct opstore_events *q, const struct ops_event *ev)
{
	struct timeval tv = { q->flush_ms / 1000, (q->flush_ms % 1000) * 1000 };

	q->q[q->n++] = *ev;
	if (q->n == q->max_rows)
		opstore_events_flush(q);
	else if (!evtimer_pending(q->timer, NULL))
		evtimer_add(q->timer, &tv);
}

static bool event_insert(struct store *st, sqlite3_stmt *ins, const struct ops_event *e)
{
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, e->time_ms);
	sqlite3_bind_text(ins, 2, e->peer, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 3, (int)e->session);
	sqlite3_bind_text(ins, 4, e->family, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 5, e->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, e->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 7, e->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 8, e->code);
	sqlite3_bind_int(ins, 9, e->subcode);
	if (sqlite3_step(ins) == SQLITE_DONE)
		return true;
	log_warnx("store: cannot record a session event: %s", sqlite3_errmsg(store_db(st)));
	return false;
}

void opstore_events_flush(struct opstore_events *q)
{
	char prune[160];
	sqlite3_stmt *ins;
	bool ok = true;

	evtimer_del(q->timer);
	if (q->n == 0)
		return;
	if (!store_begin(q->st)) {
		q->failed += q->n;
		q->n = 0;
		return;
	}
	ins = prepare(q->st, "INSERT INTO events(time_ms, peer, session, family, old_state, "
	    "new_state, reason, code, subcode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	for (size_t i = 0; ins && ok && i < q->n; i++)
		ok = event_insert(q->st, ins, &q->q[i]);
	sqlite3_finalize(ins);
	snprintf(prune, sizeof prune, "DELETE FROM events WHERE id <= "
	    "(SELECT max(id) FROM events) - %d", OPSTORE_ROWS_KEEP);
	if (ins && ok && store_exec(q->st, prune) && store_commit(q->st)) {
		q->written += q->n;
	} else {
		store_rollback(q->st);
		q->failed += q->n;
	}
	q->n = 0;
}

void opstore_events_free(struct opstore_events *q)
{
	if (q == NULL)
		return;
	opstore_events_flush(q);
	event_free(q->timer);
	free(q->q);
	free(q);
}

size_t opstore_events_queued(const struct opstore_events *q) { return q->n; }

static json_t *event_row_json(sqlite3_stmt *q)
{
	/* peer and reason may quote a peer's text, cut anywhere */
	json_t *o = json_pack("{s:I, s:I, s:o, s:i, s:s, s:s, s:s, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(q, 0),
	    "time_ms", (json_int_t)sqlite3_column_int64(q, 1),
	    "peer", column_json(q, 2),
	    "session", sqlite3_column_int(q, 3),
	    "family", (const char *)sqlite3_column_text(q, 4),
	    "old_state", (const char *)sqlite3_column_text(q, 5),
	    "new_state", (const char *)sqlite3_column_text(q, 6),
	    "reason", column_json(q, 7));

	if (sqlite3_column_int(q, 8))
		json_object_set_new(o, "notification", json_pack("{s:i, s:i}",
		    "code", sqlite3_column_int(q, 8), "subcode", sqlite3_column_int(q, 9)));
	else
		json_object_set_new(o, "notification", json_null());
	return o;
}

json_t *opstore_events_json(struct store *st, int64_t before, unsigned limit)
{
	sqlite3_stmt *q = prepare(st, "SELECT id, time_ms, peer, session, family, old_state, "
	    "new_state, reason, code, subcode FROM events WHERE id < ? ORDER BY id DESC LIMIT ?");
	json_t *a = json_array();
	int64_t last = 0;

	if (q) {
		sqlite3_bind_int64(q, 1, before > 0 ? before : INT64_MAX);
		sqlite3_bind_int(q, 2, (int)limit);
		while (sqlite3_step(q) == SQLITE_ROW) {
			last = sqlite3_column_int64(q, 0);
			json_array_append_new(a, event_row_json(q));
		}
		sqlite3_finalize(q);
	}
	return json_pack("{s:o, s:o}", "events", a,
	    "next", json_array_size(a) == limit && last > 1 ? json_integer(last) : json_null());
}
