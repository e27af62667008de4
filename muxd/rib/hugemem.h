/*
 * hugemem.h — memory for the large arrays of a full table (its node pool,
 * its hash slots), in 2 MiB pages where the kernel gives them.
 *
 * Why. A full table first touches ~80 MB of new memory; in 4 KiB pages
 * that is ~20,000 page faults, and under a hypervisor each costs several
 * microseconds: a quarter of the CPU time of loading a table went to
 * them. Mapped 2 MiB-aligned and advised MADV_HUGEPAGE (the kernel's
 * transparent huge pages, "madvise" mode being the common default), the
 * same memory takes 40 faults. Where the kernel gives no huge pages, this
 * is plain anonymous memory.
 *
 * Only for arrays of 2 MiB or more: a page is then filled, or nearly
 * (the last region of a node pool: at most one huge page of slack per
 * family of a table).
 */
#ifndef BGPMUX_HUGEMEM_H
#define BGPMUX_HUGEMEM_H

#include <stddef.h>

#define HUGEMEM_PAGE ((size_t)2 << 20)

/* bytes (a multiple of HUGEMEM_PAGE) of zeroed memory, HUGEMEM_PAGE
 * aligned; fatal when memory runs out, as xmalloc. */
void *hugemem_alloc(size_t bytes);
/* The same, NULL when memory runs out (a buffer that can do without). */
void *hugemem_try_alloc(size_t bytes);
/* Give back what hugemem_alloc(bytes) gave. NULL is fine. */
void hugemem_free(void *p, size_t bytes);

#endif
