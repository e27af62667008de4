/*
 * peer_handover.c — a peer's sessions across an upgrade in place
 * (peer.h, muxd/engine/session_handover.h): frozen and thawed together in
 * the old process, adopted one by one in the new one.
 */
#include "muxd/engine/peer_int.h"

#include <stdio.h>

#include "muxd/engine/session_handover.h"
#include "muxd/lib/log.h"

void peer_freeze(struct peer *p, bool freeze)
{
	for (size_t i = 0; i < p->nsessions; i++) {
		if (freeze)
			session_freeze(p->sessions[i]);
		else
			session_thaw(p->sessions[i]);
	}
}

size_t peer_queued(const struct peer *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nsessions; i++)
		if (!session_is_closing(p->sessions[i]))
			n += session_queue_len(p->sessions[i]);
	return n;
}

void peer_hold_output(struct peer *p)
{
	for (size_t i = 0; i < p->nsessions; i++)
		session_hold_output(p->sessions[i]);
}

/* Whether p can take one more Established session: without multisession
 * only if it has none live (it has just been made). */
static bool peer_has_room(const struct peer *p, char *why, size_t why_len)
{
	if (p->stopping) {
		snprintf(why, why_len, "the peer is shutting down");
		return false;
	}
	if (p->nsessions == PEER_MAX_SESSIONS) {
		snprintf(why, why_len, "%d sessions already", PEER_MAX_SESSIONS);
		return false;
	}
	if (p->cfg.multisession == MS_OFF && peer_has_live_session(p)) {
		snprintf(why, why_len, "it has a session already");
		return false;
	}
	return true;
}

/* The session's families are its (multisession: the id the neighbor
 * knows it by), as if it had come up here. */
static void peer_claim_families(struct peer *p, struct session *s)
{
	const struct session_negotiated *n = session_negotiated(s);
	unsigned id = session_id(s);

	for (uint8_t i = 0; i < n->family_count; i++) {
		int k = neighbor_family_index(&p->cfg, n->families[i]);
		if (k >= 0)
			p->fam_id[k] = id;
	}
	if (id > p->next_id)
		p->next_id = id;
	p->neighbor_single = n->ms == MS_DIALECT_NONE;
	ms_policy_established(&p->ms);
}

struct session *peer_adopt(struct peer *p, const struct session_handover *h,
    char *why, size_t why_len)
{
	struct session_params sp;
	const struct session_ops *ops;

	if (!peer_has_room(p, why, why_len))
		return NULL;
	peer_session_setup(p, &sp, &ops);
	struct session *s = session_adopt_established(p->base, &sp, ops, p, h, why, why_len);
	if (s == NULL)
		return NULL;
	p->sessions[p->nsessions++] = s;
	peer_claim_families(p, s);
	/* the session history goes on: one row says where the session went
	 * (Established to Established), none says it went down */
	peer_notify_observer(p, s, FSM_ESTABLISHED, FSM_ESTABLISHED, "handed over (upgrade)");
	log_peer_info(p->label, "session %u survived the upgrade (handed over): "
	    "Established for %u s, %zu bytes unread and %zu unwritten carried over",
	    session_id(s), h->uptime, h->unread_len, h->unwritten_len);
	return s;
}
