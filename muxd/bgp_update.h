/*
 * bgp_update.h — UPDATE messages: NLRI (with ADD-PATH, RFC 7911), path
 * attributes, MP_REACH/MP_UNREACH (RFC 4760), AS4 handling (RFC 6793) and
 * the RFC 7606 error tiers.
 *
 * Decoding is zero-copy: the decoded update points into the message; only
 * an AS_PATH that must be rewritten to 4-octet form (a 2-octet session, or
 * AS4_PATH merging) is written to caller-provided scratch memory.
 */
#ifndef BGPMUX_BGP_UPDATE_H
#define BGPMUX_BGP_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp.h"
#include "muxd/rbuf.h"
#include "muxd/wbuf.h"

/* ---- prefixes ------------------------------------------------------- */

struct bgp_prefix {
	uint16_t afi;           /* BGP_AFI_IPV4 or BGP_AFI_IPV6 */
	uint8_t len;            /* prefix length in bits */
	uint8_t pad_;
	uint32_t path_id;       /* ADD-PATH identifier, 0 without */
	uint8_t addr[16];       /* network order; bits past len are zero */
};

/* Read one prefix of the given AFI (1 or 2) from r. False on a length
 * beyond the AFI's width or a truncated prefix. Host bits are cleared. */
bool bgp_nlri_next(struct rbuf *r, uint16_t afi, bool addpath,
    struct bgp_prefix *p);

/* Check a whole NLRI block; the number of prefixes, or -1 if malformed. */
long bgp_nlri_count(const uint8_t *p, size_t len, uint16_t afi, bool addpath);

void bgp_nlri_put(struct wbuf *w, const struct bgp_prefix *p, bool addpath);
/* Bytes bgp_nlri_put writes for p. */
size_t bgp_nlri_size(const struct bgp_prefix *p, bool addpath);

/* "192.0.2.0/24", "2001:db8::/32" ⇄ prefix. parse returns false on
 * anything else; format writes at most len bytes, NUL-terminated. */
bool bgp_prefix_parse(const char *s, struct bgp_prefix *p);
void bgp_prefix_format(const struct bgp_prefix *p, char *buf, size_t len);
int bgp_prefix_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b);

/* ---- path attributes -------------------------------------------------- */

#define BGP_MAX_UNKNOWN_ATTRS 32

struct bgp_bytes {
	const uint8_t *p;
	uint16_t len;
};

struct bgp_raw_attr {
	uint8_t flags;
	uint8_t type;
	struct bgp_bytes val;
};

struct bgp_mp_reach {
	uint16_t afi;
	uint8_t safi;
	struct bgp_bytes next_hop;      /* 4, 16 or 32 (global + link-local) */
	struct bgp_bytes nlri;
};

struct bgp_mp_unreach {
	uint16_t afi;
	uint8_t safi;
	struct bgp_bytes nlri;
};

/* Attribute types present: bit (1 << type) for type < 64. */
#define BGP_ATTR_BIT(t) ((uint64_t)1 << (t))

struct bgp_attrs {
	uint64_t present;
	uint8_t origin;
	uint8_t next_hop[4];
	uint32_t med;
	uint32_t local_pref;
	uint32_t aggregator_as;         /* merged with AS4_AGGREGATOR */
	uint8_t aggregator_addr[4];
	/* AS_PATH as segments of 4-octet ASNs (the AS4_PATH wire form),
	 * whatever the session spoke; AS4_PATH already merged (RFC 6793 §4.2.3). */
	struct bgp_bytes as_path;
	struct bgp_bytes communities;       /* 4 bytes each */
	struct bgp_bytes ext_communities;   /* 8 bytes each */
	struct bgp_bytes large_communities; /* 12 bytes each */
	uint32_t originator_id;
	struct bgp_bytes cluster_list;      /* 4 bytes each */
	struct bgp_mp_reach mp_reach;       /* with BGP_ATTR_BIT(14) */
	struct bgp_mp_unreach mp_unreach;   /* with BGP_ATTR_BIT(15) */
	/* Optional attributes we do not interpret, kept to pass on. Optional
	 * non-transitive ones are listed too; encoders drop them. */
	struct bgp_raw_attr unknown[BGP_MAX_UNKNOWN_ATTRS];
	uint8_t unknown_count;
};

