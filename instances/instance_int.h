/*
 * instance_int.h — an instance's state, shared by the files that make it
 * up; private to instances/.
 *
 *   instance.c          life: new, shutdown, the deferred free; the feed
 *                       and the gateway it listens to; what it shows
 *   instance_export.c   the export log and its flush to classes and walks
 *   instance_walks.c    clients joining, walks, refreshes; classes
 *   instance_clients.c  the clients it keeps: configuration, legs, gone
 *   instance_listen.c   listening, accepting, address ranges
 *
 * The flow. Each feed route event is appended to a log (export.h) — one
 * per family and kind: "paths" (every path with its id, for ADD-PATH
 * clients) and "prefixes" (the lowest-id path of a prefix after the
 * change, for the others; decided when the event comes, so the log can be
 * replayed in order). Client routes (c2c.h) are appended to both, with
 * their owner. A log is kept only while some Established client needs it.
 * The logs are flushed from a deferred event at the end of the loop pass
 * (a pass reads at most a few hundred upstream UPDATEs), or at once when
 * the view's changes make them grow past FLUSH_MAX. A flush encodes each log once
 * per encoding class for the STEADY clients of the class, and once per
 * walk for its JOINING members, the part the walk has passed.
 *
 * Joining. A client that reaches Established joins a walk that has not
 * started yet and has its encoding classes, or starts one; a new walk
 * waits WALK_GATHER_USEC for others, so clients connecting together (after
 * a restart of muxd, say) share one walk. Walks move from a timer, one
 * chunk per walk per loop pass, paced by their members' output queues.
 *
 * Why no gap and no duplicate. A walk's cursor only moves in walk_cb, and
 * walk_cb flushes the logs first, so every logged change is judged against
 * the cursor as it stood when the change happened: passed → the members
 * had the route's old state, send the change; not passed → the walk will
 * send the route's state when it gets there (or nothing, if it is gone).
 * Client routes are all sent with a walk's first chunk, so for them
 * "passed" is "the walk has started".
 */
#ifndef BGPMUX_INSTANCE_INT_H
#define BGPMUX_INSTANCE_INT_H

#include "instances/client_int.h"
#include "instances/export.h"
#include "instances/instance.h"
#include "muxd/lib/nameidx.h"

struct c2c;
struct event;
struct listener;
struct walk;

enum { LOG_PREFIXES = 0, LOG_PATHS = 1 };

struct inst_class {
	struct fanout_class *fc;
	unsigned refs;                  /* Established clients in it */
	struct inst_class *next;
};

struct instance {
	struct event_base *base;
	char *name;
	struct instance_config cfg;
	struct bgp_family fams[BGP_MAX_FAMILIES];
	uint8_t nfams;
	uint32_t router_id;
	char hostname[64];
	const struct gr_speaker *gr;    /* instance_params.gr */
	unsigned eor_wait;              /* instance_params.eor_wait */
	size_t queue_limit;
	unsigned stall_secs;
	size_t split_queue;
	struct fanout_nh nh;
	struct gateway *gw;             /* client routes go there */
	struct c2c *c2c;                /* client_to_client: the others' routes */

	struct feed *feed;
	struct feed_sub *sub;
	struct listener *listeners[1 + BGP_MAX_FAMILIES];   /* its address, then family ports */
	size_t nlisteners;

	struct client **clients;        /* retiring ones too, until gone */
	size_t nclients, cap;
	/* The configured clients by name (no leg, no range member); one that
	 * retires stays until gone or replaced: client_running checks. */
	struct nameidx by_name;
	struct inst_class *classes;
	struct walk **walks;
	size_t nwalks, walks_cap;

	struct xlog log[AID_RIB_MAX][2];        /* [aid][LOG_*] */
	unsigned want[AID_RIB_MAX][2];  /* Established clients per log */
	size_t logged;                  /* entries in the logs */

	struct event *flush_ev, *walk_ev, *tick_ev, *gone_ev;
	bool flush_queued;              /* flush_ev is active */
	struct client **dst;            /* scratch: a class's STEADY clients */
	size_t dst_cap;

	/* After a graceful restart of muxd, clients get End-of-RIB of a family
	 * only after the upstream's (instance_gr.c) */
	bool eor_held[AID_RIB_MAX];
	struct event *gr_ev;

	bool stopping;
	const struct instance_ops *ops;
	void *arg;
	struct instance_stats st;
};

/* instance.c: once stopping with no client left, gone and free, later. */
void inst_gone_if_empty(struct instance *inst);

/* instance_export.c */
void inst_export_init(struct instance *inst);
void inst_export_free(struct instance *inst);
/* A route event of the feed; a client route (owner's) of the gateway. */
void inst_log_route(struct instance *inst, const struct feed_event *ev);
void inst_log_c2c(struct instance *inst, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len, const char *owner);
void inst_flush(struct instance *inst);
/* Mark, then reset, the clients that cannot keep up. */
void inst_check_slow(struct instance *inst);

/* instance_walks.c: the client upcalls, and walks. */
void inst_walks_init(struct instance *inst);
void inst_walks_free(struct instance *inst);
void inst_client_established(struct client *c, void *arg);
void inst_client_down(struct client *c, void *arg);
void inst_client_refresh(struct client *c, uint16_t afi, void *arg);
/* c's session came from an upgrade in place (client_adopt.c). */
void inst_client_adopted(struct instance *inst, struct client *c,
    const struct client_handover *ch);

/* instance_clients.c */
/* A client of cc's (a range member: of range_of's range), started unless
 * it is a range's template. */
struct client *inst_client_add(struct instance *inst, const struct client_config *cc,
    struct client *range_of);

/* instance_gr.c: End-of-RIB to clients after muxd's graceful restart */
void inst_gr_init(struct instance *inst);
void inst_gr_free(struct instance *inst);
/* The upstream's End-of-RIB (a feed event): the clients' may go. */
void inst_gr_upstream_eor(struct instance *inst, uint16_t afi, uint8_t safi);

/* instance_listen.c */
bool inst_listen(struct instance *inst, char *why, size_t why_len);
void inst_unlisten(struct instance *inst);
/* The TCP-MD5 key (NULL: none) for cc's address or range on the listeners. */
void inst_listener_key(struct instance *inst, const struct client_config *cc,
    const char *key);
/* The client a connection from a is for: the one with that address, or
 * a member of a range that holds it (made if need be); NULL if none. */
struct client *inst_client_by_addr(struct instance *inst, const struct sockaddr_mux *a);
/* Range members whose connections all ended before Established go. */
void inst_reap_range_members(struct instance *inst);

#endif
