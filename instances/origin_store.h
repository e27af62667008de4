/*
 * origin_store.h — the gateway's own table on disk, so that a restarted
 * muxd announces exactly what it announced before, and hold-downs resume
 * from their deadlines.
 *
 * sqlite in WAL mode, file STATE_DIR/bgpmux.db (shared with the general
 * store: this module keeps to its own tables, origin_*, and records its
 * schema version in schema_version under component "origin"):
 *
 *   origin_announced(upstream, prefix, attrs, client, source, sent_at)
 *       what each upstream holds: the attribute block (canonical, no next
 *       hop), the owning client and the upstream whose instance it came
 *       in on (source), when it was sent (ms since the epoch);
 *   origin_sources(client, source, up, stale_until)
 *       each client session: whether it was up, and its hold-down
 *       deadline (ms since the epoch; 0: none).
 *
 * Upstreams are stored by name, not id, so a renumbering of ids keeps the
 * table. The whole table is written in one transaction (it is small:
 * clients' allocations).
 */
#ifndef BGPMUX_ORIGIN_STORE_H
#define BGPMUX_ORIGIN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "instances/origin.h"

#define ORIGIN_STORE_FILE "bgpmux.db"
#define ORIGIN_SCHEMA_VERSION 1

struct origin_store;

/* Open (creating tables as needed) the database at path. NULL with why
 * when it cannot, or when it holds a newer schema than this muxd knows. */
struct origin_store *origin_store_open(const char *path, char *why, size_t why_len);
void origin_store_close(struct origin_store *s);

/* Upstream names ⇄ ids, as the running configuration says (0: unknown). */
struct origin_store_names {
	const char *(*name)(uint16_t id, void *arg);
	uint16_t (*id)(const char *name, void *arg);
	/* The deadline for a source that was up when muxd stopped (now plus
	 * its client's hold_down). */
	uint64_t (*up_deadline)(const char *client, uint16_t src, void *arg);
	void *arg;
};

/* Replace what is stored with o. False (why filled) on a database error. */
bool origin_store_save(struct origin_store *s, const struct origin *o,
    const struct origin_store_names *nm, char *why, size_t why_len);
/* Restore into o (origin_restore_*): rows of upstreams no longer
 * configured are dropped. Returns the number of announced rows restored,
 * -1 on a database error. */
long origin_store_load(struct origin_store *s, struct origin *o,
    const struct origin_store_names *nm, char *why, size_t why_len);

#endif
