/*
 * client_addr.c — a client's address or address range: parsing,
 * containment, overlap, text.
 */
#include "muxd/config/client_addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The bytes of an address and their count (4 or 16). */
static size_t addr_bytes(const struct sockaddr_mux *a, const uint8_t **b)
{
	if (sockaddr_family(a) == AF_INET) {
		*b = (const uint8_t *)&a->u.sin.sin_addr;
		return 4;
	}
	*b = (const uint8_t *)&a->u.sin6.sin6_addr;
	return 16;
}

/* Do a and b agree on their first len bits (same family)? */
static bool addr_prefix_eq(const struct sockaddr_mux *a, const struct sockaddr_mux *b,
    unsigned len)
{
	const uint8_t *x, *y;
	size_t n = addr_bytes(a, &x);

	if (sockaddr_family(a) != sockaddr_family(b) || addr_bytes(b, &y) != n)
		return false;
	if (memcmp(x, y, len / 8) != 0)
		return false;
	uint8_t mask = (uint8_t)(0xff00u >> (len % 8));
	return len % 8 == 0 || ((x[len / 8] ^ y[len / 8]) & mask) == 0;
}

static unsigned client_len(const struct client_config *c)
{
	if (c->range_len)
		return c->range_len;
	return sockaddr_family(&c->addr) == AF_INET ? 32 : 128;
}

bool client_addr_contains(const struct client_config *c, const struct sockaddr_mux *a)
{
	return c->addr.len && addr_prefix_eq(&c->addr, a, client_len(c));
}

bool client_addrs_overlap(const struct client_config *a, const struct client_config *b)
{
	unsigned la = client_len(a), lb = client_len(b);
	return a->addr.len && b->addr.len &&
	    addr_prefix_eq(&a->addr, &b->addr, la < lb ? la : lb);
}

const char *client_addr_text(const struct client_config *c, char *buf, size_t len)
{
	char a[64];
	sockaddr_ntop(&c->addr, a, sizeof a);
	if (c->range_len)
		snprintf(buf, len, "%s/%u", a, c->range_len);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

void client_addr_parse(struct jsonv *v, const char *path, const char *text,
    struct client_config *cc)
{
	char at[256], addr[64];
	const char *slash = strchr(text, '/');
	unsigned long len = 0;
	char *end;

	jsonv_path_key(at, sizeof at, path, "address");
	snprintf(addr, sizeof addr, "%.*s", slash ? (int)(slash - text) : (int)strlen(text), text);
	if (!sockaddr_parse(addr, 0, &cc->addr)) {
		jsonv_error(v, at, "\"%s\" is not a numeric IPv4 or IPv6 address (or "
		    "ADDRESS/LENGTH range)", text);
		return;
	}
	if (slash == NULL)
		return;
	unsigned max = sockaddr_family(&cc->addr) == AF_INET ? 32 : 128;
	len = strtoul(slash + 1, &end, 10);
	if (*end || slash[1] == '\0' || len < 8 || len >= max) {
		jsonv_error(v, at, "\"%s\": a range's length must be 8..%u", text, max - 1);
		return;
	}
	cc->range_len = (uint8_t)len;
	struct sockaddr_mux net = cc->addr;
	uint8_t *b = sockaddr_family(&net) == AF_INET ? (uint8_t *)&net.u.sin.sin_addr :
	    (uint8_t *)&net.u.sin6.sin6_addr;
	for (unsigned i = (unsigned)len; i < max; i++)
		b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	if (!sockaddr_equal(&net, &cc->addr))
		jsonv_error(v, at, "\"%s\" has host bits set: write %s/%lu", text,
		    sockaddr_ntop(&net, addr, sizeof addr), len);
}

