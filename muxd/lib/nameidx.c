/*
 * nameidx.c — a sorted array of (name, value), searched by bisection.
 */
#include "muxd/lib/nameidx.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/xalloc.h"

void nameidx_free(struct nameidx *ix)
{
	free(ix->v);
	memset(ix, 0, sizeof *ix);
}

/* The first position whose name is >= name; *found when it is name. */
static size_t lower_bound(const struct nameidx *ix, const char *name, bool *found)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < ix->n && strcmp(ix->v[lo].name, name) == 0;
	return lo;
}

void *nameidx_get(const struct nameidx *ix, const char *name)
{
	bool found;
	size_t at = lower_bound(ix, name, &found);

	return found ? ix->v[at].value : NULL;
}

static void grow(struct nameidx *ix)
{
	ix->v = xgrow_array(ix->v, &ix->cap, ix->n + 1, sizeof *ix->v);
}

void nameidx_put(struct nameidx *ix, const char *name, void *value)
{
	bool found;
	size_t at = lower_bound(ix, name, &found);

	if (!found) {
		grow(ix);
		memmove(&ix->v[at + 1], &ix->v[at], (ix->n - at) * sizeof *ix->v);
		ix->n++;
	}
	ix->v[at].name = name;
	ix->v[at].value = value;
}

bool nameidx_del(struct nameidx *ix, const char *name)
{
	bool found;
	size_t at = lower_bound(ix, name, &found);

	if (!found)
		return false;
	memmove(&ix->v[at], &ix->v[at + 1], (ix->n - at - 1) * sizeof *ix->v);
	ix->n--;
	return true;
}

size_t nameidx_after(const struct nameidx *ix, const char *name)
{
	bool found;
	size_t at;

	if (name == NULL)
		return 0;
	at = lower_bound(ix, name, &found);
	return found ? at + 1 : at;
}

void nameidx_push(struct nameidx *ix, const char *name, void *value)
{
	grow(ix);
	ix->v[ix->n].name = name;
	ix->v[ix->n].value = value;
	ix->n++;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nameidx_entry *)a)->name,
	    ((const struct nameidx_entry *)b)->name);
}

void nameidx_sort(struct nameidx *ix)
{
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof *ix->v, entry_cmp);
}
