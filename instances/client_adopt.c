/*
 * client_adopt.c — a client's session handed over by an upgrade in place
 * (instance.h): the client takes it as it was when the process before
 * froze it, with the whole view sent, and goes on with live changes.
 *
 * Each session is taken as if it had come up here (client_take_session):
 * a multisession client's further sessions become legs again, in the
 * order they come, and a member of an address range is made again for
 * the session's address. What the session itself counted (messages,
 * bytes, prefixes, its uptime) carries over in the handover record: it
 * describes the one TCP session, which goes on. What the client counts
 * for this process (joins, updates received, refreshes) starts again at
 * zero, as every process counter does, and the session counts as one
 * join: the client has it Established here (and a range member with a
 * join is not reaped as one nobody uses).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "instances/instance_int.h"
#include "muxd/engine/session_handover.h"

/* The range member named name ("RANGE@ADDRESS") for the session on fd:
 * made for fd's remote address when that is still in the range. */
static struct client *range_member(struct instance *inst, const char *name, int fd)
{
	const char *at = strrchr(name, '@');
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct sockaddr_mux a;
	char range[256];

	if (at == NULL || (size_t)(at - name) >= sizeof range)
		return NULL;
	snprintf(range, sizeof range, "%.*s", (int)(at - name), name);
	struct client *t = instance_client_named(inst, range);
	if (t == NULL || t->cfg.range_len == 0 ||
	    getpeername(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    !sockaddr_from((struct sockaddr *)&ss, len, &a) || !client_addr_contains(&t->cfg, &a))
		return NULL;
	struct client *c = inst_client_by_addr(inst, &a);
	return c && c->range_of && strcmp(c->cfg.name, name) == 0 ? c : NULL;
}

bool instance_adopt_client(struct instance *inst, const struct client_handover *ch,
    const struct session_handover *h, char *why, size_t why_len)
{
	struct client *c = instance_client_named(inst, ch->name);

	if (c == NULL || c->cfg.range_len)
		c = range_member(inst, ch->name, h->fd);
	if (c == NULL) {
		snprintf(why, why_len, "no client %s on instance %s", ch->name, inst->name);
		return false;
	}
	struct session *s = peer_adopt(c->peer, h, why, why_len);
	if (s == NULL)
		return false;
	struct client *slot = client_free_slot(c);
	if (slot == NULL) {     /* the peer's bound on sessions keeps this away */
		peer_close_session(c->peer, s, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, NULL);
		return true;
	}
	client_take_session(slot, s);
	inst_client_adopted(inst, slot, ch);
	return true;
}
