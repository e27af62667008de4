/*
 * listeners.c — muxd's BGP listening sockets: one per distinct local
 * address of the configured peers and upstreams (and per family port of
 * a multisession neighbor), but where an instance listens; each carries
 * the neighbors' TCP-MD5 keys and, when all of them ask for it, GTSM. An
 * accepted connection goes to the neighbor whose addresses it matches.
 */
#include <errno.h>
#include <string.h>

#include "muxd/daemon_int.h"
#include "muxd/engine/listener.h"
#include "muxd/engine/sockopt.h"
#include "muxd/lib/log.h"
#include "views/view.h"

static bool accept_to(const struct neighbor *list, int fd, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local, bool *taken)
{
	for (const struct neighbor *n = list; n; n = n->next) {
		struct peer *p = view_peer(n->view);
		if (p && peer_matches(p, remote, local)) {
			*taken = peer_accept(p, fd);
			return true;
		}
	}
	return false;
}

static bool daemon_accept(int fd, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local, void *arg)
{
	struct daemon *d = arg;
	char ra[64], la[64];
	bool taken = false;

	if (accept_to(d->peers, fd, remote, local, &taken) ||
	    accept_to(d->upstreams, fd, remote, local, &taken))
		return taken;
	log_warnx("connection from %s port %u to %s refused: no peer or upstream is "
	    "configured with that address (add it to \"peers\" or \"upstreams\")",
	    sockaddr_ntop(remote, ra, sizeof ra), sockaddr_port(remote),
	    sockaddr_ntop(local, la, sizeof la));
	return false;
}

static struct listener *listener_find(struct daemon *d, const struct sockaddr_mux *a)
{
	for (size_t i = 0; i < d->nlisteners; i++)
		if (sockaddr_equal(listener_addr(d->listeners[i]), a))
			return d->listeners[i];
	return NULL;
}

/* TCP-MD5 keys live on the listening socket too, or the SYN of a
 * neighbor that signs would be dropped. */
static void listener_key(struct listener *l, const struct neighbor_config *nc)
{
	if (nc->password && sockaddr_family(&nc->remote) == sockaddr_family(listener_addr(l)) &&
	    sockopt_md5(listener_fd(l), &nc->remote, nc->password) < 0)
		log_warnx("%s: cannot set its TCP-MD5 key on the listener: %s",
		    nc->name, strerror(errno));
}

static void listener_keys(struct daemon *d, struct listener *l)
{
	for (size_t i = 0; i < d->cfg->peer_count; i++)
		listener_key(l, &d->cfg->peers[i]);
	for (size_t i = 0; i < d->cfg->upstream_count; i++)
		listener_key(l, &d->cfg->upstreams[i].n);
}

/* An instance listens there: its listener takes the connections. */
static bool instance_address(const struct daemon *d, const struct sockaddr_mux *a)
{
	for (size_t i = 0; i < d->cfg->upstream_count; i++)
		if (sockaddr_equal(&d->cfg->upstreams[i].instance.addr, a))
			return true;
	return false;
}

/* The neighbor of peers[i], or of upstreams[i - peer_count]. */
static const struct neighbor_config *daemon_neighbor(const struct daemon *d, size_t i)
{
	return i < d->cfg->peer_count ? &d->cfg->peers[i] :
	    &d->cfg->upstreams[i - d->cfg->peer_count].n;
}

/* The address a neighbor's connections arrive at. */
static void neighbor_listen_addr(const struct daemon *d, const struct neighbor_config *nc,
    struct sockaddr_mux *a)
{
	if (nc->has_local)
		*a = nc->local;
	else
		sockaddr_parse(sockaddr_family(&nc->remote) == AF_INET ? "0.0.0.0" : "::", 0, a);
	sockaddr_set_port(a, d->cfg->listen_port);
}

/*
 * GTSM (RFC 5082) must drop a far neighbor's packets before any reach the
 * socket: set on an accepted socket, it would come after the OPEN already
 * queued. So the minimum TTL goes on the listener (accepted sockets
 * inherit it), which is possible only when every neighbor arriving at
 * that address asks for it.
 */
static void listener_gtsm(struct daemon *d, struct listener *l)
{
	size_t with = 0, without = 0;
	char a[64];

	for (size_t i = 0; i < d->cfg->peer_count + d->cfg->upstream_count; i++) {
		struct sockaddr_mux la;
		const struct neighbor_config *nc = daemon_neighbor(d, i);
		neighbor_listen_addr(d, nc, &la);
		if (sockaddr_equal(&la, listener_addr(l)))
			nc->ttl_security ? with++ : without++;
	}
	if (with == 0)
		return;
	sockaddr_ntop(listener_addr(l), a, sizeof a);
	if (without)
		log_warnx("listener %s: %zu neighbors ask for TTL security and %zu do not: "
		    "incoming connections are checked only once accepted; give the "
		    "TTL-security neighbors a local_address of their own", a, with, without);
	else if (sockopt_min_ttl(listener_fd(l), sockaddr_family(listener_addr(l))) < 0)
		log_warnx("listener %s: cannot set TTL security: %s", a, strerror(errno));
}

/* Listen at a (address, port) once, whoever asks first. */
static void daemon_listen_at(struct daemon *d, const struct neighbor_config *nc,
    const struct sockaddr_mux *a)
{
	char why[160];

	if (instance_address(d, a)) {
		log_warnx("%s: its local address %s port %u is an instance's: "
		    "connections from it there go to the instance, not to it "
		    "(give it another local_address)", nc->name,
		    sockaddr_ntop(a, why, sizeof why), sockaddr_port(a));
		return;
	}
	struct listener *l = listener_find(d, a);
	if (l == NULL && d->nlisteners >= MAX_LISTENERS) {
		log_warnx("%s: not listening on %s port %u: muxd listens on at most %d "
		    "distinct local addresses and ports for peers and upstreams; its "
		    "connections there are refused (give it a local_address muxd listens "
		    "on already)", nc->name, sockaddr_ntop(a, why, sizeof why),
		    sockaddr_port(a), MAX_LISTENERS);
		return;
	}
	if (l == NULL) {
		l = listener_new(d->base, a, daemon_accept, d, why, sizeof why);
		if (l == NULL) {
			log_warnx("%s: %s", nc->name, why);
			return;
		}
		d->listeners[d->nlisteners++] = l;
		log_info("listening on %s port %u", sockaddr_ntop(a, why, sizeof why),
		    sockaddr_port(a));
		listener_gtsm(d, l);
	}
	if (l)
		listener_keys(d, l);
}

/* One listener per distinct local address of the configured peers and
 * upstreams, but where an instance listens; and one per family port
 * (multisession redirects). */
void daemon_listen(struct daemon *d)
{
	if (d->cfg->listen_port == 0)
		return;
	for (size_t i = 0; i < d->cfg->peer_count + d->cfg->upstream_count; i++) {
		struct sockaddr_mux a;
		const struct neighbor_config *nc = daemon_neighbor(d, i);
		if (nc->remote.len == 0)
			continue;       /* an instance host's upstream: no session */
		neighbor_listen_addr(d, nc, &a);
		daemon_listen_at(d, nc, &a);
		for (uint8_t k = 0; k < nc->family_count; k++) {
			if (nc->family_ports[k] == 0)
				continue;
			sockaddr_set_port(&a, nc->family_ports[k]);
			daemon_listen_at(d, nc, &a);
		}
	}
}

void daemon_unlisten(struct daemon *d)
{
	for (size_t i = 0; i < d->nlisteners; i++)
		listener_free(d->listeners[i]);
	d->nlisteners = 0;
}
