/*
 * pathvec.c — a prefix's ADD-PATH paths: a sorted array with holes
 * (pathvec.h says why).
 */
#include "muxd/rib/pathvec.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/xalloc.h"

#define MIN_CAP 2

static size_t vec_size(uint32_t cap)
{
	return sizeof(struct pathvec) + (size_t)cap * sizeof(struct pathvec_slot);
}

static struct pathvec *vec_resize(struct pathvec *v, uint32_t cap, size_t *bytes)
{
	size_t old = v ? vec_size(v->cap) : 0;
	struct pathvec *n = xrealloc(v, vec_size(cap));

	n->cap = cap;
	*bytes += vec_size(cap) - old;
	return n;
}

struct pathvec *pathvec_new(struct pathvec_slot a, struct pathvec_slot b, uint32_t cap,
    size_t *bytes)
{
	struct pathvec *v = vec_resize(NULL, cap > MIN_CAP ? cap : MIN_CAP, bytes);

	v->head = 0;
	v->end = 2;
	v->live = 2;
	v->slot[0] = a;
	v->slot[1] = b;
	return v;
}

void pathvec_free(struct pathvec *v, size_t *bytes)
{
	if (v == NULL)
		return;
	*bytes -= vec_size(v->cap);
	free(v);
}

void pathvec_drop_all(struct pathvec *v, size_t *bytes)
{
	if (v == NULL)
		return;
	for (uint32_t k = v->head; k < v->end; k++)
		attrset_put(v->slot[k].set);
	pathvec_free(v, bytes);
}

static uint32_t holes(const struct pathvec *v)
{
	return v->end - v->head - v->live;
}

uint32_t pathvec_lower(const struct pathvec *v, uint64_t key)
{
	uint32_t lo = v->head, hi = v->end;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (pathvec_slot_key(&v->slot[mid]) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t pathvec_find(const struct pathvec *v, uint64_t key)
{
	uint32_t k = pathvec_lower(v, key);

	if (k < v->end && pathvec_slot_key(&v->slot[k]) == key && v->slot[k].set != NULL)
		return k;
	return PATHVEC_NONE;
}

uint32_t pathvec_next(const struct pathvec *v, uint32_t k)
{
	for (k++; k < v->end && v->slot[k].set == NULL; k++)
		;
	return k < v->end ? k : v->end;
}

uint32_t pathvec_after(const struct pathvec *v, uint64_t key)
{
	uint32_t k = pathvec_lower(v, key);

	if (k < v->end && pathvec_slot_key(&v->slot[k]) == key)
		k++;
	while (k < v->end && v->slot[k].set == NULL)
		k++;
	return k;
}

/* Paths to the front, holes gone; then, if the array is four times bigger
 * than its paths, shrink it to twice. O(slots in use). */
static struct pathvec *compact(struct pathvec *v, size_t *bytes)
{
	uint32_t n = 0;

	for (uint32_t k = v->head; k < v->end; k++)
		if (v->slot[k].set != NULL)
			v->slot[n++] = v->slot[k];
	v->head = 0;
	v->end = n;
	if (v->cap > MIN_CAP && (size_t)n * 4 <= v->cap)
		v = vec_resize(v, n * 2 > MIN_CAP ? n * 2 : MIN_CAP, bytes);
	return v;
}

/* Room for one more slot at the end: pack the array again if a quarter
 * of it is holes or unused at the front, else double it. */
static struct pathvec *room_at_end(struct pathvec *v, size_t *bytes)
{
	if (v->end < v->cap)
		return v;
	if ((size_t)(holes(v) + v->head) * 4 >= v->cap)
		v = compact(v, bytes);
	if (v->end == v->cap)
		v = vec_resize(v, v->cap * 2, bytes);
	return v;
}

/* A hole in [from, to), searched from the side nearest to k. */
static uint32_t hole_right(const struct pathvec *v, uint32_t k)
{
	for (uint32_t j = k; j < v->end; j++)
		if (v->slot[j].set == NULL)
			return j;
	return PATHVEC_NONE;
}

static uint32_t hole_left(const struct pathvec *v, uint32_t k)
{
	for (uint32_t j = k; j-- > v->head;)
		if (v->slot[j].set == NULL)
			return j;
	return PATHVEC_NONE;
}

/*
 * The slot where a new path goes, made free, for a path id between slot
 * k - 1's and slot k's (head <= k < end): a neighbouring hole, or the
 * slots moved up to the nearest hole, or to the end.
 */
static uint32_t open_slot(struct pathvec **vp, uint32_t k, size_t *bytes)
{
	struct pathvec *v = *vp;
	uint32_t j;

	if (k > v->head && v->slot[k - 1].set == NULL)
		return k - 1;
	if (v->slot[k].set == NULL)
		return k;
	if (holes(v) && (j = hole_right(v, k)) != PATHVEC_NONE) {
		memmove(&v->slot[k + 1], &v->slot[k], (size_t)(j - k) * sizeof v->slot[0]);
		return k;
	}
	if (holes(v) && (j = hole_left(v, k)) != PATHVEC_NONE) {
		memmove(&v->slot[j], &v->slot[j + 1], (size_t)(k - 1 - j) * sizeof v->slot[0]);
		return k - 1;
	}
	if (k == v->head && v->head > 0)
		return --v->head;
	uint32_t off = k - v->head;
	*vp = v = room_at_end(v, bytes);
	k = v->head + off;
	memmove(&v->slot[k + 1], &v->slot[k], (size_t)(v->end - k) * sizeof v->slot[0]);
	v->end++;
	return k;
}

int pathvec_set(struct pathvec **vp, uint64_t key, struct attrset *set, size_t *bytes)
{
	struct pathvec *v = *vp;
	uint32_t k = pathvec_lower(v, key);

	if (k < v->end && pathvec_slot_key(&v->slot[k]) == key) {
		struct attrset *old = v->slot[k].set;
		if (old == set)
			return 0;
		v->slot[k].set = attrset_get(set);
		if (old == NULL) {
			v->live++;
			return 1;
		}
		attrset_put(old);
		return 2;
	}
	if (k == v->end) {
		*vp = v = room_at_end(v, bytes);
		k = v->end++;
	} else {
		k = open_slot(vp, k, bytes);
		v = *vp;
	}
	v->slot[k].set = attrset_get(set);
	v->slot[k].path_id = (uint32_t)key;
	v->slot[k].rib = (uint32_t)(key >> 32);
	v->live++;
	return 1;
}

struct attrset *pathvec_remove(struct pathvec **vp, uint64_t key, size_t *bytes)
{
	struct pathvec *v = *vp;
	uint32_t k = pathvec_find(v, key);

	if (k == PATHVEC_NONE)
		return NULL;
	struct attrset *set = v->slot[k].set;
	v->slot[k].set = NULL;
	v->live--;
	while (v->head < v->end && v->slot[v->head].set == NULL)
		v->head++;
	while (v->end > v->head && v->slot[v->end - 1].set == NULL)
		v->end--;
	if (holes(v) > v->live || (v->cap > MIN_CAP && (size_t)v->live * 4 <= v->cap))
		*vp = compact(v, bytes);
	return set;
}
