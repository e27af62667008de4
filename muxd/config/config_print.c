/*
 * config_print.c — the normalised configuration: every key with the value
 * muxd runs with, defaults filled in, in the order the readers list the
 * keys, as JSON that loads again (`muxd --check-config -v`, config.h's
 * config_to_json). Passwords are shown as "<set>" only.
 */
#include "muxd/config/config_parse.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "muxd/lib/log.h"

#define PASSWORD_SHOWN "<set>"

static void set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		fatal("out of memory rendering the configuration (%s)", key);
}

static json_t *addr_json(const struct sockaddr_mux *a)
{
	char buf[64];
	return json_string(sockaddr_ntop(a, buf, sizeof buf));
}

/* "family_ports": {"ipv6-unicast": 1790}: the non-zero ports of fams. */
static json_t *family_ports_json(const struct neighbor_config *fams,
    const uint16_t *ports)
{
	json_t *o = json_object();

	for (uint8_t i = 0; i < fams->family_count; i++)
		if (ports[i] != 0)
			set(o, family_name(fams->families[i]), json_integer(ports[i]));
	return o;
}

static json_t *max_prefixes_json(const struct prefix_limit_config *pl)
{
	return json_pack("{s:I, s:i, s:s, s:I}", "limit", (json_int_t)pl->limit,
	    "warning", (int)pl->warning, "action", pl->teardown ? "teardown" : "warn",
	    "restart", (json_int_t)pl->restart);
}

/* The session keys of a peer or an upstream (config_neighbor.c's
 * neighbor_keys, in that order). */
static json_t *neighbor_json(const struct neighbor_config *n)
{
	json_t *o = json_object(), *fams = json_array();

	set(o, "name", json_string(n->name));
	set(o, "peer", json_pack("{s:o, s:I, s:i}", "address", addr_json(&n->remote),
	    "asn", (json_int_t)n->remote_as, "port", (int)sockaddr_port(&n->remote)));
	if (n->has_local)
		set(o, "local_address", addr_json(&n->local));
	set(o, "passive", json_boolean(n->passive));
	set(o, "hold_time", json_integer(n->hold_time));
	set(o, "connect_retry", json_integer(n->connect_retry));
	for (uint8_t i = 0; i < n->family_count; i++)
		json_array_append_new(fams, json_string(family_name(n->families[i])));
	set(o, "families", fams);
	if (n->password)
		set(o, "password", json_string(PASSWORD_SHOWN));
	set(o, "ttl_security", json_boolean(n->ttl_security));
	set(o, "add_path", json_string(addpath_mode_name(n->add_path)));
	set(o, "multisession", json_string(ms_mode_name(n->multisession)));
	/* redirects are the IETF dialect's: the key is refused with others */
	if (n->multisession == MS_AUTO || n->multisession == MS_IETF)
		set(o, "family_ports", family_ports_json(n, n->family_ports));
	if (n->max_prefixes.limit)
		set(o, "max_prefixes", max_prefixes_json(&n->max_prefixes));
	return o;
}

static json_t *instance_json(const struct upstream_config *u)
{
	const struct instance_config *ic = &u->instance;

	return json_pack("{s:o, s:i, s:I, s:s, s:b, s:o}",
	    "address", addr_json(&ic->addr), "port", (int)sockaddr_port(&ic->addr),
	    "local_as", (json_int_t)ic->local_as,
	    "next_hop", ic->next_hop_self ? "self" : "unchanged",
	    "client_to_client", (int)ic->client_to_client,
	    "family_ports", family_ports_json(&u->n, ic->family_ports));
}

/* An instance host's upstream: its view host holds its session. */
static json_t *remote_upstream_json(const struct upstream_config *u)
{
	json_t *o = json_object(), *fams = json_array();

	set(o, "name", json_string(u->n.name));
	for (uint8_t i = 0; i < u->n.family_count; i++)
		json_array_append_new(fams, json_string(family_name(u->n.families[i])));
	set(o, "families", fams);
	set(o, "id", json_integer(u->id));
	set(o, "instance", instance_json(u));
	return o;
}

static json_t *upstream_json(const struct upstream_config *u, bool remote)
{
	if (remote)
		return remote_upstream_json(u);
	json_t *o = neighbor_json(&u->n);

	set(o, "graceful_restart", json_boolean(u->n.graceful_restart));
	set(o, "id", json_integer(u->id));
	if (u->next_hop4.len)
		set(o, "next_hop_ipv4", addr_json(&u->next_hop4));
	if (u->next_hop6.len)
		set(o, "next_hop_ipv6", addr_json(&u->next_hop6));
	set(o, "instance", instance_json(u));
	return o;
}

static json_t *client_json(const struct client_config *cc)
{
	json_t *o = client_config_to_json(cc, false);

	if (cc->password)
		set(o, "password", json_string(PASSWORD_SHOWN));
	return o;
}

