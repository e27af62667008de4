/*
 * config_check.c — cross-checks of a parsed configuration for settings
 * that cannot work together (config_check.h).
 */
#include "muxd/config/config_check.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* An error at path if asn is AS_TRANS. */
static void config_check_asn(struct jsonv *v, const char *path, uint64_t asn)
{
	if (asn == BGP_AS_TRANS)
		jsonv_error(v, path, "23456 is AS_TRANS (RFC 6793), the stand-in for a "
		    "4-octet AS in 2-octet fields, not an AS: give the real AS number");
}

void config_check_asn_key(struct jsonv *v, const char *path, const char *key,
    uint64_t asn)
{
	char at[256];

	jsonv_path_key(at, sizeof at, path, key);
	config_check_asn(v, at, asn);
}

/* Peers then upstreams, as one list: entry i's neighbor and JSON path. */
static size_t neighbor_count(const struct config *c)
{
	return c->peer_count + c->upstream_count;
}

static const struct neighbor_config *neighbor_at(const struct config *c, size_t i,
    char *path, size_t len)
{
	if (i < c->peer_count) {
		snprintf(path, len, "$.peers[%zu]", i);
		return &c->peers[i];
	}
	snprintf(path, len, "$.upstreams[%zu]", i - c->peer_count);
	return &c->upstreams[i - c->peer_count].n;
}

/*
 * Two entries for one neighbor address whose connections arrive at the
 * same local address (or at any, without local_address): only one session
 * can exist between two addresses, so the second entry's connections are
 * taken by the first or refused as a collision, and it loops OpenSent →
 * Active forever without saying why.
 */
static void check_same_neighbor(struct jsonv *v, const struct config *c)
{
	char at[64], other[64], addr[64], err[96];

	for (size_t i = 0; i < neighbor_count(c); i++) {
		const struct neighbor_config *a = neighbor_at(c, i, at, sizeof at);
		if (a->remote.len == 0)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct neighbor_config *b = neighbor_at(c, j, other, sizeof other);
			if (b->remote.len == 0 || !sockaddr_same_addr(&a->remote, &b->remote))
				continue;
			if (a->has_local && b->has_local && !sockaddr_same_addr(&a->local, &b->local))
				continue;
			snprintf(err, sizeof err, "%s.peer.address", at);
			jsonv_error(v, err, "%s is already the neighbor of %s (\"%s\") with the "
			    "same local_address%s: only one session can run between two "
			    "addresses (give one of them another local_address, or merge "
			    "them)", sockaddr_ntop(&a->remote, addr, sizeof addr), other,
			    b->name, a->has_local && b->has_local ? "" : " (or none)");
		}
	}
}

/*
 * An instance listening where muxd listens for a peer's or an upstream's
 * connections (its local_address at listen_port): they would reach the
 * instance, which refuses them as unknown clients.
 */
static void check_instance_addresses(struct jsonv *v, const struct config *c)
{
	char at[64], other[64], addr[64];

	if (c->listen_port == 0)
		return;
	for (size_t i = 0; i < c->upstream_count; i++) {
		const struct instance_config *ic = &c->upstreams[i].instance;
		if (ic->addr.len == 0 || sockaddr_port(&ic->addr) != c->listen_port)
			continue;
		snprintf(at, sizeof at, "$.upstreams[%zu].instance.address", i);
		for (size_t j = 0; j < neighbor_count(c); j++) {
			const struct neighbor_config *n = neighbor_at(c, j, other, sizeof other);
			if (!n->has_local || !sockaddr_same_addr(&n->local, &ic->addr))
				continue;
			jsonv_error(v, at, "%s port %u is the local_address of %s (\"%s\"), "
			    "where muxd listens for its connections: they would reach this "
			    "instance instead (give the instance an address of its own)",
			    sockaddr_ntop(&ic->addr, addr, sizeof addr), c->listen_port,
			    other, n->name);
		}
	}
}

static const char *family_text(int af)
{
	return af == AF_INET ? "IPv4" : "IPv6";
}

/* A client whose address family none of its instances listens on can
 * never connect (the API refuses such a client; the file must too). */
static void check_client_families(struct jsonv *v, const struct config *c)
{
	char at[64];

	for (size_t i = 0; i < c->client_count; i++) {
		const struct client_config *cc = &c->clients[i];
		bool reachable = false;
		if (cc->addr.len == 0)
			continue;
		snprintf(at, sizeof at, "$.clients[%zu].address", i);
		for (size_t k = 0; k < c->upstream_count; k++) {
			const struct upstream_config *u = &c->upstreams[k];
			if (u->instance.addr.len == 0 || !client_has_upstream(cc, u->n.name))
				continue;
			bool same = sockaddr_family(&u->instance.addr) == sockaddr_family(&cc->addr);
			reachable |= same;
			if (!same && cc->upstream_count > 0)
				jsonv_error(v, at, "an %s address, outside instance %s: it "
				    "listens on %s, which this address family cannot reach",
				    family_text(sockaddr_family(&cc->addr)), u->n.name,
				    family_text(sockaddr_family(&u->instance.addr)));
		}
		if (cc->upstream_count == 0 && cc->monitor && c->upstream_count > 0 && !reachable)
			jsonv_error(v, at, "an %s address, but every instance listens on %s: "
			    "this monitor could never connect",
			    family_text(sockaddr_family(&cc->addr)),
			    family_text(sockaddr_family(&cc->addr) == AF_INET ? AF_INET6 : AF_INET));
	}
}

void config_check_conflicts(struct jsonv *v, const struct config *c)
{
	check_same_neighbor(v, c);
	check_instance_addresses(v, c);
	check_client_families(v, c);
}
