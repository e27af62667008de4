/*
 * instance_json.c — instances, clients and the gateway rendered as JSON
 * from what instances/ shows (instance.h, client.h, gateway.h).
 */
#include "web/instance_json.h"

#include <stdlib.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/engine/peer.h"
#include "muxd/lib/log.h"
#include "web/session_json.h"

/* Encoding classes rendered per instance; an instance has at most a few
 * (two families times the encodings clients negotiate). */
#define CLASSES_MAX 64

static json_t *class_json(const struct instance_class *ic)
{
	const struct fanout_key *k = ic->key;
	const struct fanout_class_stats *s = ic->stats;

	return json_pack("{s:s, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "family", bgp_af(k->aid)->name,
	    "as4", k->as4, "add_path", k->addpath, "ebgp", k->ebgp,
	    "max_len", (json_int_t)k->max_len,
	    "clients", (json_int_t)ic->clients,
	    "updates", (json_int_t)s->updates,
	    "bytes", (json_int_t)s->bytes,
	    "routes", (json_int_t)s->routes,
	    "attrs_stored", (json_int_t)s->attrs_stored,
	    "attrs_rewritten", (json_int_t)s->attrs_rewritten,
	    "attrs_encoded", (json_int_t)s->attrs_encoded,
	    "attrs_cached", (json_int_t)s->attrs_cached,
	    "skipped", (json_int_t)s->skipped);
}

static json_t *instance_clients_json(const struct instance *inst)
{
	json_t *arr = json_array();
	size_t want = instance_clients(inst, NULL, 0);
	struct client **cl = want ? xcalloc(want, sizeof *cl) : NULL;
	size_t n = instance_clients(inst, cl, want);

	for (size_t i = 0; i < n && i < want; i++)
		json_array_append_new(arr, client_to_json(cl[i]));
	free(cl);
	return arr;
}

static json_t *instance_classes_json(const struct instance *inst)
{
	struct instance_class ic[CLASSES_MAX];
	size_t n = instance_classes(inst, ic, CLASSES_MAX);
	json_t *arr = json_array();

	for (size_t i = 0; i < n && i < CLASSES_MAX; i++)
		json_array_append_new(arr, class_json(&ic[i]));
	return arr;
}

json_t *instance_to_json(const struct instance *inst)
{
	const struct instance_config *cfg = instance_config(inst);
	const struct instance_stats *st = instance_stats(inst);
	char addr[64];

	json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "name", instance_name(inst),
	    "address", sockaddr_ntop(&cfg->addr, addr, sizeof addr),
	    "port", (json_int_t)sockaddr_port(&cfg->addr),
	    "local_as", (json_int_t)cfg->local_as,
	    "next_hop", cfg->next_hop_self ? "self" : "unchanged",
	    "clients", instance_clients_json(inst),
	    "classes", instance_classes_json(inst),
	    "walks", (json_int_t)instance_walks(inst),
	    "routes_logged", (json_int_t)st->routes_logged,
	    "flushes", (json_int_t)st->flushes,
	    "updates_shared", (json_int_t)st->updates_shared,
	    "updates_written", (json_int_t)st->updates_written,
	    "rejected", (json_int_t)st->rejected,
	    "dropped", (json_int_t)st->dropped,
	    /* every instance's: the chunks slow clients still hold */
	    "queued_chunk_bytes", (json_int_t)fanout_chunk_bytes_alive());
	if (j == NULL)
		fatal("out of memory rendering instance %s", instance_name(inst));
	return j;
}

/* The negotiated families, and those of them with ADD-PATH. */
static void client_families_json(const struct client *c, json_t **fams, json_t **ap)
{
	uint8_t n;
	const struct bgp_family *f = client_families(c, &n);

	*fams = json_array();
	*ap = json_array();
	for (uint8_t i = 0; i < n; i++) {
		json_array_append_new(*fams, json_string(family_name(f[i])));
		if (f[i].safi == BGP_SAFI_UNICAST && client_addpath(c, f[i].afi))
			json_array_append_new(*ap, json_string(family_name(f[i])));
	}
}

/* What only the configured client (not a leg) shows. */
static void client_extras_json(const struct client *c, json_t *j)
{
	uint64_t rejected;

	if (client_rejected_prefixes(c, &rejected))
		json_object_set_new(j, "rejected_prefixes", json_integer((json_int_t)rejected));
	if (!client_is_leg(c) && client_peer(c))
		json_object_set_new(j, "peer", peer_to_json(client_peer(c)));
	if (client_range_of(c))
		json_object_set_new(j, "range_of", json_string(client_range_of(c)));
}

json_t *client_to_json(const struct client *c)
{
	const struct client_config *cfg = client_config(c);
	const struct client_stats *st = client_stats(c);
	struct session *own = client_session(c);
	struct peer *peer = client_peer(c);
	struct session *s = own ? own : peer ? peer_session(peer) : NULL;
	char addr[80];
	json_t *fams, *ap;

	client_families_json(c, &fams, &ap);
	json_t *j = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
	    "name", client_name(c),
	    "session_id", (json_int_t)(own ? session_id(own) : 0),
	    "address", client_addr_text(cfg, addr, sizeof addr),
	    "asn", (json_int_t)cfg->asn,
	    "state", s ? fsm_state_name(session_state(s)) : "Idle",
	    "phase", client_state_name(client_state(c)),
	    "families", fams,
	    "add_path", ap,
	    "as4", own && session_negotiated(own)->as4,
	    "queued_bytes", (json_int_t)(own ? session_queue_len(own) : 0),
	    "updates_received", (json_int_t)st->updates_rx,
	    "updates_ignored", (json_int_t)st->updates_ignored,
	    "updates_sent", (json_int_t)(own ? session_counters_tx(own)->msgs[BGP_UPDATE] : 0),
	    "joins", (json_int_t)st->joins,
	    "drops", (json_int_t)st->drops,
	    "refreshes", (json_int_t)st->refreshes,
	    "flaps", (json_int_t)(peer ? peer_flaps(peer) : 0),
	    "role", cfg->monitor ? "monitor" : "client");
	if (j == NULL)
		fatal("out of memory rendering client %s", client_name(c));
	client_extras_json(c, j);
	return j;
}

json_t *gateway_to_json(const struct gateway *gw)
{
	struct gateway_stats st;
	json_t *ann = json_object();

	gateway_stats(gw, &st);
	for (size_t i = 0; i < gateway_upstreams(gw); i++) {
		size_t n;
		const char *name = gateway_upstream(gw, i, &n);
		json_object_set_new(ann, name, json_integer((json_int_t)n));
	}
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "announced", ann,
	    "rejected", (json_int_t)st.rejected,
	    "limit_resets", (json_int_t)st.limit_resets,
	    "sent_announce", (json_int_t)st.sent_announce,
	    "sent_withdraw", (json_int_t)st.sent_withdraw,
	    "damped", (json_int_t)st.damped,
	    "held", (json_int_t)st.held);
}
