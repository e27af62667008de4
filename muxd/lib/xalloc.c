/*
 * xalloc.c — malloc and friends that stop the process when memory runs
 * out, and array growth by doubling (xalloc.h).
 */
#include "muxd/lib/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"

#define GROW_MIN 8

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		fatal("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL)
		fatal("out of memory copying a string");
	return p;
}

char *xstrdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		fatal("out of memory growing a table to %zu bytes", n);
	return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		fatal("out of memory: %zu x %zu bytes overflow", n, size);
	return xrealloc(p, n * size);
}

/* The capacity to grow to, or 0 when it cannot be had (overflow). */
static size_t grown_cap(size_t cap, size_t need, size_t elem)
{
	size_t to = cap < GROW_MIN ? GROW_MIN : cap > SIZE_MAX / 2 ? need : cap * 2;

	if (to < need)
		to = need;
	if (elem != 0 && to > SIZE_MAX / elem)
		return 0;
	return to;
}

void *grow_array(void *v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return v;
	size_t to = grown_cap(*cap, need, elem), bytes = to * elem;
	void *p = to ? realloc(v, bytes ? bytes : 1) : NULL;

	if (p != NULL)
		*cap = to;
	return p;
}

void *xgrow_array(void *v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return v;
	void *p = grow_array(v, cap, need, elem);
	if (p == NULL)
		fatal("out of memory growing an array to %zu x %zu bytes", need, elem);
	return p;
}
