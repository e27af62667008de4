/*
 * speaker.h — one BGP session over a non-blocking socket, for the test
 * tools: OPEN with the capabilities the tool gives, the neighbor's OPEN
 * checked and negotiated, KEEPALIVEs and the hold timer, NOTIFICATION
 * both ways, and every message handed to the tool's callbacks. Never a
 * full FSM: the tool has the TCP connection already (net.h) and drives
 * the session with poll(), one session (speaker_pump) or many
 * (speaker_poll_events + speaker_handle).
 *
 * Writes are queued and flushed as the socket takes them; a tool that
 * sends the same recorded bytes to many sessions hands them over once
 * (speaker_send_bulk) and they go out from its memory, uncopied.
 *
 * A session ends once (speaker_ended): how and why stay in the struct,
 * for the tool to judge and report; speaker_close says goodbye.
 */
#ifndef BGPMUX_TOOLS_SPEAKER_H
#define BGPMUX_TOOLS_SPEAKER_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/lib/wbuf.h"

enum speaker_state { SPEAKER_OPENSENT, SPEAKER_OPENCONFIRM, SPEAKER_ESTABLISHED };

enum speaker_end {
	SPEAKER_RUNNING,
	SPEAKER_NOTIFIED,       /* we sent a NOTIFICATION (a protocol error) */
	SPEAKER_NOTIFIED_BY,    /* the neighbor sent one: peer_code */
	SPEAKER_CLOSED,         /* the connection closed or failed */
	SPEAKER_STOPPED,        /* the tool stopped it (speaker_stop) */
};

/* Address family bits of a session (1 << AFI). */
#define SPEAKER_FAM_IPV4 (1u << BGP_AFI_IPV4)
#define SPEAKER_FAM_IPV6 (1u << BGP_AFI_IPV6)

struct speaker;

/* Each may be NULL. */
struct speaker_ops {
	/* The neighbor's OPEN, checked (bgp_open_check) and negotiated:
	 * false with err set refuses it (the NOTIFICATION goes out). */
	bool (*open)(struct speaker *sp, const struct bgp_open *op, struct bgp_err *err);
	void (*established)(struct speaker *sp);
	/* A whole UPDATE, header included; decode it with sp->ctx. */
	void (*update)(struct speaker *sp, const uint8_t *msg, size_t len);
	void (*refresh)(struct speaker *sp, const struct bgp_route_refresh *rr);
};

struct speaker_config {
	struct bgp_open open;   /* ours (speaker_open_init, then capabilities) */
	uint32_t asn;           /* ours, 4-octet */
	uint32_t peer_as;       /* 0: any */
	size_t in_cap;          /* read buffer; at least BGP_EXT_MAX_LEN */
	size_t out_cap;         /* write queue */
	size_t write_chunk;     /* most bytes one flush writes; 0: no limit */
	double close_wait;      /* seconds the last words may take */
};

struct speaker {
	int fd;
	enum speaker_state state;
	char name[INET6_ADDRSTRLEN + 8];        /* the neighbor, for messages */
	const struct speaker_config *cfg;
	const struct speaker_ops *ops;
	void *arg;                              /* the tool's */
	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_off, out_len;
	const uint8_t *bulk;                    /* speaker_send_bulk's bytes */
	size_t bulk_off, bulk_len;
	size_t rx_last;                         /* bytes the last read took */
	double last_rx, last_tx;                /* monotonic */
	/* What the OPEN exchange settled. */
	struct bgp_codec_ctx ctx;               /* for decoding what we receive */
	unsigned hold;
	unsigned families;                      /* SPEAKER_FAM_* both offered */
	bool enhanced_rr;                       /* RFC 7313, both ways */
	uint32_t peer_as, peer_id;
	/* How it ended. */
	enum speaker_end end;
	uint8_t peer_code;                      /* with SPEAKER_NOTIFIED_BY */
	char why[320];
};

/* version 4, AS (AS_TRANS above 65535), hold time, BGP Identifier, and
 * multiprotocol IPv4 and IPv6 unicast; the tool adds the rest. */
void speaker_open_init(struct bgp_open *op, uint32_t asn, uint32_t id, unsigned hold);

/* Takes fd (a connected socket) and queues our OPEN. False when out of
 * memory or the OPEN does not encode (logged); speaker_free still due. */
bool speaker_init(struct speaker *sp, int fd, const struct speaker_config *cfg,
    const struct speaker_ops *ops, void *arg);
/* Closes the socket as it is and frees the buffers. */
void speaker_free(struct speaker *sp);

/* One poll() of up to timeout_ms, then speaker_handle. False once ended. */
bool speaker_pump(struct speaker *sp, int timeout_ms);
/* What to poll the socket for. */
short speaker_poll_events(const struct speaker *sp);
/* What poll() said: write, read and handle, then the timers. False once
 * ended. */
bool speaker_handle(struct speaker *sp, short revents);
/* The next KEEPALIVE or hold time expiry (monotonic; 0: none). */
double speaker_next_timer(const struct speaker *sp);

static inline bool speaker_ended(const struct speaker *sp)
{
	return sp->end != SPEAKER_RUNNING;
}

/* Bytes queued and not yet written, bulk included. */
size_t speaker_pending(const struct speaker *sp);
/* A writer on the free end of the queue; speaker_commit queues what was
 * written (a writer that overflowed ends the session: the neighbor does
 * not read). */
struct wbuf speaker_wbuf(struct speaker *sp);
bool speaker_commit(struct speaker *sp, const struct wbuf *w);
/* Writes what is queued until the socket is full. False once ended. */
bool speaker_flush(struct speaker *sp);

/* bytes go out after what is queued now, from the caller's memory (kept
 * until sent); messages queued later wait until they are all out. */
void speaker_send_bulk(struct speaker *sp, const uint8_t *bytes, size_t len);
static inline size_t speaker_bulk_sent(const struct speaker *sp) { return sp->bulk_off; }
static inline bool speaker_bulk_done(const struct speaker *sp)
{
	return sp->bulk && sp->bulk_off == sp->bulk_len;
}

/* Ends the session with a NOTIFICATION (e's code, subcode and data). */
void speaker_notify(struct speaker *sp, const struct bgp_err *e);
void speaker_fail(struct speaker *sp, uint8_t code, uint8_t subcode, const char *why);
/* Ends the session for a reason of the tool's (speaker_close sends Cease). */
void speaker_stop(struct speaker *sp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The last words: Cease/Administrative Shutdown with text (unless a
 * NOTIFICATION went or came already), sent within close_wait seconds;
 * then up to the same deadline for the neighbor to close first, as
 * closing with its bytes unread would reset the connection and could
 * lose the NOTIFICATION. Closes the socket. */
void speaker_close(struct speaker *sp, const char *text);

#endif
