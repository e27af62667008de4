/*
 * bench_firsttouch.c — what the first write to fresh memory costs on this
 * machine, beside the cost of memory just given back and taken again.
 *
 *   bench_firsttouch [--json] [--fresh F] [MiB]     (default 256 MiB)
 *
 * Prints one line (--json: one JSON object): each round's seconds, then
 * the cost of fresh and of reused memory in ms per MiB.
 *
 * Why. Under a hypervisor that backs a guest's page only when the guest
 * first writes it, fresh memory can cost ~3 ms per MiB (a few hundred
 * MiB/s), memory the guest freed a moment ago ~0.15 ms per MiB (the
 * kernel's zeroing alone). A table's memory is first touched while it
 * loads, so the CPU seconds of a load carry this property of the machine;
 * the benchmarks print it beside their figures (scripts/bench-lib.sh).
 *
 * Three rounds in one process: map MiB with hugemem_try_alloc (muxd's
 * own allocation for a table's large arrays: 2 MiB-aligned, advised
 * MADV_HUGEPAGE), write one byte per 4 KiB page, unmap. Only the writes
 * are timed (CLOCK_MONOTONIC), 2 MiB block by block.
 *
 * Fresh or reused is decided per block, not per round: the kernel hands
 * out memory freed a moment ago (by this or another process) before
 * memory the hypervisor has taken back, and takes some of what a round
 * freed back before the next, so every round can be a mix of both and
 * its mean says little. A block whose writes took over FRESH_MS_PER_MIB
 * is fresh (the two costs are ~25 times apart here). The figures to
 * read: the mean of the fresh blocks and of the others, over all rounds.
 * The first round is the one to find fresh memory; --fresh F ends it once
 * F MiB of fresh blocks are written, so that a large MiB (to get past
 * the memory freed a moment ago) costs little where most of it is
 * reused. The next two rounds write as much as the first did, mostly
 * memory it just freed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "muxd/rib/hugemem.h"

#define ROUNDS 3
#define TOUCH_STEP 4096         /* a base page: every page written once */
#define BLOCK HUGEMEM_PAGE      /* timed apart: one huge page */
#define BLOCK_MIB 2
#define FRESH_MS_PER_MIB 1.0    /* reused ~0.15 here, fresh ~3-4 */
#define MAX_MIB (1024 * 1024)   /* 1 TiB: anything more is a typo */

