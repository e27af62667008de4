/*
 * peer_collision.c — what a peer does when an OPEN arrives on one of its
 * sessions: the multisession answer or check (peer_ms.c), then the other
 * sessions that carry the same families: a connection collision (RFC 4271
 * §6.8) or a neighbor that restarted (RFC 4724 §4.2).
 */
#include "muxd/engine/peer_int.h"

#include "muxd/lib/log.h"

static bool groups_overlap(const struct session *s, const struct session *t)
{
	const struct session_params *sp = session_params(s);
	for (uint8_t i = 0; i < sp->family_count; i++)
		if (peer_session_carries(t, sp->families[i]))
			return true;
	return false;
}

/*
 * RFC 4724 §4.2: an OPEN with Graceful Restart while the session that
 * negotiated it is still Established means the neighbor restarted before
 * we noticed (a reboot sends no FIN): close the old connection without a
 * NOTIFICATION — its routes are kept as stale, as for any restart — and
 * go on with the new one.
 */
static bool restarted(struct peer *p, struct session *old, const struct bgp_open *o)
{
	if (!session_negotiated(old)->gr || !(o->caps.present & BGP_CAPF_GRACEFUL_RESTART))
		return false;
	log_peer_info(p->label, "graceful restart: a new OPEN while session %u is "
	    "Established: the neighbor restarted; closing the old connection",
	    session_id(old));
	session_drop(old, "the neighbor restarted (graceful restart)");
	return true;
}

/*
 * RFC 4271 §6.8: when an OPEN arrives and another connection to the same
 * neighbor is past Connect, keep the one initiated by the side with the
 * higher BGP Identifier. We know the neighbor's identifier from this OPEN.
 */
bool peer_open_received(struct session *s, const struct bgp_open *o, void *arg)
{
	struct peer *p = arg;
	bool keep_local = fsm_collision_keep_local(p->local.router_id, o->bgp_id);

	if (!(session_awaiting_open(s) ? peer_ms_answer(p, s, o) : peer_ms_check_answer(p, s, o)))
		return false;
	for (size_t i = 0; i < p->nsessions; i++) {
		struct session *t = p->sessions[i];
		if (t == s || session_is_closing(t) || !groups_overlap(s, t))
			continue;
		switch (session_state(t)) {
		case FSM_ESTABLISHED:
			if (restarted(p, t, o))
				break;
			session_close(s, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL);
			return false;
		case FSM_OPENSENT:
		case FSM_OPENCONFIRM: {
			struct session *loser =
			    session_initiated_locally(s) == keep_local ? t : s;
			log_peer_info(p->label, "connection collision: keeping the "
			    "connection %s initiated", keep_local ? "we" : "the neighbor");
			session_close(loser, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL);
			if (loser == s)
				return false;
			break;
		}
		default:        /* a connect still in progress: give it up */
			session_close(t, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL);
			break;
		}
	}
	return true;
}

