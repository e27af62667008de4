/*
 * origin_store.c — the gateway's own table in sqlite.
 */
#include "instances/origin_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"

struct origin_store {
	sqlite3 *db;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  component TEXT PRIMARY KEY, version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS origin_announced ("
    "  upstream TEXT NOT NULL, prefix TEXT NOT NULL, attrs BLOB NOT NULL,"
    "  client TEXT NOT NULL, source TEXT NOT NULL, sent_at INTEGER NOT NULL,"
    "  PRIMARY KEY (upstream, prefix));"
    "CREATE TABLE IF NOT EXISTS origin_sources ("
    "  client TEXT NOT NULL, source TEXT NOT NULL, up INTEGER NOT NULL,"
    "  stale_until INTEGER NOT NULL, PRIMARY KEY (client, source));"
    "INSERT OR IGNORE INTO schema_version (component, version) VALUES ('origin', 1);";

static bool fail(struct origin_store *s, const char *what, char *why, size_t len)
{
	snprintf(why, len, "%s: %s", what, sqlite3_errmsg(s->db));
	return false;
}

static bool check_version(struct origin_store *s, char *why, size_t len)
{
	sqlite3_stmt *st;
	int v = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT version FROM schema_version WHERE "
	    "component = 'origin'", -1, &st, NULL) != SQLITE_OK)
		return fail(s, "reading the schema version", why, len);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v > ORIGIN_SCHEMA_VERSION) {
		snprintf(why, len, "its \"origin\" tables are version %d, newer than this "
		    "muxd's %d (run the newer muxd, or move the file away)", v,
		    ORIGIN_SCHEMA_VERSION);
		return false;
	}
	return true;
}

struct origin_store *origin_store_open(const char *path, char *why, size_t why_len)
{
	struct origin_store *s = xcalloc(1, sizeof *s);

	if (sqlite3_open(path, &s->db) != SQLITE_OK) {
		fail(s, "opening", why, why_len);
		origin_store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 2000);      /* the general store shares the file */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		fail(s, "creating the origin tables", why, why_len);
		origin_store_close(s);
		return NULL;
	}
	if (!check_version(s, why, why_len)) {
		origin_store_close(s);
		return NULL;
	}
	return s;
}

void origin_store_close(struct origin_store *s)
{
	if (s == NULL)
		return;
	sqlite3_close(s->db);
	free(s);
}

/* ---- saving ---------------------------------------------------------------- */

struct save_ctx {
	struct origin_store *s;
	const struct origin_store_names *nm;
	sqlite3_stmt *st;
	bool ok;
};

static void save_sent(uint16_t id, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, uint16_t src, uint64_t sent_at, void *arg)
{
	struct save_ctx *c = arg;
	const char *up = c->nm->name(id, c->nm->arg), *srcname = c->nm->name(src, c->nm->arg);
	char pfx[BGP_PREFIX_STRLEN];

	if (up == NULL || srcname == NULL || !c->ok)
		return;
	bgp_prefix_format(p, pfx, sizeof pfx);
	sqlite3_reset(c->st);
	sqlite3_bind_text(c->st, 1, up, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->st, 2, pfx, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(c->st, 3, attrs, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->st, 4, owner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->st, 5, srcname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(c->st, 6, (sqlite3_int64)sent_at);
	c->ok = sqlite3_step(c->st) == SQLITE_DONE;
}

static void save_source(const char *client, uint16_t src, bool up, uint64_t stale_until,
    void *arg)
{
	struct save_ctx *c = arg;
	const char *srcname = c->nm->name(src, c->nm->arg);

	if (srcname == NULL || !c->ok)
		return;
	sqlite3_reset(c->st);
	sqlite3_bind_text(c->st, 1, client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->st, 2, srcname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(c->st, 3, up);
	sqlite3_bind_int64(c->st, 4, (sqlite3_int64)stale_until);
	c->ok = sqlite3_step(c->st) == SQLITE_DONE;
}

static bool save_rows(struct save_ctx *c, const struct origin *o)
{
	sqlite3 *db = c->s->db;

	if (sqlite3_exec(db, "DELETE FROM origin_announced; DELETE FROM origin_sources;",
	    NULL, NULL, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_prepare_v2(db, "INSERT INTO origin_sources VALUES (?, ?, ?, ?)", -1,
	    &c->st, NULL) != SQLITE_OK)
		return false;
	origin_each_source(o, save_source, c);
	sqlite3_finalize(c->st);
	if (!c->ok || sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO origin_announced "
	    "VALUES (?, ?, ?, ?, ?, ?)", -1, &c->st, NULL) != SQLITE_OK)
		return false;
	origin_each_sent(o, 0, save_sent, c);
	sqlite3_finalize(c->st);
	return c->ok;
}

bool origin_store_save(struct origin_store *s, const struct origin *o,
    const struct origin_store_names *nm, char *why, size_t why_len)
{
	struct save_ctx c = { s, nm, NULL, true };

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, "starting a transaction", why, why_len);
	if (!save_rows(&c, o)) {
		fail(s, "writing the origin tables", why, why_len);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return false;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, "committing", why, why_len);
	return true;
}

/* ---- loading ----------------------------------------------------------------- */

static bool load_sources(struct origin_store *s, struct origin *o,
    const struct origin_store_names *nm)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "SELECT client, source, up, stale_until FROM "
	    "origin_sources", -1, &st, NULL) != SQLITE_OK)
		return false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *client = (const char *)sqlite3_column_text(st, 0);
		uint16_t src = nm->id((const char *)sqlite3_column_text(st, 1), nm->arg);
		uint64_t until = (uint64_t)sqlite3_column_int64(st, 3);
		if (client == NULL || src == 0)
			continue;
		if (sqlite3_column_int(st, 2))
			until = nm->up_deadline(client, src, nm->arg);
		origin_restore_source(o, client, src, until);
	}
	return sqlite3_finalize(st) == SQLITE_OK;
}

static long load_announced(struct origin_store *s, struct origin *o,
    const struct origin_store_names *nm)
{
	sqlite3_stmt *st;
	long n = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT upstream, prefix, attrs, client, source, "
	    "sent_at FROM origin_announced", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint16_t id = nm->id((const char *)sqlite3_column_text(st, 0), nm->arg);
		uint16_t src = nm->id((const char *)sqlite3_column_text(st, 4), nm->arg);
		const char *pfx = (const char *)sqlite3_column_text(st, 1);
		const char *client = (const char *)sqlite3_column_text(st, 3);
		const uint8_t *attrs = sqlite3_column_blob(st, 2);
		size_t len = (size_t)sqlite3_column_bytes(st, 2);
		struct bgp_prefix p;
		if (id == 0 || src == 0 || pfx == NULL || client == NULL || attrs == NULL ||
		    len == 0 || !bgp_prefix_parse(pfx, &p))
			continue;
		origin_restore_sent(o, id, &p, attrs, len, client, src,
		    (uint64_t)sqlite3_column_int64(st, 5));
		n++;
	}
	return sqlite3_finalize(st) == SQLITE_OK ? n : -1;
}

long origin_store_load(struct origin_store *s, struct origin *o,
    const struct origin_store_names *nm, char *why, size_t why_len)
{
	long n;

	if (!load_sources(s, o, nm) || (n = load_announced(s, o, nm)) < 0) {
		fail(s, "reading the origin tables", why, why_len);
		return -1;
	}
	return n;
}
