/*
 * export_send.h — what a view host sends on one export session: every
 * view's table as VPN routes under the view's distinguisher (gateway AS :
 * upstream id), every path with its path id, then End-of-RIB per VPN
 * family once every view is sent, and from then on every change of every
 * view (docs/scaleout.md).
 *
 * The dump goes in steps (muxd/rib/rib_vpn.h's walk), paced by the
 * session's output queue; a change a walk has passed goes out with the
 * others of its loop pass (rib_vpn_batch: few full UPDATEs, in order,
 * sent at the end of the pass or before the walk's next step), one it has
 * not is left to the walk (adjrib_cursor_passed), so nothing is lost or
 * sent twice out of order. A session whose queue refuses a message, or
 * that has read nothing for 10 s while bytes wait (muxd/engine/stall.h),
 * is too slow: the owner is told (from the loop, with why) to close it,
 * as a slow client is closed; its next session gets the dump again.
 */
#ifndef BGPMUX_EXPORT_SEND_H
#define BGPMUX_EXPORT_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct feed;
struct session;
struct export_send;

struct export_send_stats {
	uint64_t routes;        /* VPN routes announced or withdrawn */
	uint64_t views;         /* views whose whole table was sent */
	uint64_t eor;           /* End-of-RIB markers sent */
	uint64_t overruns;      /* families sent again for too much queued */
};

/* Called from the loop once the session refused a message; the owner
 * closes the session (and frees the sender with it). */
typedef void (*export_send_fail)(const char *why, void *arg);

/* s is Established; label names it in the log. Nothing is sent until
 * export_send_start. */
struct export_send *export_send_new(struct event_base *base, struct session *s,
    const char *label, export_send_fail fail, void *arg);
void export_send_free(struct export_send *x);

/* A view to export: its feed and its distinguisher's parts. Added after
 * start, it is dumped by itself (End-of-RIB went already). */
void export_send_add_view(struct export_send *x, const char *name, struct feed *f,
    uint32_t asn, uint16_t id);
/* The view is going (its feed with it): no more of it is sent. */
void export_send_remove_view(struct export_send *x, const struct feed *f);

/* The view's distinguisher changes (its upstream's id, at a reload):
 * every path the instance host holds under the old one is withdrawn, and
 * the view is sent again, paced, under the new one. */
void export_send_view_id(struct export_send *x, const struct feed *f, uint32_t asn,
    uint16_t id);

/* The dump of every view, then End-of-RIB per VPN family negotiated. */
void export_send_start(struct export_send *x);
/* May End-of-RIB of afi's VPN family go? Asked once the family's views
 * are sent, then every EXPORT_SEND_GATE_MS until it says yes (changes go
 * on meanwhile): a view host just started waits for its views'
 * upstreams (export_gate.h). Without a gate it goes at once. */
typedef bool (*export_send_ready)(uint16_t afi, void *arg);
#define EXPORT_SEND_GATE_MS 250
void export_send_gate(struct export_send *x, export_send_ready ready, void *arg);
/* ROUTE-REFRESH for afi/safi (a VPN family): the dump of that family
 * again, between BoRR and EoRR when enhanced (RFC 7313). */
void export_send_refresh(struct export_send *x, uint16_t afi, uint8_t safi);

/* The queue past which live changes give way to sending the family
 * again (default 16 MiB; tests set less). */
void export_send_set_live_high(struct export_send *x, size_t bytes);

const struct export_send_stats *export_send_stats(const struct export_send *x);

#endif