struct round {
	size_t mib;             /* written */
	double s;               /* seconds of writing */
	size_t fresh_mib;       /* in fresh blocks */
	double fresh_s;         /* seconds of those */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds to write one byte in every page of one block. Volatile: the
 * writes are the point. */
static double touch_block(volatile unsigned char *p)
{
	double t0 = now();
	for (size_t off = 0; off < BLOCK; off += TOUCH_STEP)
		p[off] = 1;
	return now() - t0;
}

/* Map mib MiB, write it block by block (stopping once stop_fresh MiB of
 * fresh blocks are written, 0: never), unmap. False when mapping fails. */
static bool touch_round(size_t mib, size_t stop_fresh, struct round *r)
{
	unsigned char *p = hugemem_try_alloc(mib << 20);
	if (p == NULL)
		return false;
	*r = (struct round){ 0 };
	for (size_t b = 0; b < mib / BLOCK_MIB; b++) {
		double s = touch_block(p + b * BLOCK);
		r->mib += BLOCK_MIB;
		r->s += s;
		if (s * 1e3 / BLOCK_MIB > FRESH_MS_PER_MIB) {
			r->fresh_mib += BLOCK_MIB;
			r->fresh_s += s;
		}
		if (stop_fresh != 0 && r->fresh_mib >= stop_fresh)
			break;
	}
	hugemem_free(p, mib << 20);
	return true;
}

/* "256" → 256, rounded up to whole blocks; anything but a whole number
 * in 1..MAX_MIB → 0. */
static size_t parse_mib(const char *arg)
{
	char *end;
	errno = 0;
	unsigned long v = arg != NULL ? strtoul(arg, &end, 10) : 0;
	if (arg == NULL || errno != 0 || end == arg || *end != '\0' || arg[0] == '-' ||
	    v == 0 || v > MAX_MIB)
		return 0;
	return (v + BLOCK_MIB - 1) / BLOCK_MIB * BLOCK_MIB;
}

static double ms_per_mib(double s, size_t mib) { return mib ? s * 1e3 / (double)mib : 0; }
static double mib_per_s(double s, size_t mib) { return s > 0 ? (double)mib / s : 0; }

/* Over every round's blocks: the fresh ones' ms per MiB (fresh), the
 * others' (!fresh); negative when there are none of that kind. */
static double kind_ms_per_mib(const struct round *r, bool fresh, size_t *mib)
{
	double s = 0;
	*mib = 0;
	for (int i = 0; i < ROUNDS; i++) {
		s += fresh ? r[i].fresh_s : r[i].s - r[i].fresh_s;
		*mib += fresh ? r[i].fresh_mib : r[i].mib - r[i].fresh_mib;
	}
	return *mib ? ms_per_mib(s, *mib) : -1;
}

static void print_round(const struct round *r)
{
	printf("%.3f s (%.0f MiB/s, %.2f ms/MiB", r->s, mib_per_s(r->s, r->mib),
	    ms_per_mib(r->s, r->mib));
	if (r->fresh_mib != 0)
		printf("; %zu MiB of it fresh", r->fresh_mib);
	printf(")");
}

static void print_text(const struct round *r)
{
	size_t fmib, rmib;
	double fresh = kind_ms_per_mib(r, true, &fmib), reused = kind_ms_per_mib(r, false, &rmib);

	printf("first touch: %zu MiB in ", r[0].mib);
	print_round(&r[0]);
	printf("; again:");
	for (int i = 1; i < ROUNDS; i++) {
		printf("%s ", i > 1 ? "," : "");
		print_round(&r[i]);
	}
	if (fresh >= 0)
		printf("; fresh memory %.2f ms/MiB (%zu MiB)", fresh, fmib);
	else
		printf("; no fresh memory in %zu MiB", r[0].mib);
	if (reused >= 0)
		printf(", reused %.2f ms/MiB (%zu MiB)", reused, rmib);
	printf("\n");
}

/* A figure, or null when there was none of its kind. */
static void print_json_ms(const char *key, double v, const char *end)
{
	if (v >= 0)
		printf("\"%s\": %.4f%s", key, v, end);
	else
		printf("\"%s\": null%s", key, end);
}

static void print_json(const struct round *r)
{
	size_t fmib, rmib;
	double fresh = kind_ms_per_mib(r, true, &fmib), reused = kind_ms_per_mib(r, false, &rmib);

	printf("{\"mib\": %zu, \"rounds\": [", r[0].mib);
	for (int i = 0; i < ROUNDS; i++)
		printf("%s{\"mib\": %zu, \"s\": %.6f, \"ms_per_mib\": %.4f, \"fresh_mib\": %zu}",
		    i ? ", " : "", r[i].mib, r[i].s, ms_per_mib(r[i].s, r[i].mib), r[i].fresh_mib);
	printf("], \"fresh_mib\": %zu, ", fmib);
	print_json_ms("fresh_ms_per_mib", fresh, ", ");
	printf("\"reused_mib\": %zu, ", rmib);
	print_json_ms("reused_ms_per_mib", reused, "}\n");
}

/* bad: the argument refused, NULL when --fresh has no value */
static int usage(const char *bad)
{
	if (bad != NULL)
		fprintf(stderr, "bench_firsttouch: bad argument '%s'\n", bad);
	else
		fprintf(stderr, "bench_firsttouch: --fresh wants a number of MiB\n");
	fprintf(stderr, "usage: bench_firsttouch [--json] [--fresh MiB] [MiB]   "
	    "(MiB: 1..%d, default 256)\n", MAX_MIB);
	return 1;
}

int main(int argc, char **argv)
{
	size_t mib = 256, stop_fresh = 0;
	bool json = false, have_mib = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--fresh") == 0) {
			if ((stop_fresh = parse_mib(argv[++i])) == 0)
				return usage(argv[i]);
		} else if (!have_mib && (mib = parse_mib(argv[i])) != 0)
			have_mib = true;
		else
			return usage(argv[i]);
	}
	struct round r[ROUNDS];
	for (int i = 0; i < ROUNDS; i++) {
		/* the first round's stop decides how much the others write */
		size_t size = i == 0 ? mib : r[0].mib;
		if (!touch_round(size, i == 0 ? stop_fresh : 0, &r[i])) {
			fprintf(stderr, "bench_firsttouch: cannot map %zu MiB: %s\n", size,
			    strerror(errno));
			return 1;
		}
	}
	if (json)
		print_json(r);
	else
		print_text(r);
	return 0;
}
