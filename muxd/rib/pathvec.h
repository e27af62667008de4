/*
 * pathvec.h — the paths of one prefix that has more than one (ADD-PATH,
 * or several ribs sharing the prefix): (rib, path id, attribute set)
 * triples in ascending (rib, path id) order, for adjrib.c. The key packs
 * both in 64 bits (pathvec_key), so one rib's paths are a run of slots.
 *
 * A withdrawn path leaves a hole (its slot keeps its path id, its set
 * becomes NULL) instead of moving every path behind it: removing paths
 * one by one from an array kept packed costs the square of their number
 * (300,000 paths of one prefix withdrawn in ascending order took 15 s).
 * Holes at either end are dropped at once, so the first and the last slot
 * in use always hold a path (the lowest path id is one load away), and the
 * slots are packed again when the holes outnumber the paths or the array
 * is four times too big: every operation is O(log n) for the search plus
 * O(1) amortised. An insertion between two paths moves the slots up to
 * the nearest hole (none: to the end), as an insertion into any sorted
 * array does.
 *
 * Slot indices are only valid until the vector changes.
 */
#ifndef BGPMUX_PATHVEC_H
#define BGPMUX_PATHVEC_H

#include <stddef.h>
#include <stdint.h>

#include "muxd/rib/attrset.h"

struct pathvec_slot {
	struct attrset *set;            /* NULL: a hole */
	uint32_t path_id;
	uint32_t rib;                   /* the rib's id in its table (the
	                                 * padding a pointer leaves: free) */
};

static inline uint64_t pathvec_key(uint32_t rib, uint32_t path_id)
{
	return (uint64_t)rib << 32 | path_id;
}

static inline uint64_t pathvec_slot_key(const struct pathvec_slot *s)
{
	return pathvec_key(s->rib, s->path_id);
}

struct pathvec {
	uint32_t head;                  /* first slot in use: always a path */
	uint32_t end;                   /* past the last slot in use: end - 1 a path */
	uint32_t cap;                   /* slots allocated */
	uint32_t live;                  /* paths: slots in use that are not holes */
	struct pathvec_slot slot[];
};

#define PATHVEC_NONE UINT32_MAX

/* Every function that allocates or frees adds the change in bytes to
 * *bytes (the rib's memory counter). */

/* A vector of the two paths a and b (a's key < b's), with room for cap
 * (at least 2); it takes over the references they hold. */
struct pathvec *pathvec_new(struct pathvec_slot a, struct pathvec_slot b, uint32_t cap,
    size_t *bytes);
/* Frees the vector only: the sets' references stay with the caller. */
void pathvec_free(struct pathvec *v, size_t *bytes);
/* Puts every set and frees the vector. */
void pathvec_drop_all(struct pathvec *v, size_t *bytes);

/* The slot of key, or PATHVEC_NONE. */
uint32_t pathvec_find(const struct pathvec *v, uint64_t key);
/* The first slot in use (a path or a hole) whose key is >= key; v->end
 * if none. */
uint32_t pathvec_lower(const struct pathvec *v, uint64_t key);
/* The first path after key (v->end if none); the next path after slot
 * k (v->end if none). */
uint32_t pathvec_after(const struct pathvec *v, uint64_t key);
uint32_t pathvec_next(const struct pathvec *v, uint32_t k);

/* key → set, taking a reference: 1 added, 2 replaced (the old set's
 * reference put), 0 it had this very set. *vp may move. */
int pathvec_set(struct pathvec **vp, uint64_t key, struct attrset *set, size_t *bytes);
/* Remove key: its set (the caller puts it), or NULL if it is not
 * there. *vp may move; with one path left it stays a vector (the caller
 * may then take slot[head] and pathvec_free it). */
struct attrset *pathvec_remove(struct pathvec **vp, uint64_t key, size_t *bytes);

#endif
