/*
 * client_adopt.c — a client's session handed over by an upgrade in place
 * (instance.h): the client takes it as it was when the process before
 * froze it, with the whole view sent, and goes on with live changes.
 */
#include <stdio.h>
#include <string.h>

#include "instances/gateway.h"
#include "instances/instance_int.h"

bool instance_adopt_client(struct instance *inst, const char *client,
    const struct session_handover *h, char *why, size_t why_len)
{
	struct client *c = instance_client_named(inst, client);

	if (c == NULL || c->cfg.range_len) {
		snprintf(why, why_len, "no configured client %s on instance %s", client,
		    inst->name);
		return false;
	}
	if (c->session) {
		/* a further session would be a leg: those are not handed over */
		snprintf(why, why_len, "client %s has its session already", client);
		return false;
	}
	struct session *s = peer_adopt(c->peer, h, why, why_len);
	if (s == NULL)
		return false;
	const struct session_negotiated *n = session_negotiated(s);
	c->session = s;
	memcpy(c->fams, n->families, n->family_count * sizeof c->fams[0]);
	c->fam_count = n->family_count;
	c->progress = session_counters_tx(s)->bytes - session_queue_len(s);
	c->progress_at = 0;
	if (c->gw)
		gateway_client_up(c->gw, &c->cfg, c->upstream);
	inst_client_adopted(inst, c);
	return true;
}
