/*
 * nameidx.h — names to pointers, kept sorted: found in O(log n), walked
 * in name order from any name on (a cursor "after NAME" for listings).
 *
 * An insert or a removal moves the entries after it (memmove of 16 bytes
 * each: 10,000 names is a 160 kB move, microseconds), so the index suits
 * what changes one at a time and is read often: clients by name. For many
 * names at once, nameidx_push them and nameidx_sort once.
 *
 * Names are borrowed: each stays valid while its entry is in the index
 * (usually the value owns it). Order: strcmp (bytes).
 */
#ifndef BGPMUX_NAMEIDX_H
#define BGPMUX_NAMEIDX_H

#include <stdbool.h>
#include <stddef.h>

struct nameidx_entry {
	const char *name;
	void *value;
};

struct nameidx {
	struct nameidx_entry *v;
	size_t n, cap;
};

/* A zeroed struct nameidx is an empty index. */
void nameidx_free(struct nameidx *ix);
/* The value of name, or NULL. */
void *nameidx_get(const struct nameidx *ix, const char *name);
/* Adds name, or replaces its entry (name and value) if it is there. */
void nameidx_put(struct nameidx *ix, const char *name, void *value);
/* Removes name; false if it was not there. */
bool nameidx_del(struct nameidx *ix, const char *name);
/* The position of the first entry whose name sorts after name (NULL: 0). */
size_t nameidx_after(const struct nameidx *ix, const char *name);
/* Bulk load: push in any order, then sort (names must be distinct). */
void nameidx_push(struct nameidx *ix, const char *name, void *value);
void nameidx_sort(struct nameidx *ix);

#endif
