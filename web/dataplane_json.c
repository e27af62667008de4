/*
 * dataplane_json.c — renders the data plane's tables through
 * dp_table_stats; the instance's address comes from the configuration.
 */
#include "web/dataplane_json.h"

#include <stdio.h>
#include <string.h>

#include "dataplane/dataplane.h"
#include "muxd/config/config.h"
#include "muxd/lib/log.h"
#include "muxd/lib/sockaddr.h"

static const struct upstream_config *upstream_of(const struct config *cfg,
    const char *name)
{
	for (size_t i = 0; i < cfg->upstream_count; i++)
		if (strcmp(cfg->upstreams[i].n.name, name) == 0)
			return &cfg->upstreams[i];
	return NULL;
}

/* The counters every table has. */
static json_t *counters_json(const struct dp_table_stats *st)
{
	json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
	    "table", (json_int_t)st->table,
	    "routes", (json_int_t)st->routes,
	    "pending", (json_int_t)st->pending,
	    "errors", (json_int_t)st->errors,
	    "skipped", (json_int_t)st->skipped,
	    "coalesced", (json_int_t)st->coalesced);

	if (j == NULL)
		fatal("out of memory rendering the data plane");
	return j;
}

static json_t *instance_table_json(const struct dp_table_stats *st,
    const struct config *cfg)
{
	const struct upstream_config *uc = upstream_of(cfg, st->upstream);
	json_t *j = counters_json(st);
	char mac[18], addr[64];
	const uint8_t *m = st->mac;

	snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
	    m[4], m[5]);
	json_object_set_new(j, "upstream", json_string(st->upstream));
	json_object_set_new(j, "instance", uc ? json_string(sockaddr_ntop(
	    &uc->instance.addr, addr, sizeof addr)) : json_null());
	json_object_set_new(j, "interface", json_string(st->ifname));
	json_object_set_new(j, "mac", json_string(mac));
	return j;
}

json_t *dataplane_to_json(const struct dataplane *dp, const struct config *cfg)
{
	json_t *tables = json_array(), *inbound = json_null(), *j;
	struct dp_table_stats st;

	if (dp == NULL) {
		json_decref(tables);
		return json_pack("{s:b}", "enabled", false);
	}
	for (size_t i = 0, n = dp_tables(dp); i < n; i++) {
		dp_table_stats(dp, i, &st);
		if (st.upstream == NULL) {
			json_decref(inbound);
			inbound = counters_json(&st);
		} else {
			json_array_append_new(tables, instance_table_json(&st, cfg));
		}
	}
	j = json_pack("{s:b, s:s, s:I, s:s, s:o, s:o}", "enabled", true,
	    "client_interface", cfg->dataplane.client_interface,
	    "table_base", (json_int_t)cfg->dataplane.table_base,
	    "fib", dataplane_fib_name(cfg->dataplane.fib),
	    "tables", tables, "inbound", inbound);
	if (j == NULL)
		fatal("out of memory rendering the data plane");
	return j;
}

unsigned long long dataplane_netlink_errors(const struct dataplane *dp)
{
	struct dp_table_stats st;
	unsigned long long n = dp ? dp_batch_errors(dp) : 0;

	for (size_t i = 0, k = dp ? dp_tables(dp) : 0; i < k; i++) {
		dp_table_stats(dp, i, &st);
		n += st.errors;
	}
	return n;
}
