/*
 * config_export.c — the two keys that split muxd across machines
 * (docs/scaleout.md): "export" makes it a view host, which exports its
 * views over iBGP to the instance hosts it names; "view_host" makes it an
 * instance host, whose upstreams are views of that view host and have no
 * session of their own. Neither key: one machine, as always.
 */
#include "muxd/config/config_parse.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "muxd/config/config_check.h"
#include "muxd/lib/xalloc.h"

/* An address, or an error at path.key naming what it is not. */
static bool parse_address(struct jsonv *v, const char *path, json_t *obj,
    const char *key, uint16_t port, struct sockaddr_mux *out)
{
	const char *s = NULL;
	char at[256];

	if (!jsonv_string(v, path, obj, key, true, &s) || s == NULL)
		return false;
	if (sockaddr_parse(s, port, out))
		return true;
	jsonv_path_key(at, sizeof at, path, key);
	jsonv_error(v, at, "not an IP address: \"%s\" (give a numeric IPv4 or IPv6 "
	    "address)", s);
	memset(out, 0, sizeof *out);
	return false;
}

static void parse_export_host(struct jsonv *v, const char *path, json_t *obj,
    struct export_host_config *h)
{
	static const char *const keys[] = { "name", "address", "password", NULL };
	const char *name = NULL;
	char at[256], why[200];

	jsonv_object(v, path, obj, keys);
	if (!json_is_object(obj)) {
		h->name = xstrdup("");          /* the checks across hosts read it */
		return;
	}
	if (jsonv_string(v, path, obj, "name", true, &name) && name &&
	    !client_name_ok(name, CLIENT_NAME_MAX, why, sizeof why)) {
		jsonv_path_key(at, sizeof at, path, "name");
		jsonv_error(v, at, "%s", why);
	}
	h->name = xstrdup(name ? name : "");
	parse_address(v, path, obj, "address", 0, &h->addr);
	h->password = config_parse_password(v, path, obj);
}

/* Names and addresses unique: an accepted connection is told by its
 * address alone, and the API and the log name a host by its name. */
static void check_export_hosts(struct jsonv *v, const struct export_config *e)
{
	char at[256];

	for (size_t i = 0; i < e->host_count; i++) {
		const struct export_host_config *h = &e->hosts[i];
		for (size_t j = 0; j < i; j++) {
			if (h->name[0] && strcmp(h->name, e->hosts[j].name) == 0) {
				snprintf(at, sizeof at, "$.export.hosts[%zu].name", i);
				jsonv_error(v, at, "\"%s\" is already the name of "
				    "$.export.hosts[%zu]", h->name, j);
			}
			if (h->addr.len && sockaddr_same_addr(&h->addr, &e->hosts[j].addr)) {
				snprintf(at, sizeof at, "$.export.hosts[%zu].address", i);
				jsonv_error(v, at, "already the address of $.export.hosts[%zu]: "
				    "a host is told by its address (give each its own)", j);
			}
		}
	}
}

static void parse_export(struct jsonv *v, json_t *root, struct config *c)
{
	static const char *const keys[] = { "listen", "hosts", NULL };
	json_t *o = jsonv_child_object(v, "$", root, "export", false), *arr, *val;
	const char *listen = NULL;
	char at[256];
	size_t i;

	if (o == NULL || !jsonv_object(v, "$.export", o, keys))
		return;
	c->export.enabled = true;
	if (jsonv_string(v, "$.export", o, "listen", true, &listen) && listen &&
	    !config_parse_listen(listen, &c->export.listen))
		jsonv_error(v, "$.export.listen", "\"%s\" is not ADDRESS:PORT (e.g. "
		    "\"192.0.2.1:1179\" or \"[2001:db8::1]:1179\")", listen);
	arr = jsonv_array(v, "$.export", o, "hosts", true);
	if (arr == NULL)
		return;
	if (json_array_size(arr) > CONFIG_EXPORT_HOSTS_MAX) {
		jsonv_error(v, "$.export.hosts", "%zu hosts: at most %d instance hosts "
		    "per view host", json_array_size(arr), CONFIG_EXPORT_HOSTS_MAX);
		return;
	}
	c->export.hosts = xcalloc(json_array_size(arr) + 1, sizeof *c->export.hosts);
	json_array_foreach(arr, i, val) {
		jsonv_path_index(at, sizeof at, "$.export.hosts", i);
		parse_export_host(v, at, val, &c->export.hosts[c->export.host_count++]);
	}
	check_export_hosts(v, &c->export);
}

static void parse_view_host(struct jsonv *v, json_t *root, struct config *c)
{
	static const char *const keys[] = { "address", "port", "asn", "password",
		"local_address", NULL };
	json_t *o = jsonv_child_object(v, "$", root, "view_host", false);
	struct view_host_config *vh = &c->view_host;
	uint64_t port = BGP_PORT, asn = c->asn;

	if (o == NULL || !jsonv_object(v, "$.view_host", o, keys))
		return;
	c->view_host.enabled = true;
	jsonv_uint(v, "$.view_host", o, "port", false, 1, 65535, &port);
	parse_address(v, "$.view_host", o, "address", (uint16_t)port, &c->view_host.addr);
	if (jsonv_uint(v, "$.view_host", o, "asn", false, 1, UINT32_MAX, &asn) &&
	    asn != c->asn && c->asn != 0)
		jsonv_error(v, "$.view_host.asn", "%llu is not the gateway's asn %u: the "
		    "session to the view host is iBGP (give both hosts the same \"asn\")",
		    (unsigned long long)asn, c->asn);
	c->view_host.asn = (uint32_t)asn;
	c->view_host.password = config_parse_password(v, "$.view_host", o);
	/* The address the view host knows this host by, when the route to it
	 * would pick another source. */
	if (json_object_get(o, "local_address") &&
	    parse_address(v, "$.view_host", o, "local_address", 0, &vh->local)) {
		vh->has_local = true;
		if (vh->addr.len && sockaddr_family(&vh->addr) != sockaddr_family(&vh->local))
			jsonv_error(v, "$.view_host.local_address", "address family differs "
			    "from view_host.address");
	}
}

