/*
 * client.c — a client's peer, its table walk and its live share while
 * joining, and the rules that say it cannot keep up.
 */
#include "instances/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp_msg.h"
#include "muxd/log.h"

static const struct peer_ops client_peer_ops;

/* Live changes filtered for one joining client; grows as needed. */
static struct fanout_route *live_buf;
static size_t live_cap;

/* ---- configuration ------------------------------------------------------ */

static char **strings_copy(char **v, size_t n)
{
	char **out = n ? xcalloc(n, sizeof *out) : NULL;
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

void client_cfg_copy(struct client_config *dst, const struct client_config *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->password = src->password ? xstrdup(src->password) : NULL;
	dst->upstreams = strings_copy(src->upstreams, src->upstream_count);
	dst->prefixes = strings_copy(src->prefixes, src->prefix_count);
}

void client_cfg_release(struct client_config *c)
{
	free(c->name);
	free(c->password);
	strings_free(c->upstreams, c->upstream_count);
	strings_free(c->prefixes, c->prefix_count);
}

/* ---- life ------------------------------------------------------------------ */

struct client *client_new(struct event_base *base, const struct client_config *cc,
    const struct client_params *p, const struct client_ops *ops, void *arg)
{
	struct client *c = xcalloc(1, sizeof *c);
	struct neighbor_config nc;
	char label[160];

	client_cfg_copy(&c->cfg, cc);
	c->ops = ops;
	c->arg = arg;
	c->queue_limit = p->queue_limit ? p->queue_limit : CLIENT_QUEUE_LIMIT;
	c->stall_secs = p->stall_secs ? p->stall_secs : CLIENT_STALL_SECS;
	memset(&nc, 0, sizeof nc);
	nc.name = c->cfg.name;
	nc.remote = cc->addr;
	sockaddr_set_port(&nc.remote, BGP_PORT);
	nc.remote_as = cc->asn;
	nc.local = p->local;
	sockaddr_set_port(&nc.local, 0);
	nc.has_local = true;
	nc.passive = true;
	nc.hold_time = cc->hold_time;
	nc.connect_retry = 30;
	memcpy(nc.families, p->families, p->family_count * sizeof nc.families[0]);
	nc.family_count = p->family_count;
	nc.password = c->cfg.password;
	nc.add_path = cc->add_path;
	snprintf(label, sizeof label, "instance %s client %s", p->instance, cc->name);
	struct peer_local local = { p->local_as, p->router_id, p->hostname, label };
	c->peer = peer_new(base, &nc, &local, &client_peer_ops, c);
	for (int afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++)
		c->walk_buf[afi] = xcalloc(CLIENT_WALK_CHUNK, sizeof *c->walk_buf[afi]);
	return c;
}

void client_start(struct client *c)
{
	peer_start(c->peer);
}

void client_shutdown(struct client *c, uint8_t code, uint8_t subcode)
{
	c->retiring = true;
	peer_shutdown(c->peer, code, subcode, NULL);
}

void client_reset(struct client *c, uint8_t code, uint8_t subcode)
{
	struct session *s = c->session;
	if (s != NULL)
		session_close(s, code, subcode, NULL);
}

void client_free(struct client *c)
{
	for (int afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++)
		free(c->walk_buf[afi]);
	client_cfg_release(&c->cfg);
	free(c);
}

const char *client_label(const struct client *c) { return peer_label(c->peer); }

bool client_has_family(const struct client *c, uint16_t afi)
{
	return afi >= BGP_AFI_IPV4 && afi <= BGP_AFI_IPV6 && c->cls[afi] != NULL;
}

bool client_addpath(const struct client *c, uint16_t afi)
{
	return client_has_family(c, afi) && fanout_class_key(c->cls[afi])->addpath;
}

/* ---- the peer's upcalls ------------------------------------------------- */

static void on_established(struct peer *p, struct session *s, void *owner)
{
	struct client *c = owner;
	const struct session_negotiated *n = session_negotiated(s);
	(void)p;

	c->session = s;
	c->joins++;
	memcpy(c->fams, n->families, n->family_count * sizeof c->fams[0]);
	c->fam_count = n->family_count;
	c->progress = session_counters_tx(s)->bytes - session_queue_len(s);
	c->progress_at = 0;
	c->ops->established(c, c->arg);
}

static void on_down(struct peer *p, struct session *s, const char *reason, void *owner)
{
	struct client *c = owner;
	(void)p;
	(void)reason;

	if (s != c->session)
		return;
	c->ops->down(c, c->arg);
	c->session = NULL;
	c->state = CLIENT_IDLE;
	c->walking = c->refreshing = false;
	c->fam_count = 0;
	memset(c->cls, 0, sizeof c->cls);
}

static void on_update(struct peer *p, struct session *s, const struct bgp_update *u,
    void *owner)
{
	struct client *c = owner;
	(void)p;
	(void)s;
	(void)u;
	/* Client routes are the subject of a later layer; nothing a client
	 * sends goes anywhere. */
	c->updates_rx++;
}

static void on_route_refresh(struct peer *p, struct session *s, uint16_t afi,
    uint8_t safi, uint8_t subtype, void *owner)
{
	struct client *c = owner;
	(void)p;
	(void)s;
	if (subtype == BGP_RR_NORMAL && safi == BGP_SAFI_UNICAST && c->ops->route_refresh)
		c->ops->route_refresh(c, afi, c->arg);
}

static void on_freed(struct peer *p, void *owner)
{
	struct client *c = owner;
	(void)p;
	c->ops->freed(c, c->arg);
}

static const struct peer_ops client_peer_ops = {
	.established = on_established,
	.down = on_down,
	.update = on_update,
	.route_refresh = on_route_refresh,
	.freed = on_freed,
};

/* ---- the walk -------------------------------------------------------------- */

void client_walk_begin(struct client *c, uint16_t afi, bool refresh)
{
	bool v4 = client_has_family(c, BGP_AFI_IPV4), v6 = client_has_family(c, BGP_AFI_IPV6);

	if (afi == 0)
		afi = v4 && v6 ? 0 : v4 ? BGP_AFI_IPV4 : v6 ? BGP_AFI_IPV6 : 0;
	else if (!client_has_family(c, afi))
		return;
	if (refresh && c->walking && c->cursor.c.afi != afi)
		afi = 0;                /* a second refresh while one runs */
	feed_cursor_init(&c->cursor, afi);
	c->walking = true;
	c->refreshing = refresh;
	c->walk_has_last = false;
	c->walk_routes = 0;
	c->walk_empty = !v4 && !v6;
	if (!refresh)
		c->state = CLIENT_JOINING;
}

static bool same_prefix(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->afi == b->afi && a->len == b->len && memcmp(a->addr, b->addr, 16) == 0;
}

static int walk_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct client *c = arg;
	uint16_t afi = p->afi;
	struct fanout_route *r;

	if (!client_has_family(c, afi))
		return 0;
	if (!client_addpath(c, afi)) {
		/* One path per prefix: the first the walk meets (lowest id). */
		if (c->walk_has_last && same_prefix(&c->walk_last, p))
			return 0;
		c->walk_last = *p;
		c->walk_has_last = true;
	}
	r = &c->walk_buf[afi][c->walk_n[afi]++];
	r->p = *p;
	if (!client_addpath(c, afi))
		r->p.path_id = 0;
	r->set = set;
	return 0;
}

