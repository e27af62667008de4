/*
 * listen_pool.c — handed-over listening sockets (listen_pool.h). A start
 * makes a few dozen listeners at most: a linear search is enough.
 */
#include "muxd/engine/listen_pool.h"

#include <unistd.h>

static struct pooled {
	int fd;
	struct sockaddr_mux addr;
} pool[LISTEN_POOL_MAX];
static size_t npool;

bool listen_pool_add(int fd, const struct sockaddr_mux *addr)
{
	if (npool >= LISTEN_POOL_MAX) {
		close(fd);
		return false;
	}
	pool[npool].fd = fd;
	pool[npool].addr = *addr;
	npool++;
	return true;
}

int listen_pool_take(const struct sockaddr_mux *addr)
{
	for (size_t i = 0; i < npool; i++) {
		if (!sockaddr_equal(&pool[i].addr, addr))
			continue;
		int fd = pool[i].fd;
		pool[i] = pool[--npool];
		return fd;
	}
	return -1;
}

size_t listen_pool_close_rest(void (*report)(const struct sockaddr_mux *addr))
{
	size_t n = npool;

	while (npool > 0) {
		npool--;
		if (report)
			report(&pool[npool].addr);
		close(pool[npool].fd);
	}
	return n;
}