void config_parse_roles(struct jsonv *v, json_t *root, struct config *c)
{
	parse_export(v, root, c);
	parse_view_host(v, root, c);
	if (c->export.enabled && c->view_host.enabled)
		jsonv_error(v, "$.view_host", "a muxd is a view host (\"export\") or an "
		    "instance host (\"view_host\"), not both: remove one of the keys");
}

static bool wildcard(const struct sockaddr_mux *a)
{
	struct sockaddr_mux any;

	sockaddr_parse(sockaddr_family(a) == AF_INET ? "0.0.0.0" : "::", 0, &any);
	return sockaddr_same_addr(a, &any);
}

/* Peers then upstreams with a session: entry i's neighbor, or NULL. */
static const struct neighbor_config *session_neighbor(const struct config *c, size_t i)
{
	if (i < c->peer_count)
		return &c->peers[i];
	return c->upstreams[i - c->peer_count].n.remote.len ?
	    &c->upstreams[i - c->peer_count].n : NULL;
}

/*
 * Where muxd listens for its peers and upstreams (listen_port on their
 * local_address, or on the wildcard: muxd/listeners.c) or an instance
 * listens cannot also take the export listener: one of the two sockets
 * would not bind.
 */
static void check_export_listen(struct jsonv *v, const struct config *c)
{
	const struct sockaddr_mux *l = &c->export.listen;
	char addr[64];

	if (l->len == 0)
		return;
	for (size_t i = 0; i < c->upstream_count; i++) {
		if (!sockaddr_equal(&c->upstreams[i].instance.addr, l))
			continue;
		jsonv_error(v, "$.export.listen", "%s port %u is where the instance "
		    "of $.upstreams[%zu] listens (give the export its own address "
		    "or port)", sockaddr_ntop(l, addr, sizeof addr), sockaddr_port(l), i);
		return;
	}
	if (c->listen_port == 0 || sockaddr_port(l) != c->listen_port)
		return;
	for (size_t i = 0; i < c->peer_count + c->upstream_count; i++) {
		const struct neighbor_config *n = session_neighbor(c, i);
		struct sockaddr_mux la;
		if (n == NULL)
			continue;
		la = n->local;
		if (!n->has_local)
			sockaddr_parse(sockaddr_family(&n->remote) == AF_INET ? "0.0.0.0" : "::",
			    0, &la);
		if (sockaddr_family(&la) != sockaddr_family(l) ||
		    !(sockaddr_same_addr(&la, l) || wildcard(&la) || wildcard(l)))
			continue;
		jsonv_error(v, "$.export.listen", "muxd listens on %s port %u for \"%s\" "
		    "(listen_port): give the export another port or address",
		    sockaddr_ntop(&la, addr, sizeof addr), c->listen_port, n->name);
		return;
	}
}

/* An export host that is also a peer or an upstream: its connections
 * to listen_port and to the export would be two roles of one neighbor.
 * One of another address family than export.listen could never connect
 * (the listener is IPv6-only on an IPv6 address). */
static void check_export_neighbors(struct jsonv *v, const struct config *c)
{
	const struct sockaddr_mux *l = &c->export.listen;
	char at[256];

	for (size_t i = 0; i < c->export.host_count; i++) {
		const struct export_host_config *h = &c->export.hosts[i];
		if (h->addr.len && l->len && sockaddr_family(&h->addr) != sockaddr_family(l)) {
			snprintf(at, sizeof at, "$.export.hosts[%zu].address", i);
			jsonv_error(v, at, "an %s address, but export.listen is %s: this "
			    "host could never connect (give it an address of export.listen's "
			    "family)", sockaddr_family(&h->addr) == AF_INET ? "IPv4" : "IPv6",
			    sockaddr_family(l) == AF_INET ? "IPv4" : "IPv6");
		}
		for (size_t k = 0; k < c->upstream_count && h->addr.len; k++) {
			if (!sockaddr_same_addr(&h->addr, &c->upstreams[k].n.remote))
				continue;
			snprintf(at, sizeof at, "$.export.hosts[%zu].address", i);
			jsonv_error(v, at, "already the peer address of $.upstreams[%zu]: an "
			    "instance host is not an upstream (give it another address)", k);
		}
	}
}

void config_check_roles(struct jsonv *v, const struct config *c)
{
	if (c->export.enabled) {
		check_export_listen(v, c);
		check_export_neighbors(v, c);
	}
}

/* ---- an instance host's upstreams ------------------------------------------ */

/* The keys of an upstream that set up its session: the view host holds
 * that session, so an instance host's upstream has none of them. */
static const char *const session_keys[] = { "peer", "local_address", "passive",
	"hold_time", "connect_retry", "password", "ttl_security", "add_path",
	"multisession", "family_ports", "max_prefixes", "graceful_restart",
	"next_hop_ipv4", "next_hop_ipv6", NULL };

bool config_upstream_session_keys(struct jsonv *v, const char *path, json_t *obj)
{
	char at[256];
	bool clean = true;

	for (size_t i = 0; session_keys[i]; i++) {
		if (json_object_get(obj, session_keys[i]) == NULL)
			continue;
		jsonv_path_key(at, sizeof at, path, session_keys[i]);
		jsonv_error(v, at, "an instance host's upstream has no session of its "
		    "own: its view host ($.view_host) holds it (remove this key)");
		clean = false;
	}
	return clean;
}
