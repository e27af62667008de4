/*
 * config_dataplane.c — "dataplane": {"client_interface", "table_base",
 * "fib"} (config_dataplane.h), and what it asks of the upstreams.
 *
 * What can be told from the file alone is checked here, so that
 * --check-config refuses a data plane that could never forward. What needs
 * the host (the interface exists, an address or a table is already in
 * use) is checked when the data plane starts.
 */
#include "muxd/config/config_dataplane.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "muxd/lib/xalloc.h"

/* The kernel's own tables (RT_TABLE_DEFAULT, MAIN, LOCAL) and the largest
 * table id it takes (RT_TABLE_MAX is 2^32-1, which no table may use). */
#define TABLE_DEFAULT 253
#define TABLE_LOCAL 255
#define TABLE_LAST 4294967294u
/* IFNAMSIZ - 1: the kernel's interface names end with a NUL in 16 bytes. */
#define IFNAME_MAX 15

static const char *const fib_names[] = { "default", "full", NULL };

const char *dataplane_fib_name(enum dataplane_fib f)
{
	return f == DATAPLANE_FIB_FULL ? fib_names[1] : fib_names[0];
}

uint32_t dataplane_table(const struct dataplane_config *d, const struct upstream_config *u)
{
	return d->table_base + u->id;
}

/* The kernel's dev_valid_name(), with the reason for a refusal. */
bool config_ifname_ok(const char *name, char *why, size_t why_len)
{
	size_t len = strlen(name);

	if (len == 0) {
		snprintf(why, why_len, "empty");
		return false;
	}
	if (len > IFNAME_MAX) {
		snprintf(why, why_len, "%zu characters, at most %d", len, IFNAME_MAX);
		return false;
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(why, why_len, "\".\" and \"..\" are not interface names");
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch == '/' || ch == ':' || isspace(ch)) {
			snprintf(why, why_len, "character %zu (octet 0x%02x) is not allowed: "
			    "the kernel refuses '/', ':' and whitespace", i + 1, ch);
			return false;
		}
	}
	return true;
}

void config_parse_dataplane(struct jsonv *v, json_t *root, struct config *c)
{
	static const char *const keys[] = { "client_interface", "table_base", "fib",
		NULL };
	json_t *o = jsonv_child_object(v, "$", root, "dataplane", false);
	struct dataplane_config *d = &c->dataplane;
	const char *ifname = NULL;
	uint64_t base = CONFIG_DATAPLANE_TABLE_BASE_DEFAULT;
	int fib = DATAPLANE_FIB_DEFAULT;
	char why[160];

	if (o == NULL)
		return;
	d->enabled = true;
	jsonv_object(v, "$.dataplane", o, keys);
	if (jsonv_string(v, "$.dataplane", o, "client_interface", true, &ifname) &&
	    ifname != NULL) {
		if (config_ifname_ok(ifname, why, sizeof why))
			d->client_interface = xstrdup(ifname);
		else
			jsonv_error(v, "$.dataplane.client_interface", "not a Linux "
			    "interface name: %s", why);
	}
	jsonv_uint(v, "$.dataplane", o, "table_base", false, 0, UINT32_MAX, &base);
	d->table_base = (uint32_t)base;
	jsonv_enum(v, "$.dataplane", o, "fib", false, fib_names, &fib);
	d->fib = (enum dataplane_fib)fib;
}

/* The largest upstream id; in what the phrase that says where it is. */
static uint16_t largest_id(const struct config *c, char *what, size_t len)
{
	uint16_t max = 0;

	snprintf(what, len, "table_base alone: no upstream");
	for (size_t i = 0; i < c->upstream_count; i++) {
		if (c->upstreams[i].id > max) {
			max = c->upstreams[i].id;
			snprintf(what, len, "table_base + the largest upstream id, %u at "
			    "$.upstreams[%zu].id", max, i);
		}
	}
	return max;
}

/* The kernel's table in [first, last] that the range must not take: 0 (no
 * table) or 253..255; -1 when none. */
static long reserved_table_in(uint64_t first, uint64_t last)
{
	if (first == 0)
		return 0;
	if (first <= TABLE_LOCAL && last >= TABLE_DEFAULT)
		return first > TABLE_DEFAULT ? (long)first : TABLE_DEFAULT;
	return -1;
}

