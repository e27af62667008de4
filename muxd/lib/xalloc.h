/*
 * xalloc.h — allocation that succeeds or stops the process, and one way to
 * grow an array.
 *
 * The x functions call fatal() when memory runs out: for the daemon's own
 * tables, where going on without the memory would break an invariant
 * (OpenBGPD's rule: fatal only for out-of-memory and broken invariants).
 * A request path that answers 503 instead uses grow_array, which fails
 * softly and leaves the array as it was.
 *
 * Sizes are checked for overflow: n * size past SIZE_MAX is out of memory.
 * A request for 0 bytes gets a valid pointer of its own.
 */
#ifndef BGPMUX_XALLOC_H
#define BGPMUX_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
/* s copied, or NULL for NULL. */
char *xstrdup_or_null(const char *s);
void *xrealloc(void *p, size_t n);
/* p resized to n elements of size bytes each. */
void *xreallocarray(void *p, size_t n, size_t size);

/*
 * The array v, of *cap elements of elem bytes, with room for at least
 * need: v itself when it has it; else v reallocated to twice *cap (at
 * least need, at least 8 elements) and *cap set to that. Elements past
 * the old *cap are not initialised.
 *
 *     f->subs = xgrow_array(f->subs, &f->cap, f->nsubs + 1, sizeof *f->subs);
 *
 * grow_array returns NULL when memory runs out (only when need > *cap),
 * with v and *cap untouched (still the caller's); xgrow_array calls
 * fatal().
 */
void *grow_array(void *v, size_t *cap, size_t need, size_t elem);
void *xgrow_array(void *v, size_t *cap, size_t need, size_t elem);

#endif
