/*
 * monpeer.h — what a monitor (MRT, BMP) knows of one view's upstream
 * session, kept from the view's feed: who the two ends are, what they
 * negotiated, when it came up, the two OPENs, and why it went down.
 *
 * The feed hands the session to FEED_SESSION_UP/DOWN callbacks only for
 * their duration; monitors copy what they need here, so that a RIB dump or
 * a collector that connects later can still describe the peer.
 */
#ifndef BGPMUX_MONPEER_H
#define BGPMUX_MONPEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/lib/sockaddr.h"
#include "views/feed.h"

struct mon_peer {
	char *view;                     /* the view's name */
	struct feed *feed;
	bool up;
	uint32_t remote_as, remote_id;  /* ids in host order */
	uint32_t local_as, local_id;
	bool as4;
	bool ext_message;
	bool addpath[AID_RIB_MAX];      /* the upstream sends path ids, by aid */
	bool unicast[AID_RIB_MAX];      /* the family negotiated, by aid */
	struct sockaddr_mux local, remote;  /* len 0 when not known */
	struct timeval up_at;           /* wall clock, when Established */
	uint8_t *open_sent, *open_rcvd; /* whole messages; NULL if not known */
	size_t open_sent_len, open_rcvd_len;
};

/* Whether the upstream sends path ids with prefixes of afi (unicast). */
static inline bool mon_peer_addpath(const struct mon_peer *p, uint16_t afi)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);

	return bgp_aid_is_rib(aid) && p->addpath[aid];
}

/* Why a session went down, as BMP Peer Down says it (RFC 7854 §4.9). */
enum mon_down_reason {
	MON_DOWN_LOCAL_NOTIFICATION = 1,    /* we sent a NOTIFICATION */
	MON_DOWN_LOCAL_NO_NOTIFICATION = 2, /* we closed without one */
	MON_DOWN_REMOTE_NOTIFICATION = 3,   /* the neighbor sent one */
	MON_DOWN_REMOTE_NO_NOTIFICATION = 4,/* the connection just ended */
	MON_DOWN_DECONFIGURED = 5,          /* no longer monitored */
};

struct mon_down {
	enum mon_down_reason reason;
	const uint8_t *notification;    /* whole message, borrowed; or NULL */
	size_t len;
};

void mon_peer_init(struct mon_peer *p, const char *view, struct feed *feed);
void mon_peer_release(struct mon_peer *p);
/* From a FEED_SESSION_UP event. */
void mon_peer_up(struct mon_peer *p, const struct feed_event *ev);
/* From a FEED_SESSION_DOWN event: marks p down and fills *d (valid during
 * the callback). */
void mon_peer_down(struct mon_peer *p, const struct feed_event *ev,
    struct mon_down *d);

/* An address's bytes: 4 for IPv4, 16 for IPv6; 0 when unknown. */
size_t mon_addr_bytes(const struct sockaddr_mux *a, uint8_t out[16]);

#endif
