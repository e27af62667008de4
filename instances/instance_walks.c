/*
 * instance_walks.c — clients joining and leaving: the encoding classes
 * they take, the walks that send them the table (joining, and again for a
 * ROUTE-REFRESH), and the timer that moves the walks a chunk at a time.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances/instance_int.h"
#include "instances/walk.h"
#include "muxd/lib/log.h"

/* While every walk waits for its members' queues to drain. */
#define WALK_RETRY_USEC 1000
/* A new walk waits this long for more clients to join it. */
#define WALK_GATHER_USEC 50000

/* ---- classes --------------------------------------------------------------- */

static struct fanout_class *class_get(struct instance *inst, const struct fanout_key *k)
{
	struct inst_class *ic;

	for (ic = inst->classes; ic; ic = ic->next)
		if (fanout_key_equal(fanout_class_key(ic->fc), k))
			break;
	if (ic == NULL) {
		ic = xcalloc(1, sizeof *ic);
		ic->fc = fanout_class_new(k, &inst->nh);
		ic->next = inst->classes;
		inst->classes = ic;
	}
	ic->refs++;
	return ic->fc;
}

static void class_put(struct instance *inst, struct fanout_class *fc)
{
	for (struct inst_class **pos = &inst->classes; *pos; pos = &(*pos)->next) {
		struct inst_class *ic = *pos;
		if (ic->fc != fc)
			continue;
		if (--ic->refs == 0) {
			*pos = ic->next;
			fanout_class_free(ic->fc);
			free(ic);
		}
		return;
	}
}

/* ---- walks ------------------------------------------------------------------------ */

static void walk_schedule(struct instance *inst, long usec)
{
	struct timeval tv = { 0, usec };

	if (!evtimer_pending(inst->walk_ev, NULL))
		evtimer_add(inst->walk_ev, &tv);
}

static void walks_append(struct instance *inst, struct walk *w)
{
	if (inst->nwalks == inst->walks_cap) {
		inst->walks_cap = inst->walks_cap ? inst->walks_cap * 2 : 4;
		inst->walks = xreallocarray(inst->walks, inst->walks_cap, sizeof *inst->walks);
	}
	inst->walks[inst->nwalks++] = w;
}

static void walks_drop(struct instance *inst, size_t i)
{
	struct walk *w = inst->walks[i];

	for (size_t k = 0; k < walk_member_count(w); k++)
		walk_member(w, k)->walk = NULL;
	inst->walks[i] = inst->walks[--inst->nwalks];
	walk_free(w);
}

static size_t queued(const struct client *c)
{
	return c->session ? session_queue_len(c->session) : SIZE_MAX;
}

/* Whether w may send its next chunk: some member has room. Members far
 * behind the others leave for walks of their own first. */
static bool walk_ready(struct instance *inst, struct walk *w)
{
	size_t n = walk_member_count(w), room = 0;

	for (size_t k = 0; k < n; k++)
		room += queued(walk_member(w, k)) < WALK_QUEUE_HIGH;
	if (room == 0)
		return false;
	for (size_t k = 0; k < walk_member_count(w);) {
		struct client *c = walk_member(w, k);
		if (queued(c) < inst->split_queue || walk_member_count(w) == 1) {
			k++;
			continue;
		}
		c->walk = walk_split(w, c);     /* removes c from w */
		walks_append(inst, c->walk);
		log_peer_info(client_label(c), "falls behind the clients it joined "
		    "with: it goes on with the view at its own pace");
	}
	return true;
}

/* One chunk for each walk whose members have room. A timer, not
 * event_active: the loop polls its sockets between two chunks. */
