/*
 * mrt_sink.h — files written by a thread of their own, so that neither
 * compression nor a slow disk ever holds up the event loop.
 *
 * The loop appends bytes (whole MRT records) to a block in memory; full
 * blocks go to a queue that the thread drains into the current file
 * (gzip-compressed, or plain). A file is written under a temporary name
 * and renamed to its final name once it is closed and complete, so a crash
 * never leaves a truncated file under a final name.
 *
 * When more than max_queued bytes wait for the disk, new records are
 * dropped and counted (never queued without bound, never waited for).
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): mrt_sink_free
 * frees it before it returns.
 */
#ifndef BGPMUX_MRT_SINK_H
#define BGPMUX_MRT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mrt_sink;

struct mrt_sink_stats {
	uint64_t bytes;         /* accepted for writing */
	uint64_t dropped;       /* writes refused: queue over its limit */
	uint64_t files;         /* files completed (renamed) */
	uint64_t errors;        /* files that could not be written */
};

struct mrt_sink *mrt_sink_new(size_t max_queued);
/* Finish the current file (renamed), stop the thread, free. NULL is fine. */
void mrt_sink_free(struct mrt_sink *s);
/* From now on bytes go to a new file: tmp while it is written, renamed to
 * final when the next mrt_sink_open or mrt_sink_free finishes it. */
void mrt_sink_open(struct mrt_sink *s, const char *tmp, const char *final, bool gzip);
/* Append one record; false (and counted) when it is dropped. */
bool mrt_sink_write(struct mrt_sink *s, const void *p, size_t len);
void mrt_sink_stats(struct mrt_sink *s, struct mrt_sink_stats *st);

#endif
