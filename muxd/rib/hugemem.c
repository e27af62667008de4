/*
 * hugemem.c — 2 MiB-aligned anonymous memory advised for huge pages, and
 * a stock of a single page touched ahead by a thread (hugemem.h says why).
 */
#include "muxd/rib/hugemem.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "muxd/lib/log.h"

/* A slot is NULL or a page ready for the taking: only the thread fills a
 * slot, a taker empties it by an exchange, so neither side waits and a
 * forked child (a RIB dump: no thread of the parent's) never blocks. */
static _Atomic(void *) stock[HUGEMEM_STOCK];
static int stock_wake = -1;             /* eventfd: the thread refills */
static pthread_once_t stock_once = PTHREAD_ONCE_INIT;

static void *map_aligned(size_t bytes)
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

/* The kernel backs (and zeroes) each page on its first write: a zero
 * written to every 4 KiB page, so the memory reads as zero either way. */
static void touch(void *p, size_t bytes)
{
	volatile uint8_t *b = p;

	for (size_t i = 0; i < bytes; i += 4096)
		b[i] = 0;
}

static void *stock_thread(void *arg)
{
	sigset_t all;
	uint64_t n;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);  /* signals are the loop's */
	for (;;) {
		for (int i = 0; i < HUGEMEM_STOCK; i++) {
			if (atomic_load(&stock[i]) != NULL)
				continue;
			void *p = map_aligned(HUGEMEM_PAGE);
			if (p == NULL)
				break;          /* out of memory: again at the next take */
			touch(p, HUGEMEM_PAGE);
			atomic_store(&stock[i], p);
		}
		if (read(stock_wake, &n, sizeof n) < 0 && errno != EINTR && errno != EAGAIN)
			return NULL;    /* cannot wait: the takers map their own */
	}
}

/* Without the thread every page is mapped by its taker, as before. */
static void stock_start(void)
{
	pthread_t t;
	int rc;

	stock_wake = eventfd(0, EFD_CLOEXEC);
	if (stock_wake < 0) {
		log_debug("hugemem: no stock of pages touched ahead (eventfd: %s)",
		    strerror(errno));
		return;
	}
	if ((rc = pthread_create(&t, NULL, stock_thread, NULL)) != 0) {
		log_debug("hugemem: no stock of pages touched ahead (%s)", strerror(rc));
		close(stock_wake);
		stock_wake = -1;
		return;
	}
	(void)pthread_setname_np(t, "mem stock");       /* ps -L, top -H */
	pthread_detach(t);
}

static void *stock_take(void)
{
	pthread_once(&stock_once, stock_start);
	if (stock_wake < 0)
		return NULL;
	void *p = NULL;
	for (int i = 0; i < HUGEMEM_STOCK && p == NULL; i++)
		p = atomic_exchange(&stock[i], NULL);
	/* a refill, or, found empty, a retry of a map that failed */
	uint64_t one = 1;
	(void)!write(stock_wake, &one, sizeof one);
	return p;
}

size_t hugemem_stocked(void)
{
	size_t n = 0;

	for (int i = 0; i < HUGEMEM_STOCK; i++)
		n += atomic_load(&stock[i]) != NULL;
	return n;
}

void *hugemem_alloc(size_t bytes)
{
	void *p = hugemem_try_alloc(bytes);
	if (p == NULL)
		fatal("out of memory (%zu bytes)", bytes);
	return p;
}

void *hugemem_try_alloc(size_t bytes)
{
	void *p = bytes == HUGEMEM_PAGE ? stock_take() : NULL;

	return p != NULL ? p : map_aligned(bytes);
}

void hugemem_free(void *p, size_t bytes)
{
	if (p != NULL)
		munmap(p, bytes);
}
