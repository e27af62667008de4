/*
 * store.c — the sqlite database: opening, per-component migrations,
 * timed transactions.
 */
#include "muxd/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "muxd/lib/log.h"

struct store {
	sqlite3 *db;
	char *path;
	double tx_start;
	struct store_stats stats;
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool store_exec(struct store *st, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) == SQLITE_OK)
		return true;
	log_warnx("store %s: %s (in \"%.60s\")", st->path, err ? err : "error", sql);
	sqlite3_free(err);
	return false;
}

/* PRAGMAs that every connection needs; journal_mode answers a row. */
static bool store_setup(struct store *st, char *why, size_t why_len)
{
	static const char *const pragmas =
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON;"
	    "PRAGMA busy_timeout=2000;"
	    "CREATE TABLE IF NOT EXISTS schema_version ("
	    "  component TEXT PRIMARY KEY, version INTEGER NOT NULL);";
	char *err = NULL;

	if (sqlite3_exec(st->db, pragmas, NULL, NULL, &err) == SQLITE_OK)
		return true;
	snprintf(why, why_len, "%s: %s", st->path, err ? err : "cannot set up");
	sqlite3_free(err);
	return false;
}

struct store *store_open(const char *path, char *why, size_t why_len)
{
	struct store *st = xcalloc(1, sizeof *st);

	st->path = xstrdup(path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(why, why_len, "cannot open %s: %s (is state_dir writable?)", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return NULL;
	}
	if (!store_setup(st, why, why_len)) {
		store_close(st);
		return NULL;
	}
	return st;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

sqlite3 *store_db(struct store *st) { return st->db; }
const struct store_stats *store_stats(const struct store *st) { return &st->stats; }

int store_version(struct store *st, const char *component)
{
	sqlite3_stmt *q;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT version FROM schema_version WHERE component = ?",
	    -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, component, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	else if (rc == SQLITE_DONE)
		v = 0;
	sqlite3_finalize(q);
	return v;
}

static bool set_version(struct store *st, const char *component, int version)
{
	sqlite3_stmt *q;
	bool ok;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO schema_version(component, version) "
	    "VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version",
	    -1, &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(q, 1, component, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, version);
	ok = sqlite3_step(q) == SQLITE_DONE;
	sqlite3_finalize(q);
	return ok;
}

bool store_migrate(struct store *st, const char *component,
    const char *const *migrations, size_t n, char *why, size_t why_len)
{
	int v = store_version(st, component);

	if (v < 0) {
		snprintf(why, why_len, "%s: cannot read the schema version of %s: %s",
		    st->path, component, sqlite3_errmsg(st->db));
		return false;
	}
	if ((size_t)v > n) {
		snprintf(why, why_len, "%s: %s's tables are at version %d, newer than this "
		    "muxd knows (%zu): run the newer muxd or move the file away", st->path,
		    component, v, n);
		return false;
	}
	for (size_t i = (size_t)v; i < n; i++) {
		char *err = NULL;
		if (!store_begin(st))
			return false;
		if (sqlite3_exec(st->db, migrations[i], NULL, NULL, &err) != SQLITE_OK ||
		    !set_version(st, component, (int)i + 1)) {
			snprintf(why, why_len, "%s: migration %zu of %s failed: %s", st->path,
			    i + 1, component, err ? err : sqlite3_errmsg(st->db));
			sqlite3_free(err);
			store_rollback(st);
			return false;
		}
		if (!store_commit(st)) {
			snprintf(why, why_len, "%s: cannot commit migration %zu of %s", st->path,
			    i + 1, component);
			return false;
		}
		log_info("store %s: %s tables migrated to version %zu", st->path, component, i + 1);
	}
	return true;
}

bool store_begin(struct store *st)
{
	st->tx_start = now_seconds();
	return store_exec(st, "BEGIN IMMEDIATE");
}

bool store_commit(struct store *st)
{
	if (!store_exec(st, "COMMIT")) {
		st->stats.failures++;
		store_rollback(st);
		return false;
	}
	double dt = now_seconds() - st->tx_start;
	st->stats.commits++;
	st->stats.commit_seconds_total += dt;
	if (dt > st->stats.commit_seconds_max)
		st->stats.commit_seconds_max = dt;
	return true;
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}