static int route_by_set(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct fanout_route *)a)->set;
	uintptr_t y = (uintptr_t)((const struct fanout_route *)b)->set;
	return x < y ? -1 : x > y;
}

size_t client_walk_step(struct client *c, const struct feed *f, size_t max)
{
	struct fanout_out out;
	size_t visited = 0;

	if (!c->walking || c->session == NULL)
		return 0;
	if (max > CLIENT_WALK_CHUNK)
		max = CLIENT_WALK_CHUNK;
	c->walk_n[1] = c->walk_n[2] = 0;
	if (!c->walk_empty)
		visited = feed_cursor_next(f, &c->cursor, max, walk_cb, c);
	fanout_out_init(&out, &c->session, 1);
	for (int afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		size_t n = c->walk_n[afi];
		if (n == 0)
			continue;
		/* Within a chunk order is free: group by set to pack better. */
		qsort(c->walk_buf[afi], n, sizeof *c->walk_buf[afi], route_by_set);
		fanout_encode(c->cls[afi], &out, c->walk_buf[afi], n);
		c->walked += n;
		c->walk_routes += n;
	}
	if (c->walk_empty || feed_cursor_done(&c->cursor)) {
		if (!c->refreshing) {
			for (uint8_t i = 0; i < c->fam_count; i++)
				fanout_eor(&out, c->fams[i].afi, c->fams[i].safi);
			c->state = CLIENT_STEADY;
			log_peer_info(client_label(c), "sent the whole view (%llu routes) "
			    "and End-of-RIB", (unsigned long long)c->walk_routes);
		}
		c->walking = c->refreshing = false;
	}
	fanout_out_finish(&out);
	return visited;
}

