/*
 * route_dump.h — STATE_DIR/routes.json on SIGUSR1, written by a forked
 * child.
 *
 * A full table renders to ~100 MB of JSON in seconds: too long to keep
 * the event loop (and its keepalives) waiting, so a child writes the
 * copy-on-write snapshot, as Redis does for BGSAVE. Rules:
 *
 *   - one dump at a time: a request while one runs is remembered, and any
 *     number of them make exactly one more dump once it ends (it shows
 *     the state of that moment, which is what each request asked for);
 *   - the child writes route by route into a temporary file of its own
 *     (mkstemp in state_dir, ".routes.json.XXXXXX"), flushes it to disk
 *     and renames it over routes.json: a reader sees the old file or the
 *     new one, whole; a failed write (disk full) removes the temporary
 *     file at once, and temporary files an earlier run left are removed at
 *     start;
 *   - the log says when each dump starts, and when it ends, with its time
 *     and the writer's peak resident memory.
 */
#ifndef BGPMUX_ROUTE_DUMP_H
#define BGPMUX_ROUTE_DUMP_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

struct route_dump;

/* Writes the whole document to f (in the child); false on failure.
 * *routes: how many routes it wrote. */
typedef bool (*route_dump_write_fn)(FILE *f, void *arg, size_t *routes);

/* dir: state_dir (its stale temporary files go now); copied. */
struct route_dump *route_dump_new(const char *dir, route_dump_write_fn write, void *arg);
void route_dump_free(struct route_dump *rd);

/* SIGUSR1: start a dump, or ask for one more after the running one. */
void route_dump_request(struct route_dump *rd);
/* A child was reaped (SIGCHLD): if it is the dump's, log how it went and
 * start the one asked for meanwhile. False if pid is not the dump's. */
bool route_dump_reaped(struct route_dump *rd, pid_t pid, int status,
    const struct rusage *ru);

#endif
