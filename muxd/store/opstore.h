/*
 * opstore.h — the operations tables of the store (component "ops"):
 * clients provisioned through the API, the history of session state
 * changes, and the audit log of API writes.
 *
 * Provisioning writes are synchronous and durable: when opstore_client_add
 * returns true the row (and its audit row, same transaction) survives a
 * crash, so the API may answer 2xx. Session events come from the BGP loop
 * and are only queued in memory; a timer (or a full queue) writes them in
 * one transaction, so a state change never waits for the disk.
 */
#ifndef BGPMUX_OPSTORE_H
#define BGPMUX_OPSTORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "muxd/config/config.h"
#include "muxd/store/store.h"

struct event_base;

/* Session events and audit rows kept, each table (the oldest go first). */
#define OPSTORE_ROWS_KEEP 100000

/* Creates or upgrades the tables. False, with why, on failure. */
bool opstore_migrate(struct store *st, char *why, size_t why_len);

/* ---- provisioned clients ------------------------------------------------- */

struct prov_client {
	struct client_config cfg;
	int64_t created_at;             /* unix seconds */
	int64_t lifetime;               /* seconds, 0 = until deleted */
	int64_t expires_at;             /* created_at + lifetime, 0 = never */
	bool running;                   /* not stored: in the running configuration */
};

/* Who made a change through the API, and how it went. */
struct audit_entry {
	const char *who;                /* "token", "anonymous"; with the peer address */
	const char *method;
	const char *path;
	const char *body;               /* a summary (no password) */
	int result;                     /* HTTP status */
};

/* Each in one durable transaction with its audit row. add fails on a
 * duplicate name (the caller checked; the PRIMARY KEY is the last word). */
bool opstore_client_add(struct store *st, const struct prov_client *pc,
    const struct audit_entry *a);
bool opstore_client_del(struct store *st, const char *name, const struct audit_entry *a);
/* Every provisioned client, oldest first; *out is malloc'ed, free each
 * with prov_client_release, then the array. A row that no longer parses
 * (e.g. a name from before the name rule) is removed from the store, with
 * a log line and an audit row ("LOAD", 410) that keep what it was. */
size_t opstore_clients_load(struct store *st, struct prov_client **out);
void prov_client_release(struct prov_client *pc);

/* An audit row on its own (a write refused after its token was checked:
 * a bad body, a conflict). Every audit insert prunes the table to
 * OPSTORE_ROWS_KEEP rows. */
bool opstore_audit(struct store *st, const struct audit_entry *a);
/* The newest audit rows, newest first. */
json_t *opstore_audit_json(struct store *st, unsigned limit);

/* ---- session events ------------------------------------------------------- */

struct ops_event {
	int64_t time_ms;                /* unix milliseconds */
	char peer[160];                 /* the peer's label */
	unsigned session;               /* 1.. within the peer */
	char family[96];                /* "ipv4-unicast,ipv6-unicast" */
	const char *from, *to;          /* FSM state names (static strings) */
	char reason[200];
	uint8_t code, subcode;          /* NOTIFICATION, 0/0 if none */
};

struct opstore_events;
/* Queues flushed every flush_ms, or at once at max_rows. */
struct opstore_events *opstore_events_new(struct event_base *base, struct store *st,
    unsigned flush_ms, size_t max_rows);
void opstore_event_add(struct opstore_events *q, const struct ops_event *ev);
void opstore_events_flush(struct opstore_events *q);
/* Flushes, then frees. NULL is fine. */
void opstore_events_free(struct opstore_events *q);
size_t opstore_events_queued(const struct opstore_events *q);
/* Rows with id < before (0: the newest), newest first, at most limit:
 * {"events": [...], "next": id to pass as before, or null}. */
json_t *opstore_events_json(struct store *st, int64_t before, unsigned limit);

/* The "NOTIFICATION c/s" a reason text names, if any. */
bool opstore_reason_code(const char *reason, uint8_t *code, uint8_t *subcode);

#endif
