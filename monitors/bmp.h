/*
 * bmp.h — export every upstream's Adj-RIB-In (pre-policy) to BMP
 * collectors (RFC 7854), a feed subscriber of every view.
 *
 * muxd connects to each collector (active TCP) and, on every connection:
 * Initiation (sysName, sysDescr); per view whose upstream session is up, a
 * Peer Up (with both OPENs) and its table as Route Monitoring messages —
 * a cursor walk in chunks, paused while the collector has a few MB unread,
 * so it never holds up the loop — then End-of-RIB per family; then every
 * change live, Peer Down (with the NOTIFICATION) / Peer Up as sessions go
 * and come, a Statistics Report per view after its table and every 30 s
 * (routes in the Adj-RIB-In, in all and per family), and Termination when
 * muxd shuts down. A collector that goes away is reconnected with back-off
 * (1 s doubling to 60 s) and gets the full state again.
 *
 * Route Monitoring UPDATEs are built from the view's table: the attribute
 * sets in 4-octet AS form (the A flag clear), path ids when the upstream
 * sends them (as its OPEN says), routes of one attribute set packed
 * together. A collector more than 128 MB behind is dropped (counted,
 * logged) and resynced by a new connection: nothing ever waits for one.
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): bmp_exporter_free
 * frees it before it returns.
 */
#ifndef BGPMUX_BMP_H
#define BGPMUX_BMP_H

#include <stddef.h>

#include "muxd/lib/sockaddr.h"
#include "views/feed.h"

struct event_base;
struct bmp_exporter;

#define BMP_MAX_COLLECTORS 16

/* Collectors (at most BMP_MAX_COLLECTORS; more are ignored, logged);
 * sys_name: the gateway's name in Initiation. */
struct bmp_exporter *bmp_exporter_new(struct event_base *base,
    const struct sockaddr_mux *collectors, size_t n, const char *sys_name);
/* Termination to every connected collector, flushed (up to 2 s), then
 * freed. NULL is fine. */
void bmp_exporter_free(struct bmp_exporter *x);

void bmp_exporter_add_view(struct bmp_exporter *x, const char *view, struct feed *feed);
void bmp_exporter_remove_view(struct bmp_exporter *x, struct feed *feed);

#endif
