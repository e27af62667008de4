/*
 * hugemem.c — 2 MiB-aligned anonymous memory advised for huge pages
 * (hugemem.h says why).
 */
#include "muxd/rib/hugemem.h"

#include <stdint.h>
#include <sys/mman.h>

#include "muxd/lib/log.h"

void *hugemem_alloc(size_t bytes)
{
	void *p = hugemem_try_alloc(bytes);
	if (p == NULL)
		fatal("out of memory (%zu bytes)", bytes);
	return p;
}

void *hugemem_try_alloc(size_t bytes)
{
	/* One page more than asked, then the unaligned ends unmapped: mmap
	 * itself only aligns to 4 KiB. */
	size_t len = bytes + HUGEMEM_PAGE;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	size_t head = (HUGEMEM_PAGE - (uintptr_t)p % HUGEMEM_PAGE) % HUGEMEM_PAGE;
	if (head != 0)
		munmap(p, head);
	munmap(p + head + bytes, HUGEMEM_PAGE - head);
	(void)madvise(p + head, bytes, MADV_HUGEPAGE);  /* a hint: fine if refused */
	return p + head;
}

void hugemem_free(void *p, size_t bytes)
{
	if (p != NULL)
		munmap(p, bytes);
}