static const char *reserved_table_name(long t)
{
	switch (t) {
	case 0: return "0, which names no table (RT_TABLE_UNSPEC)";
	case 253: return "253, the kernel's default table";
	case 254: return "254, the kernel's main table";
	default: return "255, the kernel's local table";
	}
}

/* Tables table_base .. table_base + the largest id: all below 2^32-1, none
 * of the kernel's. */
static void check_table_range(struct jsonv *v, const struct config *c)
{
	const char *at = "$.dataplane.table_base";
	char what[96];
	uint16_t max = largest_id(c, what, sizeof what);
	uint64_t first = c->dataplane.table_base, last = first + max;

	if (last > TABLE_LAST) {
		jsonv_error(v, at, "tables %llu..%llu (%s) must end below "
		    "4294967295 (2^32-1): give a smaller table_base (default %d)",
		    (unsigned long long)first, (unsigned long long)last, what,
		    CONFIG_DATAPLANE_TABLE_BASE_DEFAULT);
		return;
	}
	long t = reserved_table_in(first, last);
	if (t >= 0)
		jsonv_error(v, at, "tables %llu..%llu (%s) take table %s: give a "
		    "table_base above 255 (default %d)",
		    (unsigned long long)first, (unsigned long long)last, what,
		    reserved_table_name(t), CONFIG_DATAPLANE_TABLE_BASE_DEFAULT);
}

/* NULL for an address a client on a link can send packets to, else what
 * kind of address it is. */
static const char *not_unicast(const struct sockaddr_mux *a)
{
	if (sockaddr_family(a) == AF_INET) {
		uint32_t x = ntohl(a->u.sin.sin_addr.s_addr);
		if ((x >> 24) == 0)
			return "\"this network\" (0.0.0.0/8)";
		if ((x >> 24) == 127)
			return "loopback";
		if ((x >> 28) == 0xe)
			return "multicast";
		if (x == 0xffffffffu)
			return "broadcast";
		return NULL;
	}
	const struct in6_addr *a6 = &a->u.sin6.sin6_addr;
	if (IN6_IS_ADDR_UNSPECIFIED(a6))
		return "unspecified";
	if (IN6_IS_ADDR_LOOPBACK(a6))
		return "loopback";
	if (IN6_IS_ADDR_MULTICAST(a6))
		return "multicast";
	return NULL;
}

/* Upstream i's instance as a forwarding identity. */
static void check_instance(struct jsonv *v, const struct config *c, size_t i)
{
	const struct instance_config *ic = &c->upstreams[i].instance;
	char at[96], addr[64];
	const char *kind;

	if (!ic->next_hop_self) {
		snprintf(at, sizeof at, "$.upstreams[%zu].instance.next_hop", i);
		jsonv_error(v, at, "\"unchanged\" leaves the upstream's address as the "
		    "clients' next hop, so their packets never reach this instance: with "
		    "\"dataplane\", set \"next_hop\": \"self\"");
	}
	if (ic->addr.len == 0)
		return;
	snprintf(at, sizeof at, "$.upstreams[%zu].instance.address", i);
	sockaddr_ntop(&ic->addr, addr, sizeof addr);
	if ((kind = not_unicast(&ic->addr)) != NULL)
		jsonv_error(v, at, "%s is a %s address: with \"dataplane\" it goes on "
		    "the instance's own interface on client_interface, as the next hop "
		    "its clients send packets to (give it a unicast address of the "
		    "clients' link)", addr, kind);
	for (size_t j = 0; j < i; j++) {
		const struct sockaddr_mux *other = &c->upstreams[j].instance.addr;
		/* the same port too is check_mux's error already */
		if (other->len && sockaddr_same_addr(&ic->addr, other) &&
		    !sockaddr_equal(&ic->addr, other))
			jsonv_error(v, at, "%s is already the address of $.upstreams[%zu]'s "
			    "instance: with \"dataplane\" each instance is a forwarding "
			    "identity of its own (its interface, MAC and table), so each "
			    "needs an address of its own", addr, j);
	}
}

void config_check_dataplane(struct jsonv *v, const struct config *c)
{
	if (!c->dataplane.enabled)
		return;
	check_table_range(v, c);
	for (size_t i = 0; i < c->upstream_count; i++)
		check_instance(v, c, i);
}
