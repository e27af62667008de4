/*
 * instance_listen.c — the instance's listening sockets (its address, and
 * its family ports for multisession redirects), the TCP-MD5 keys on them,
 * and each connection handed to the client it is from: the client with
 * that address, or a new member of an address range that holds it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "instances/gateway.h"
#include "instances/instance_int.h"
#include "muxd/engine/listener.h"
#include "muxd/engine/sockopt.h"
#include "muxd/lib/log.h"

/* A member of range for a connection from a: "NAME@ADDRESS". */
static struct client *range_member_new(struct instance *inst, struct client *range,
    const struct sockaddr_mux *a)
{
	struct client_config member = range->cfg;
	char addr[64], name[160];

	snprintf(name, sizeof name, "%s@%s", range->cfg.name, sockaddr_ntop(a, addr, sizeof addr));
	member.name = name;
	member.addr = *a;
	sockaddr_set_port(&member.addr, 0);
	member.range_len = 0;
	log_info("instance %s: %s is in client %s's range: it becomes client %s",
	    inst->name, addr, range->cfg.name, name);
	return inst_client_add(inst, &member, range);
}

struct client *inst_client_by_addr(struct instance *inst, const struct sockaddr_mux *a)
{
	struct client *range = NULL;

	for (size_t i = 0; i < inst->nclients; i++) {
		struct client *c = inst->clients[i];
		if (c->retiring || c->primary)
			continue;
		if (c->cfg.range_len == 0 && sockaddr_same_addr(&c->cfg.addr, a))
			return c;
		if (c->cfg.range_len && client_addr_contains(&c->cfg, a))
			range = c;
	}
	return range ? range_member_new(inst, range, a) : NULL;
}

static bool inst_accept(int fd, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local, void *arg)
{
	struct instance *inst = arg;
	struct client *c = inst_client_by_addr(inst, remote);
	char ra[64], la[64];

	if (c != NULL && inst->gw && !gateway_client_allowed(inst->gw, c->cfg.name, inst->name)) {
		log_peer_warnx(client_label(c), "connection refused: it broke max_prefixes "
		    "less than %d s ago", GATEWAY_LIMIT_HOLDOFF_SECS);
		return false;
	}
	if (c != NULL && !inst->stopping)
		return peer_accept(c->peer, fd);
	inst->st.rejected++;
	log_warnx("instance %s: connection from %s port %u to %s refused with "
	    "Cease/Connection Rejected: no client with that address is configured "
	    "for upstream %s (add it to \"clients\" with \"upstreams\": [\"%s\"])",
	    inst->name, sockaddr_ntop(remote, ra, sizeof ra), sockaddr_port(remote),
	    sockaddr_ntop(local, la, sizeof la), inst->name, inst->name);
	return false;
}

void inst_listener_key(struct instance *inst, const struct client_config *cc,
    const char *key)
{
	struct sockaddr_mux a = cc->addr;

	if (sockaddr_family(&a) != sockaddr_family(&inst->cfg.addr))
		return;
	for (size_t i = 0; i < inst->nlisteners; i++)
		if (sockopt_md5_prefix(listener_fd(inst->listeners[i]), &a, cc->range_len,
		    key) < 0 && key)
			log_warnx("instance %s: client %s: cannot set its TCP-MD5 key on "
			    "the listener: %s", inst->name, cc->name, strerror(errno));
}

bool inst_listen(struct instance *inst, char *why, size_t why_len)
{
	struct sockaddr_mux a = inst->cfg.addr;

	for (int k = -1; k < BGP_MAX_FAMILIES; k++) {
		if (k >= 0 && inst->cfg.family_ports[k] == 0)
			continue;
		if (k >= 0)
			sockaddr_set_port(&a, inst->cfg.family_ports[k]);
		struct listener *l = listener_new(inst->base, &a, inst_accept, inst, why, why_len);
		if (l == NULL)
			return false;
		inst->listeners[inst->nlisteners++] = l;
	}
	return true;
}

void inst_unlisten(struct instance *inst)
{
	for (size_t i = 0; i < inst->nlisteners; i++)
		listener_free(inst->listeners[i]);
	inst->nlisteners = 0;
}

/* A range member exists for a connection from its address; one whose
 * connections all ended before any reached Established (a silent socket,
 * a scan) goes, so that a range never fills with clients nobody uses. */
void inst_reap_range_members(struct instance *inst)
{
	for (size_t i = 0; i < inst->nclients; i++) {
		struct client *c = inst->clients[i];
		if (c->range_of == NULL || c->retiring || c->st.joins > 0 ||
		    peer_session(c->peer) != NULL)
			continue;
		log_peer_info(client_label(c), "no session of it reached Established: "
		    "removed (a new connection from its address makes it again)");
		client_shutdown(c, BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIGURED);
	}
}
