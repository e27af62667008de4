/*
 * fanout.h — encode once, write to many.
 *
 * Clients of an instance that negotiated the same encoding for an address
 * family — 4-octet AS or not, ADD-PATH or not, extended messages or not,
 * internal or external — form an encoding class. Routes are packed into
 * UPDATEs once per class, and the bytes go to every client of the class
 * without being copied: they sit in reference-counted chunks that each
 * client's output queue points to until the kernel has them.
 *
 * What a client receives for a route is what the upstream sent, byte for
 * byte, in the canonical form of the path store (attrset.h), except:
 *   - NEXT_HOP: for IPv4, the NEXT_HOP attribute carries the route's next
 *     hop, or with "next_hop": "self" the instance's IPv4 address (an
 *     instance with an IPv6 address only keeps the original). For IPv6 the
 *     next hop goes in MP_REACH_NLRI: the original (global, and link-local
 *     when the upstream sent one), or with "self" the instance's IPv6
 *     address. An instance with an IPv4 address only keeps the original
 *     IPv6 next hop: an IPv4-mapped one (::ffff:a.b.c.d) is what RFC 4798
 *     uses over MPLS, and BIRD 2, for one, refuses it on a plain IPv6
 *     session ("mismatched address family"). A NEXT_HOP attribute is not
 *     sent with IPv6 routes (RFC 4760 §3: SHOULD NOT).
 *   - to an external client, LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST are
 *     left out (RFC 4271 §5.1.5, RFC 4456), as the codec does;
 *   - to a 2-octet-AS client the AS_PATH is re-encoded with AS_TRANS and
 *     AS4_PATH (RFC 6793), cached per attribute set in the class.
 * For a 4-octet-AS client whose route needs none of these changes the
 * attribute bytes are the stored ones, not even copied.
 *
 * Not thread-safe: one event loop.
 */
#ifndef BGPMUX_FANOUT_H
#define BGPMUX_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/rib/attrset.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/engine/session.h"
#include "muxd/lib/wbuf.h"

/* The instance's next hop setting. */
struct fanout_nh {
	bool self;
	bool has_v4, has_v6;    /* the instance's address is IPv4 / IPv6 */
	uint8_t v4[4];
	uint8_t v6[16];
};

/* Fills nh from the instance address and setting. */
void fanout_nh_init(struct fanout_nh *nh, const struct sockaddr_mux *addr, bool self);

/* What a client negotiated for one address family. */
struct fanout_key {
	enum bgp_aid aid;       /* a RIB family */
	bool as4;
	bool addpath;           /* we send path ids */
	bool ebgp;
	uint32_t max_len;       /* 4096, or 65535 with extended messages */
};

/* The key for the RIB family aid from what a session negotiated. */
void fanout_key_from(struct fanout_key *k, enum bgp_aid aid,
    const struct session_negotiated *n);
bool fanout_key_equal(const struct fanout_key *a, const struct fanout_key *b);

struct fanout_class;

struct fanout_class *fanout_class_new(const struct fanout_key *k,
    const struct fanout_nh *nh);
/* Drops the cached encodings (and the references they hold). */
void fanout_class_free(struct fanout_class *c);
const struct fanout_key *fanout_class_key(const struct fanout_class *c);

struct fanout_class_stats {
	uint64_t updates;               /* UPDATEs encoded (once per class) */
	uint64_t bytes;
	uint64_t routes;                /* prefixes encoded */
	uint64_t attrs_stored;          /* attribute blocks sent as stored */
	uint64_t attrs_rewritten;       /* … with NEXT_HOP or eBGP edits */
	uint64_t attrs_encoded;         /* … re-encoded for 2-octet AS */
	uint64_t attrs_cached;          /* … found in the 2-octet cache */
	uint64_t skipped;               /* routes that could not be sent */
};
const struct fanout_class_stats *fanout_class_stats(const struct fanout_class *c);

/*
 * The attribute block (everything but MP_REACH/MP_UNREACH) and the
 * MP_REACH next hop (IPv6; none for IPv4) the class sends for set.
 * Pointers are valid until the next call for this class. False if the
 * route cannot go to this class (its next hop is not of the family's kind
 * and "self" does not replace it).
 */
bool fanout_attrs(struct fanout_class *c, struct attrset *set,
    const uint8_t **attrs, size_t *attrs_len, const uint8_t **nh, size_t *nh_len);

/* ---- output ----------------------------------------------------------- */

struct fanout_chunk;

/* Where encoded UPDATEs go: shared chunks, each handed to every session of
 * dst (session_send_ref), or — without sessions — to sink (a copy, for
 * tests and tools). */
struct fanout_out {
	struct session *const *dst;
	size_t ndst;
	void (*sink)(const uint8_t *msgs, size_t len, void *arg);
	void *sink_arg;
	struct fanout_chunk *chunk;
	struct wbuf w;
	unsigned msgs;                  /* UPDATEs in the chunk */
	uint64_t sent_bytes;            /* chunk bytes handed on (once) */
	uint64_t sent_updates;
	uint64_t refused;               /* sessions that refused a chunk */
};

void fanout_out_init(struct fanout_out *o, struct session *const *dst, size_t ndst);
void fanout_out_init_sink(struct fanout_out *o,
    void (*sink)(const uint8_t *msgs, size_t len, void *arg), void *arg);
/* Hand on whatever is buffered, and release the chunk. Call once done. */
void fanout_out_finish(struct fanout_out *o);

/* A route to send: the prefix (its path id goes with ADD-PATH) and the
 * set; set NULL withdraws it. */
struct fanout_route {
	struct bgp_prefix p;
	struct attrset *set;
};

/* Encode routes of c's family, in order, into o: each run of routes with
 * the same set (or of withdrawals) is packed into as few UPDATEs as fit.
 * Returns the number of routes that could not be encoded. */
size_t fanout_encode(struct fanout_class *c, struct fanout_out *o,
    const struct fanout_route *r, size_t n);
/* End-of-RIB for a family. */
void fanout_eor(struct fanout_out *o, uint16_t afi, uint8_t safi);

/* Chunks alive (handed to sessions and not yet written), and their bytes:
 * the memory the fan-out holds for slow clients. */
size_t fanout_chunks_alive(void);
size_t fanout_chunk_bytes_alive(void);

#endif