static void walk_cb(evutil_socket_t fd, short what, void *arg)
{
	struct instance *inst = arg;
	bool progressed = false;
	(void)fd;
	(void)what;

	inst_flush(inst);       /* before any cursor moves: see instance_int.h */
	for (size_t i = 0, n = inst->nwalks; i < n && i < inst->nwalks; i++) {
		struct walk *w = inst->walks[i];
		if (walk_member_count(w) == 0 || !walk_ready(inst, w))
			continue;
		walk_step(w, inst->feed, inst->c2c, WALK_CHUNK);
		progressed = true;
	}
	for (size_t i = 0; i < inst->nwalks;) {
		if (walk_done(inst->walks[i]) || walk_member_count(inst->walks[i]) == 0)
			walks_drop(inst, i);
		else
			i++;
	}
	inst_check_slow(inst);
	if (inst->nwalks)
		walk_schedule(inst, progressed ? 0 : WALK_RETRY_USEC);
}

void inst_walks_init(struct instance *inst)
{
	inst->walk_ev = evtimer_new(inst->base, walk_cb, inst);
}

void inst_walks_free(struct instance *inst)
{
	while (inst->nwalks)
		walks_drop(inst, 0);
	free(inst->walks);
	while (inst->classes) {
		struct inst_class *ic = inst->classes;
		inst->classes = ic->next;
		fanout_class_free(ic->fc);
		free(ic);
	}
	if (inst->walk_ev)
		event_free(inst->walk_ev);
}

/* ---- joining and leaving ---------------------------------------------------------- */

static bool offered(const struct instance *inst, const struct bgp_af *af)
{
	for (uint8_t i = 0; i < inst->nfams; i++)
		if (inst->fams[i].afi == af->afi && inst->fams[i].safi == af->safi)
			return true;
	return false;
}

static bool negotiated(const struct session_negotiated *n, const struct bgp_af *af)
{
	for (uint8_t i = 0; i < n->family_count; i++)
		if (n->families[i].afi == af->afi && n->families[i].safi == af->safi)
			return true;
	return false;
}

/* c's class for each family both sides have, and the logs they read;
 * fams gets "IPv4, IPv6 with ADD-PATH", for the log. */
static void client_take_classes(struct instance *inst, struct client *c,
    const struct session_negotiated *n, char *fams, size_t fams_len)
{
	FOR_EACH_RIB_AID(aid) {
		const struct bgp_af *af = bgp_af(aid);
		struct fanout_key k;
		if (!offered(inst, af) || !negotiated(n, af))
			continue;
		fanout_key_from(&k, aid, n);
		c->cls[aid] = class_get(inst, &k);
		inst->want[aid][k.addpath ? LOG_PATHS : LOG_PREFIXES]++;
		size_t used = strlen(fams);
		snprintf(fams + used, fams_len - used, "%s%s%s", used ? ", " : "",
		    af->afi_name, k.addpath ? " with ADD-PATH" : "");
	}
}

/* A walk not started with c's classes, or a new one (which waits
 * WALK_GATHER_USEC for others). */
static void client_join_walk(struct instance *inst, struct client *c)
{
	for (size_t i = 0; i < inst->nwalks && c->walk == NULL; i++) {
		if (walk_joinable(inst->walks[i], c->cls, c->fams, c->fam_count)) {
			c->walk = inst->walks[i];
			walk_add(c->walk, c);
		}
	}
	if (c->walk == NULL) {
		c->walk = walk_new(c->cls, c->fams, c->fam_count, 0, false);
		walk_hold_eor(c->walk, inst->eor_held);
		walk_add(c->walk, c);
		walks_append(inst, c->walk);
	}
	walk_schedule(inst, WALK_GATHER_USEC);
}

void inst_client_established(struct client *c, void *arg)
{
	struct instance *inst = arg;
	const struct session_negotiated *n = session_negotiated(c->session);
	char fams[96] = "";

	if (inst->stopping)
		return;
	client_take_classes(inst, c, n, fams, sizeof fams);
	c->state = CLIENT_JOINING;
	log_peer_info(client_label(c), "joined: sending the view's %zu routes (%s; "
	    "%s AS numbers%s), then live changes", feed_route_count(inst->feed, 0),
	    fams[0] ? fams : "no family in common", n->tx.as4 ? "4-octet" : "2-octet",
	    n->ext_message ? ", extended messages" : "");
	client_join_walk(inst, c);
}

