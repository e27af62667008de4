/*
 * instance_gr.c — the clients' End-of-RIB after a graceful restart of
 * muxd (RFC 4724 §4.1: the restarting speaker sends End-of-RIB once its
 * own table is complete).
 *
 * Right after such a restart the view is empty or filling: the upstream
 * is sending its routes again. A client that helps keeps the view's
 * routes as stale until muxd's End-of-RIB and then drops those it did not
 * get again, so an End-of-RIB after the walk of a view still filling
 * would withdraw from it everything the upstream has not sent yet. So,
 * for the restart time, a family's End-of-RIB to clients waits for the
 * upstream's: walks that end before hold it back, and it goes to every
 * client that got its walk when the upstream's comes — or when the
 * restart time runs out, the upstream never sending one.
 */
#include <event2/event.h>

#include "instances/instance_int.h"
#include "instances/walk.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/engine/timebase.h"
#include "muxd/lib/log.h"

/* End-of-RIB of aid to each client whose walk has ended. */
static void release(struct instance *inst, enum bgp_aid aid, const char *why)
{
	const struct bgp_af *af = bgp_af(aid);
	uint8_t buf[64];
	size_t sent = 0;

	if (!inst->eor_held[aid])
		return;
	inst->eor_held[aid] = false;
	for (size_t i = 0; i < inst->nclients; i++) {
		struct client *c = inst->clients[i];
		struct wbuf w = wbuf_make(buf, sizeof buf);
		size_t len = bgp_eor_encode(&w, af->afi, af->safi);
		if (c->session && c->state == CLIENT_STEADY && client_has_family(c, af->afi) &&
		    len && session_send(c->session, buf, len))
			sent++;
	}
	log_info("instance %s: graceful restart: %s End-of-RIB sent to %zu clients (%s)",
	    inst->name, af->name, sent, why);
}

static void expired_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	FOR_EACH_RIB_AID(aid)
		release(arg, aid, "the restart time ran out before the upstream's");
}

/* On an instance host the views fill from the view host's session as
 * after a restart: its End-of-RIB is the upstream's (eor_wait). */
void inst_gr_init(struct instance *inst)
{
	const struct gr_speaker *g = inst->gr;
	time_t now = timebase_now();
	time_t until = now + inst->eor_wait;

	if (g && g->restart_time && g->restarted_until > until)
		until = g->restarted_until;
	if (until <= now)
		return;
	FOR_EACH_RIB_AID(aid)
		inst->eor_held[aid] = true;
	inst->gr_ev = evtimer_new(inst->base, expired_cb, inst);
	struct timeval tv = timebase_secs((unsigned)(until - now));
	evtimer_add(inst->gr_ev, &tv);
}

void inst_gr_free(struct instance *inst)
{
	if (inst->gr_ev)
		event_free(inst->gr_ev);
	inst->gr_ev = NULL;
}

void inst_gr_upstream_eor(struct instance *inst, uint16_t afi, uint8_t safi)
{
	enum bgp_aid aid = bgp_aid_rib(afi, safi);

	if (bgp_aid_is_rib(aid))
		release(inst, aid, "after the upstream's");
}