void client_live(struct client *c, uint16_t afi, const struct fanout_route *r, size_t n)
{
	struct fanout_out out;
	size_t m = 0;

	if (!client_has_family(c, afi) || c->session == NULL)
		return;
	if (n > live_cap) {
		live_cap = n < 1024 ? 1024 : n;
		free(live_buf);
		live_buf = xmalloc(live_cap * sizeof *live_buf);
	}
	for (size_t i = 0; i < n; i++)
		if (feed_cursor_passed(&c->cursor, &r[i].p))
			live_buf[m++] = r[i];
	if (m == 0)
		return;
	fanout_out_init(&out, &c->session, 1);
	fanout_encode(c->cls[afi], &out, live_buf, m);
	fanout_out_finish(&out);
	c->live += m;
}

/* ---- keeping up ---------------------------------------------------------------- */

bool client_too_slow(struct client *c, time_t now, char *why, size_t why_len)
{
	struct session *s = c->session;

	if (s == NULL)
		return false;
	size_t q = session_queue_len(s);
	uint64_t progress = session_counters_tx(s)->bytes - q;
	if (q > c->queue_limit) {
		snprintf(why, why_len, "%zu bytes wait in its output queue, over the "
		    "limit of %zu", q, c->queue_limit);
		return true;
	}
	if (q == 0 || progress != c->progress || c->progress_at == 0) {
		c->progress = progress;
		c->progress_at = now;
		return false;
	}
	if (now - c->progress_at >= (time_t)c->stall_secs) {
		snprintf(why, why_len, "it has not read a byte for %lld s with %zu "
		    "bytes waiting", (long long)(now - c->progress_at), q);
		return true;
	}
	return false;
}

/* ---- JSON ------------------------------------------------------------------ */

static const char *const state_names[] = { "idle", "joining", "steady" };

json_t *client_to_json(const struct client *c)
{
	struct session *s = c->session ? c->session : peer_session(c->peer);
	char addr[64];
	json_t *fams = json_array(), *ap = json_array();

	for (uint8_t i = 0; i < c->fam_count; i++) {
		json_array_append_new(fams, json_string(family_name(c->fams[i])));
		if (c->fams[i].safi == BGP_SAFI_UNICAST && client_addpath(c, c->fams[i].afi))
			json_array_append_new(ap, json_string(family_name(c->fams[i])));
	}
	json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:s, s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "name", c->cfg.name,
	    "address", sockaddr_ntop(&c->cfg.addr, addr, sizeof addr),
	    "asn", (json_int_t)c->cfg.asn,
	    "state", s ? fsm_state_name(session_state(s)) : "Idle",
	    "phase", state_names[c->state],
	    "families", fams,
	    "add_path", ap,
	    "as4", c->session && session_negotiated(c->session)->as4,
	    "queued_bytes", (json_int_t)(c->session ? session_queue_len(c->session) : 0),
	    "updates_received", (json_int_t)c->updates_rx,
	    "updates_sent", (json_int_t)(c->session ?
		session_counters_tx(c->session)->msgs[BGP_UPDATE] : 0),
	    "joins", (json_int_t)c->joins,
	    "drops", (json_int_t)c->drops,
	    "flaps", (json_int_t)peer_flaps(c->peer));
	if (j == NULL)
		fatal("out of memory rendering client %s", c->cfg.name);
	return j;
}
