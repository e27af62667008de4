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
 *
 * The stock. Even in huge pages, the first write to new memory costs its
 * zeroing, and under a hypervisor that backs a page on its first write
 * 3-5 ms per MiB: 0.01-0.30 CPU s of a 1M table's load, all of it on the
 * event loop. A node pool grows a page at a time, so a thread of its own
 * ("mem stock") keeps a single page mapped and written ahead on
 * another core; a request for one page takes one of them when it is
 * there, and maps its own when not (a burst that outruns the thread).
 * The thread starts with the first single-page request: a process that
 * never holds a full table never runs it.
 */
#ifndef BGPMUX_HUGEMEM_H
#define BGPMUX_HUGEMEM_H

#include <stddef.h>

#define HUGEMEM_PAGE ((size_t)2 << 20)
/* Pages in the stock when it is full. One: the thread writes one in
 * ~7 ms on fresh memory, a full table's node pool takes one every ~10 ms;
 * a second made no difference that showed, and cost 0.26 of the 32 bytes
 * a path may take at 8 x 1M (the stock is in the peak RSS). */
#define HUGEMEM_STOCK 1

/* bytes (a multiple of HUGEMEM_PAGE) of zeroed memory, HUGEMEM_PAGE
 * aligned; fatal when memory runs out, as xmalloc. */
void *hugemem_alloc(size_t bytes);
/* The same, NULL when memory runs out (a buffer that can do without). */
void *hugemem_try_alloc(size_t bytes);
/* Give back what hugemem_alloc(bytes) gave. NULL is fine. */
void hugemem_free(void *p, size_t bytes);
/* Pages in the stock now, ready for the taking (for tests). */
size_t hugemem_stocked(void);

#endif