static void client_leave_walk(struct instance *inst, struct client *c)
{
	for (size_t i = 0; i < inst->nwalks; i++) {
		if (inst->walks[i] != c->walk)
			continue;
		walk_remove(c->walk, c);
		c->walk = NULL;
		if (walk_member_count(inst->walks[i]) == 0)
			walks_drop(inst, i);
		return;
	}
	c->walk = NULL;
}

void inst_client_down(struct client *c, void *arg)
{
	struct instance *inst = arg;

	if (c->walk)
		client_leave_walk(inst, c);

	FOR_EACH_RIB_AID(aid) {
		if (c->cls[aid] == NULL)
			continue;
		inst->want[aid][fanout_class_key(c->cls[aid])->addpath ? LOG_PATHS : LOG_PREFIXES]--;
		class_put(inst, c->cls[aid]);
		c->cls[aid] = NULL;
	}
}

/* c is sent the view again (afi's part; 0: all), between BoRR and EoRR
 * when it negotiated enhanced route refresh. */
static void refresh_start(struct instance *inst, struct client *c, uint16_t afi)
{
	c->walk = walk_new(c->cls, c->fams, c->fam_count, afi, true);
	walk_add(c->walk, c);
	walks_append(inst, c->walk);
	walk_schedule(inst, 0);
}

void inst_client_refresh(struct client *c, uint16_t afi, void *arg)
{
	struct instance *inst = arg;

	if (c->state != CLIENT_STEADY || inst->stopping || !client_has_family(c, afi))
		return;         /* a joining client gets the whole table anyway */
	if (c->walk) {          /* a refresh already runs: restart it, wider */
		if (walk_afi(c->walk) != afi)
			afi = 0;
		client_leave_walk(inst, c);
	}
	log_peer_info(client_label(c), "ROUTE-REFRESH for %s: sending the view "
	    "again%s (from the view's table; the upstream is not asked)",
	    walk_afi_text(afi),
	    session_negotiated(c->session)->enhanced_rr ?
	    " between Beginning and End of Route Refresh (RFC 7313)" : "");
	c->st.refreshes++;
	refresh_start(inst, c, afi);
}

bool instance_client_refreshing(const struct client *c, uint16_t *afi)
{
	if (c->state != CLIENT_STEADY || c->walk == NULL || !walk_refresh(c->walk))
		return false;
	*afi = walk_afi(c->walk);
	return true;
}

/* A session handed over by an upgrade in place (client_adopt.c): the
 * client had the whole view already, so it is STEADY at once. */
void inst_client_adopted(struct instance *inst, struct client *c,
    const struct client_handover *ch)
{
	char fams[96] = "";

	client_take_classes(inst, c, session_negotiated(c->session), fams, sizeof fams);
	c->state = CLIENT_STEADY;
	log_peer_info(client_label(c), "steady (%s): it had the view's %zu routes "
	    "before the upgrade; live changes from now", fams[0] ? fams :
	    "no family in common", feed_route_count(inst->feed, 0));
	if (!ch->refreshing || inst->stopping)
		return;
	/* The old process sent part of the re-send (its BoRR, some routes):
	 * the whole of it again is what RFC 7313 §4 allows — a BoRR again
	 * marks the routes stale again, the view follows, and the EoRR
	 * drops what it did not name — and what a normal refresh's receiver
	 * takes too (routes sent again replace themselves). */
	log_peer_info(client_label(c), "a ROUTE-REFRESH re-send for %s was under way "
	    "at the upgrade: it starts again%s", walk_afi_text(ch->refresh_afi),
	    session_negotiated(c->session)->enhanced_rr ? " (Beginning of Route Refresh "
	    "again, the view, then End of Route Refresh)" : "");
	refresh_start(inst, c, ch->refresh_afi);
}
