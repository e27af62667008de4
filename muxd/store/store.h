/*
 * store.h — muxd's sqlite database, STATE_DIR/bgpmux.db, shared by every
 * component that keeps state across restarts.
 *
 * WAL mode (readers never wait for the writer), foreign keys on, and
 * synchronous=FULL: a committed transaction survives a crash of muxd and
 * of the machine. Each component versions its own tables: the row
 * (component, version) in schema_version says how many of its migrations
 * ran; store_migrate runs the rest, each in its own transaction.
 *
 * Everything here runs in the caller's thread: keep what runs on the BGP
 * event loop short (batch writes, see opslog.h).
 */
#ifndef BGPMUX_STORE_H
#define BGPMUX_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Opens (creating) the database at path. NULL, with why, on failure. */
struct store *store_open(const char *path, char *why, size_t why_len);
void store_close(struct store *st);
sqlite3 *store_db(struct store *st);

/* Migration i (0-based) takes a component from version i to i + 1: one
 * or more SQL statements. Runs those not yet run, in order, each with the
 * version bump in one transaction. False, with why, if one fails (the
 * ones before it stay). */
bool store_migrate(struct store *st, const char *component,
    const char *const *migrations, size_t n, char *why, size_t why_len);
/* The component's schema version (0: none yet, -1: error). */
int store_version(struct store *st, const char *component);

/* Transactions, timed for the metrics. commit returns false (logged) on
 * failure, after rolling back. */
bool store_begin(struct store *st);
bool store_commit(struct store *st);
void store_rollback(struct store *st);

/* One SQL text without results; false (logged with what) on error. */
bool store_exec(struct store *st, const char *sql);

/* Commit latency, for /metrics. */
struct store_stats {
	uint64_t commits;
	uint64_t failures;
	double commit_seconds_total;
	double commit_seconds_max;
};
const struct store_stats *store_stats(const struct store *st);

#endif