/* "127.0.0.1:8179" or "[::1]:8179", as "api.listen" is written. */
static json_t *listen_json(const struct sockaddr_mux *a)
{
	char addr[64], buf[80];

	sockaddr_ntop(a, addr, sizeof addr);
	snprintf(buf, sizeof buf, sockaddr_family(a) == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    addr, sockaddr_port(a));
	return json_string(buf);
}

static json_t *services_api_json(const struct api_config *api)
{
	json_t *o = json_object();

	set(o, "listen", listen_json(&api->listen));
	if (api->token_file)
		set(o, "token_file", json_string(api->token_file));
	set(o, "header_timeout", json_integer(api->header_timeout));
	set(o, "body_timeout", json_integer(api->body_timeout));
	return o;
}

/* "export" (a view host's) and "view_host" (an instance host's), when
 * there. */
static void roles_json(json_t *o, const struct config *c)
{
	if (c->export.enabled) {
		json_t *hosts = json_array();
		for (size_t i = 0; i < c->export.host_count; i++) {
			const struct export_host_config *h = &c->export.hosts[i];
			json_t *ho = json_pack("{s:s, s:o}", "name", h->name,
			    "address", addr_json(&h->addr));
			if (h->password)
				set(ho, "password", json_string(PASSWORD_SHOWN));
			json_array_append_new(hosts, ho);
		}
		set(o, "export", json_pack("{s:o, s:o}", "listen",
		    listen_json(&c->export.listen), "hosts", hosts));
	}
	if (c->view_host.enabled) {
		const struct view_host_config *vh = &c->view_host;
		json_t *vo = json_pack("{s:o, s:i, s:I}", "address", addr_json(&vh->addr),
		    "port", (int)sockaddr_port(&vh->addr), "asn", (json_int_t)vh->asn);
		if (vh->password)
			set(vo, "password", json_string(PASSWORD_SHOWN));
		if (vh->has_local)
			set(vo, "local_address", addr_json(&vh->local));
		set(o, "view_host", vo);
	}
}

/* "api", "mrt" (when on), "bmp", "stream" and "dataplane" (when on) into o. */
static void services_json(json_t *o, const struct config *c)
{
	json_t *bmp = json_array();

	set(o, "api", services_api_json(&c->api));
	if (c->mrt.enabled)
		set(o, "mrt", json_pack("{s:I, s:I, s:s}",
		    "rib_interval", (json_int_t)c->mrt.rib_interval,
		    "updates_interval", (json_int_t)c->mrt.updates_interval,
		    "compress", c->mrt.gzip ? "gzip" : "none"));
	for (size_t i = 0; i < c->bmp_count; i++)
		json_array_append_new(bmp, json_pack("{s:o, s:i}", "address",
		    addr_json(&c->bmp[i]), "port", (int)sockaddr_port(&c->bmp[i])));
	set(o, "bmp", bmp);
	set(o, "stream", json_pack("{s:I, s:I}",
	    "max_queue", (json_int_t)c->stream_max_queue,
	    "idle_timeout", (json_int_t)c->stream_idle_timeout));
	if (c->dataplane.enabled)
		set(o, "dataplane", json_pack("{s:s, s:I, s:s}",
		    "client_interface", c->dataplane.client_interface,
		    "table_base", (json_int_t)c->dataplane.table_base,
		    "fib", dataplane_fib_name(c->dataplane.fib)));
}

json_t *config_to_json(const struct config *c)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	json_t *o = json_object(), *peers = json_array(), *ups = json_array();
	json_t *clients = json_array();
	struct in_addr rid = { htonl(c->router_id) };
	char buf[INET_ADDRSTRLEN];

	set(o, "asn", json_integer(c->asn));
	set(o, "router_id", json_string(inet_ntop(AF_INET, &rid, buf, sizeof buf)));
	set(o, "state_dir", json_string(c->state_dir));
	set(o, "listen_port", json_integer(c->listen_port));
	set(o, "log_level", json_string(levels[c->log_level & 3]));
	set(o, "open_timeout", json_integer(c->open_timeout));
	if (c->gr_restart_time)
		set(o, "graceful_restart", json_pack("{s:i}", "restart_time",
		    (int)c->gr_restart_time));
	if (c->user != NULL)
		set(o, "user", json_string(c->user));
	set(o, "seccomp", json_boolean(c->seccomp));
	for (size_t i = 0; i < c->peer_count; i++)
		json_array_append_new(peers, neighbor_json(&c->peers[i]));
	set(o, "peers", peers);
	for (size_t i = 0; i < c->upstream_count; i++)
		json_array_append_new(ups, upstream_json(&c->upstreams[i],
		    c->view_host.enabled));
	set(o, "upstreams", ups);
	for (size_t i = 0; i < c->client_count; i++)
		json_array_append_new(clients, client_json(&c->clients[i]));
	set(o, "clients", clients);
	services_json(o, c);
	roles_json(o, c);
	return o;
}
