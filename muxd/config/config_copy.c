/*
 * config_copy.c — the config structs as values: one deep copy and one
 * release per struct that owns memory, and the comparisons a reload uses
 * to tell what changed (config.h).
 */
#include "muxd/config/config.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/xalloc.h"

static bool str_equal(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static char **strings_copy(char *const *v, size_t n)
{
	char **out = xcalloc(n ? n : 1, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool strings_equal(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* ---- neighbors, upstreams ------------------------------------------------- */

void neighbor_config_copy(struct neighbor_config *dst, const struct neighbor_config *src)
{
	*dst = *src;
	dst->name = xstrdup_or_null(src->name);
	dst->password = xstrdup_or_null(src->password);
}

void neighbor_config_release(struct neighbor_config *n)
{
	free(n->name);
	free(n->password);
	n->name = n->password = NULL;
}

void upstream_config_copy(struct upstream_config *dst, const struct upstream_config *src)
{
	*dst = *src;
	neighbor_config_copy(&dst->n, &src->n);
}

void upstream_config_release(struct upstream_config *u)
{
	neighbor_config_release(&u->n);
}

bool neighbor_families_equal(const struct neighbor_config *a,
    const struct neighbor_config *b)
{
	if (a->family_count != b->family_count)
		return false;
	for (size_t i = 0; i < a->family_count; i++)
		if (a->families[i].afi != b->families[i].afi ||
		    a->families[i].safi != b->families[i].safi)
			return false;
	return true;
}

static bool family_ports_equal(const uint16_t *a, const uint16_t *b)
{
	return memcmp(a, b, BGP_MAX_FAMILIES * sizeof *a) == 0;
}

bool neighbor_config_equal(const struct neighbor_config *a,
    const struct neighbor_config *b)
{
	return neighbor_config_equal_but_families(a, b) && neighbor_families_equal(a, b) &&
	    family_ports_equal(a->family_ports, b->family_ports);
}

bool neighbor_config_equal_but_families(const struct neighbor_config *a,
    const struct neighbor_config *b)
{
	return str_equal(a->name, b->name) &&
	    sockaddr_equal(&a->remote, &b->remote) &&
	    a->remote_as == b->remote_as &&
	    a->has_local == b->has_local &&
	    (!a->has_local || sockaddr_same_addr(&a->local, &b->local)) &&
	    a->passive == b->passive && a->hold_time == b->hold_time &&
	    a->connect_retry == b->connect_retry &&
	    str_equal(a->password, b->password) &&
	    a->ttl_security == b->ttl_security && a->add_path == b->add_path &&
	    a->multisession == b->multisession &&
	    a->graceful_restart == b->graceful_restart &&
	    a->add_path_vpn == b->add_path_vpn && a->require_family == b->require_family;
}

bool prefix_limit_config_equal(const struct prefix_limit_config *a,
    const struct prefix_limit_config *b)
{
	return a->limit == b->limit && a->warning == b->warning &&
	    a->teardown == b->teardown && a->restart == b->restart;
}

bool instance_config_equal(const struct instance_config *a,
    const struct instance_config *b)
{
	return sockaddr_equal(&a->addr, &b->addr) && a->local_as == b->local_as &&
	    a->next_hop_self == b->next_hop_self &&
	    family_ports_equal(a->family_ports, b->family_ports) &&
	    a->client_to_client == b->client_to_client;
}

bool upstream_config_equal(const struct upstream_config *a, const struct upstream_config *b)
{
	return neighbor_config_equal(&a->n, &b->n) &&
	    instance_config_equal(&a->instance, &b->instance) && a->id == b->id &&
	    sockaddr_equal(&a->next_hop4, &b->next_hop4) &&
	    sockaddr_equal(&a->next_hop6, &b->next_hop6);
}

/* ---- clients ---------------------------------------------------------------- */

void client_config_copy(struct client_config *dst, const struct client_config *src)
{
	*dst = *src;
	dst->name = xstrdup_or_null(src->name);
	dst->password = xstrdup_or_null(src->password);
	dst->upstreams = strings_copy(src->upstreams, src->upstream_count);
	dst->prefixes = strings_copy(src->prefixes, src->prefix_count);
}

void client_config_release(struct client_config *cc)
{
	free(cc->name);
	free(cc->password);
	strings_free(cc->upstreams, cc->upstream_count);
	strings_free(cc->prefixes, cc->prefix_count);
	cc->name = cc->password = NULL;
	cc->upstreams = cc->prefixes = NULL;
	cc->upstream_count = cc->prefix_count = 0;
}

bool client_config_equal(const struct client_config *a, const struct client_config *b)
{
	return strcmp(a->name, b->name) == 0 && sockaddr_same_addr(&a->addr, &b->addr) &&
	    a->range_len == b->range_len &&
	    a->asn == b->asn && str_equal(a->password, b->password) &&
	    a->hold_time == b->hold_time && a->add_path == b->add_path &&
	    a->multisession == b->multisession &&
	    a->max_len4 == b->max_len4 && a->max_len6 == b->max_len6 &&
	    a->max_prefixes == b->max_prefixes && a->keep_asn == b->keep_asn &&
	    a->graceful_restart == b->graceful_restart &&
	    a->hold_down == b->hold_down && a->min_interval == b->min_interval &&
	    strings_equal(a->upstreams, a->upstream_count, b->upstreams, b->upstream_count) &&
	    strings_equal(a->prefixes, a->prefix_count, b->prefixes, b->prefix_count);
}

/* ---- services --------------------------------------------------------------- */

void api_config_copy(struct api_config *dst, const struct api_config *src)
{
	*dst = *src;
	dst->token_file = xstrdup_or_null(src->token_file);
}

void api_config_release(struct api_config *a)
{
	free(a->token_file);
	a->token_file = NULL;
}

void dataplane_config_copy(struct dataplane_config *dst, const struct dataplane_config *src)
{
	*dst = *src;
	dst->client_interface = xstrdup_or_null(src->client_interface);
}

void dataplane_config_release(struct dataplane_config *d)
{
	free(d->client_interface);
	d->client_interface = NULL;
}

bool dataplane_config_equal(const struct dataplane_config *a,
    const struct dataplane_config *b)
{
	return a->enabled == b->enabled && str_equal(a->client_interface,
	    b->client_interface) && a->table_base == b->table_base && a->fib == b->fib;
}

/* ---- roles: export, view_host ------------------------------------------------ */

void export_host_config_copy(struct export_host_config *dst,
    const struct export_host_config *src)
{
	*dst = *src;
	dst->name = xstrdup_or_null(src->name);
	dst->password = xstrdup_or_null(src->password);
}

void export_host_config_release(struct export_host_config *h)
{
	free(h->name);
	free(h->password);
	h->name = h->password = NULL;
}

bool export_host_config_equal(const struct export_host_config *a,
    const struct export_host_config *b)
{
	return str_equal(a->name, b->name) && sockaddr_equal(&a->addr, &b->addr) &&
	    str_equal(a->password, b->password);
}

void export_config_copy(struct export_config *dst, const struct export_config *src)
{
	*dst = *src;
	dst->hosts = xcalloc(src->host_count + 1, sizeof *dst->hosts);
	for (size_t i = 0; i < src->host_count; i++)
		export_host_config_copy(&dst->hosts[i], &src->hosts[i]);
}

void export_config_release(struct export_config *e)
{
	for (size_t i = 0; i < e->host_count; i++)
		export_host_config_release(&e->hosts[i]);
	free(e->hosts);
	e->hosts = NULL;
	e->host_count = 0;
}

bool export_config_equal(const struct export_config *a, const struct export_config *b)
{
	if (a->enabled != b->enabled || !sockaddr_equal(&a->listen, &b->listen) ||
	    a->host_count != b->host_count)
		return false;
	for (size_t i = 0; i < a->host_count; i++)
		if (!export_host_config_equal(&a->hosts[i], &b->hosts[i]))
			return false;
	return true;
}

const struct export_host_config *config_export_host(const struct export_config *e,
    const char *name)
{
	for (size_t i = 0; i < e->host_count; i++)
		if (strcmp(e->hosts[i].name, name) == 0)
			return &e->hosts[i];
	return NULL;
}

void view_host_config_copy(struct view_host_config *dst, const struct view_host_config *src)
{
	*dst = *src;
	dst->password = xstrdup_or_null(src->password);
}

void view_host_config_release(struct view_host_config *vh)
{
	free(vh->password);
	vh->password = NULL;
}

bool view_host_config_equal(const struct view_host_config *a,
    const struct view_host_config *b)
{
	return a->enabled == b->enabled && sockaddr_equal(&a->addr, &b->addr) &&
	    a->asn == b->asn && str_equal(a->password, b->password) &&
	    a->has_local == b->has_local &&
	    (!a->has_local || sockaddr_same_addr(&a->local, &b->local));
}
