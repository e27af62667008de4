/*
 * bmp_int.h — the inside of the BMP exporter (bmp.h), shared by its two
 * files: bmp.c (the views, their routes, the dump) and bmp_conn.c (one
 * collector's connection: connecting with back-off, the output and its
 * bound, Termination).
 */
#ifndef BGPMUX_BMP_INT_H
#define BGPMUX_BMP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitors/bmp.h"
#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bmp_codec.h"
#include "muxd/lib/sockaddr.h"

struct bufferevent;
struct event;
struct swconn;
struct swriter;
struct bmp_view;

#define OUT_PAUSE (4u << 20)            /* the dump waits above this */
#define OUT_LIMIT (128u << 20)          /* a collector this far behind is dropped */
#define BATCH_MAX 1024                  /* prefixes per batch */
#define MSG_MAX (BMP_COMMON_HEADER_LEN + BMP_PEER_HEADER_LEN + BGP_EXT_MAX_LEN)
#define PEND_BYTES (2 * MSG_MAX)        /* messages gathered before they are queued */

/* Routes waiting to be packed into UPDATEs. */
struct batch {
	bool active;
	uint16_t afi;
	bool withdraw;
	struct attrset *set;            /* a reference; NULL for withdrawals */
	uint32_t mask;                  /* the collectors it goes to */
	size_t n;
	struct bgp_prefix p[BATCH_MAX];
};

struct bmp_conn {
	struct bmp_exporter *x;
	unsigned idx;
	struct sockaddr_mux addr;
	char name[80];                  /* "collector 127.0.0.1 port 1790" */
	struct bufferevent *bev;        /* reads: a collector's close shows there */
	struct swconn *out;             /* while up: the writer thread's queue */
	struct event *push_ev;          /* pend to out, at the end of the pass */
	size_t pend_len;
	uint8_t pend[PEND_BYTES];       /* messages not queued to out yet */
	bool up;
	bool dump_done;                 /* every view SYNCED */
	unsigned backoff;
	struct event *retry_ev, *dump_ev;
	uint64_t connects, drops;
};

struct bmp_exporter {
	struct event_base *base;
	struct swriter *writer;         /* its thread writes every collector */
	struct bmp_conn conns[BMP_MAX_COLLECTORS];
	size_t nconns;
	struct bmp_view *views;
	char sys_name[128];
	struct event *stats_ev, *flush_ev;
	struct batch dump;              /* the dump step's own batch */
	uint8_t upd[BGP_EXT_MAX_LEN];
	uint8_t msg[MSG_MAX];
};

/* ---- bmp_conn.c ---------------------------------------------------------- */

/* The writer thread: NULL if out of memory. */
struct swriter *bmp_writer_new(struct event_base *base);
/* Collector c (x->conns[idx]) set up and connecting; dump_ev is made by
 * the caller. */
void bmp_conn_start(struct bmp_conn *c, struct bmp_exporter *x, unsigned idx,
    const struct sockaddr_mux *addr);
/* Queue a message (nothing while down; a collector too far behind is
 * dropped). */
void bmp_conn_send(struct bmp_conn *c, const uint8_t *p, size_t len);
/* Above OUT_PAUSE: the dump waits; the dump is scheduled again once the
 * output has drained to half that. */
bool bmp_conn_paused(struct bmp_conn *c);
/* At exit, the loop stopped: Termination to every connected collector,
 * all written within one deadline of 2 s (not 2 s each). */
void bmp_conns_terminate(struct bmp_exporter *x);
/* Closed, its events freed. */
void bmp_conn_free(struct bmp_conn *c);

/* ---- bmp.c, for bmp_conn.c ------------------------------------------------ */

/* Collector c has connected (its output is ready): Initiation, then
 * every view. */
void bmp_collector_up(struct bmp_conn *c);
/* Run c's dump task (again) from the loop. */
void bmp_schedule_dump(struct bmp_conn *c);

#endif