/* What the session negotiated that decoding depends on. */
struct bgp_codec_ctx {
	bool as4;                       /* 4-octet AS both ways */
	bool ebgp;
	/* ADD-PATH in the direction of the message, per AFI (index 1 = IPv4,
	 * 2 = IPv6) for SAFI unicast. */
	bool addpath[3];
	size_t max_len;                 /* 4096 or 65535 */
};

/* ---- UPDATE ----------------------------------------------------------- */

struct bgp_update {
	struct bgp_bytes withdrawn;     /* IPv4 unicast withdrawn routes */
	struct bgp_bytes attr_raw;      /* the path attributes as received */
	struct bgp_bytes nlri;          /* IPv4 unicast NLRI */
	struct bgp_attrs attrs;
	/* RFC 7606 treat-as-withdraw: every prefix in nlri and mp_reach is
	 * to be handled as withdrawn. */
	bool treat_as_withdraw;
	/* End-of-RIB marker (RFC 4724): empty UPDATE (IPv4 unicast) or an
	 * MP_UNREACH with no NLRI and nothing else. */
	bool end_of_rib;
	uint16_t eor_afi;
	uint8_t eor_safi;
};

/*
 * Decode an UPDATE body (after the header). scratch/scratch_cap is memory
 * for a rewritten AS_PATH (4 * 4096 bytes always suffice for a 4096-byte
 * message; 16 * 65535 for an extended one).
 *
 * Returns false only for errors that need a session reset (err->tier ==
 * BGP_TIER_RESET with the exact code/subcode/data). Otherwise true, with
 * err->tier telling whether attributes were discarded or the update is to
 * be treated as withdraw (u->treat_as_withdraw set too).
 */
bool bgp_update_decode(const uint8_t *body, size_t len,
    const struct bgp_codec_ctx *ctx, uint8_t *scratch, size_t scratch_cap,
    struct bgp_update *u, struct bgp_err *err);

/*
 * Encode path attributes for a neighbor (everything but MP_REACH and
 * MP_UNREACH): AS_PATH in 4-octet form, or for a 2-octet neighbor as
 * AS_PATH with AS_TRANS plus AS4_PATH (and AGGREGATOR/AS4_AGGREGATOR);
 * unknown optional transitive attributes with the Partial bit set;
 * unknown optional non-transitive attributes dropped. Attributes in
 * ascending type order.
 */
void bgp_attrs_encode(struct wbuf *w, const struct bgp_attrs *a,
    const struct bgp_codec_ctx *ctx);

/* MP_REACH_NLRI / MP_UNREACH_NLRI attribute around NLRI bytes already
 * encoded for the neighbor. */
void bgp_attr_put_mp_reach(struct wbuf *w, uint16_t afi, uint8_t safi,
    const uint8_t *nh, size_t nh_len, const uint8_t *nlri, size_t nlri_len);
void bgp_attr_put_mp_unreach(struct wbuf *w, uint16_t afi, uint8_t safi,
    const uint8_t *nlri, size_t nlri_len);

/* A whole UPDATE from encoded pieces (any may be empty). Returns bytes
 * written, 0 if w overflowed or the result would exceed max_len. */
size_t bgp_update_encode(struct wbuf *w, size_t max_len,
    const uint8_t *withdrawn, size_t withdrawn_len,
    const uint8_t *attrs, size_t attrs_len,
    const uint8_t *nlri, size_t nlri_len);

/* End-of-RIB for a family. */
size_t bgp_eor_encode(struct wbuf *w, uint16_t afi, uint8_t safi);

/* AS_PATH helpers over the 4-octet segment form. */
/* Number of ASNs as the path length of RFC 4271 §9.1.2.2 counts them
 * (a set counts 1, confederation segments 0); -1 if malformed. */
int bgp_aspath_length(struct bgp_bytes path);
/* Renders "64496 64500 {64501,64502}"; truncated to len. */
void bgp_aspath_format(struct bgp_bytes path, char *buf, size_t len);
/* First ASN of the leftmost AS_SEQUENCE (the neighbor), 0 if none. */
uint32_t bgp_aspath_first(struct bgp_bytes path);

const char *bgp_attr_name(unsigned type);       /* "AS_PATH", … */

#endif
