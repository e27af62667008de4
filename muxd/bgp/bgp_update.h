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

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_family.h"
#include "muxd/lib/rbuf.h"
#include "muxd/lib/wbuf.h"

/* ---- prefixes ------------------------------------------------------- */

struct bgp_prefix {
	uint16_t afi;           /* BGP_AFI_IPV4 or BGP_AFI_IPV6 */
	uint8_t len;            /* prefix length in bits */
	uint8_t pad_;
	uint32_t path_id;       /* ADD-PATH identifier, 0 without */
	uint8_t addr[16];       /* network order; bits past len are zero */
};

/* Read one prefix of the given AFI (1 or 2) from r. False on a length
 * beyond the AFI's width or a truncated prefix, and r is left where it
 * was. Host bits are cleared (RFC 4271 §4.3: trailing bits are
 * irrelevant). */
bool bgp_nlri_next(struct rbuf *r, uint16_t afi, bool addpath,
    struct bgp_prefix *p);

/* Check a whole NLRI block; the number of prefixes, or -1 if malformed. */
long bgp_nlri_count(const uint8_t *p, size_t len, uint16_t afi, bool addpath);

/* A prefix longer than 128 bits is refused by setting w->overflow. */
void bgp_nlri_put(struct wbuf *w, const struct bgp_prefix *p, bool addpath);
/* Bytes bgp_nlri_put writes for p. */
size_t bgp_nlri_size(const struct bgp_prefix *p, bool addpath);

/* "192.0.2.0/24", "2001:db8::/32" ⇄ prefix. parse returns false on
 * anything else, host bits set included ("192.0.2.1/24" is a typo more
 * often than not); path_id is 0. format writes at most len bytes,
 * NUL-terminated (BGP_PREFIX_STRLEN always suffices; the path id is not
 * shown). cmp orders by AFI, address, length, then path id. */
#define BGP_PREFIX_STRLEN 48
bool bgp_prefix_parse(const char *s, struct bgp_prefix *p);
void bgp_prefix_format(const struct bgp_prefix *p, char *buf, size_t len);
int bgp_prefix_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b);
/* Where p is among n prefixes in bgp_prefix_cmp's order (at(i, arg) is
 * the i-th), or where it would go: *found says which. */
typedef const struct bgp_prefix *bgp_prefix_at(size_t i, const void *arg);
size_t bgp_prefix_search(size_t n, bgp_prefix_at *at, const void *arg,
    const struct bgp_prefix *p, bool *found);

/* ---- path attributes -------------------------------------------------- */

#define BGP_MAX_UNKNOWN_ATTRS 32

struct bgp_bytes {
	const uint8_t *p;
	uint16_t len;
};

/* RFC 9494's LLGR_STALE (65535:6): a route kept after its session was
 * lost. Whether a COMMUNITIES attribute's bytes hold value. */
#define BGP_COMM_LLGR_STALE 0xFFFF0006u
bool bgp_communities_has(struct bgp_bytes comm, uint32_t value);

struct bgp_raw_attr {
	/* As received without the Extended Length bit (framing, chosen again
	 * on encode); an optional transitive one gets the Partial bit here
	 * already, since we are a speaker that did not recognise it
	 * (RFC 4271 §5) — so the struct says what we pass on. */
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
	/* Optional attributes we do not interpret, kept to pass on, in
	 * ascending type order. Optional non-transitive ones are listed too;
	 * encoders drop them. AS4_PATH and AS4_AGGREGATOR never appear here
	 * nor in present: they are merged on a 2-octet session and discarded
	 * on a 4-octet one (RFC 6793). */
	struct bgp_raw_attr unknown[BGP_MAX_UNKNOWN_ATTRS];
	uint8_t unknown_count;
};

/* What the session negotiated that decoding depends on. */
struct bgp_codec_ctx {
	bool as4;                       /* 4-octet AS both ways */
	bool ebgp;
	/* ADD-PATH in the direction of the message, per family (aid): the
	 * RIB families', and the VPN families' an export session speaks. */
	bool addpath[AID_MAX];
	size_t max_len;                 /* 4096 or 65535 */
};

/* ADD-PATH for the unicast family of afi; false for an AFI the RIB does
 * not carry. */
static inline bool bgp_ctx_addpath(const struct bgp_codec_ctx *c, uint16_t afi)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);

	return bgp_aid_is_rib(aid) && c->addpath[aid];
}

/* ADD-PATH for the VPN family (SAFI 128) of afi. */
static inline bool bgp_ctx_addpath_vpn(const struct bgp_codec_ctx *c,
    uint16_t afi)
{
	return afi == BGP_AFI_IPV4 ? c->addpath[AID_IPV4_VPN] :
	    afi == BGP_AFI_IPV6 ? c->addpath[AID_IPV6_VPN] : false;
}

/* Scratch a decoder may need for a path attribute section of len bytes:
 * a 2-octet AS_PATH widened (twice its size) plus AS4_PATH merged in. */
#define BGP_ATTR_SCRATCH(len) (2 * (size_t)(len) + 16)

/*
 * Decode a path attribute section alone (an UPDATE's, or an MRT RIB
 * entry's). Same contract as bgp_update_decode: false only for a session
 * reset; otherwise err->tier says ATTR_DISCARD or WITHDRAW. err is reset
 * first. scratch holds a rewritten AS_PATH on a 2-octet session (or when
 * AS4_PATH was merged); BGP_ATTR_SCRATCH(len) bytes always suffice.
 * Reachability checks (missing well-known attributes, RFC 7606 §5.2) are
 * bgp_update_decode's: they need the NLRI.
 */
bool bgp_attrs_decode(const uint8_t *p, size_t len,
    const struct bgp_codec_ctx *ctx, uint8_t *scratch, size_t scratch_cap,
    struct bgp_attrs *a, struct bgp_err *err);

/* Same attribute set, compared by value (the order of unknown attributes
 * is canonical after decoding: ascending type). */
bool bgp_attrs_equal(const struct bgp_attrs *a, const struct bgp_attrs *b);

/* ---- UPDATE ----------------------------------------------------------- */

struct bgp_update {
	/* The whole message as received, header included, when the
	 * decoder's caller had it (a session sets it; bgp_update_decode
	 * leaves it empty): monitors record or forward the message itself
	 * (MRT, the live stream's includeRaw). */
	struct bgp_bytes msg;
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
 * for a rewritten AS_PATH (BGP_ATTR_SCRATCH(len) suffices, so 4 * 4096
 * bytes always do for a 4096-byte message; 16 * 65535 for an extended one).
 * The withdrawn routes, the NLRI and the IPv4/IPv6 unicast NLRI in
 * MP_REACH/MP_UNREACH are checked whole: walking them afterwards with
 * bgp_nlri_next cannot fail. So are VPN-IPv4/VPN-IPv6 NLRI (SAFI 128,
 * with ADD-PATH as ctx->addpath[AID_IPV4_VPN/AID_IPV6_VPN] says) and
 * their next hop lengths, for bgp_vpn_next (bgp_vpn.h); other families'
 * NLRI is carried unread.
 *
 * Returns false only for errors that need a session reset (err->tier ==
 * BGP_TIER_RESET with the exact code/subcode/data). Otherwise true, with
 * err->tier telling whether attributes were discarded or the update is to
 * be treated as withdraw (u->treat_as_withdraw set too). err is reset
 * first. For the non-reset tiers err still names the RFC 4271
 * code/subcode the error would have had, for the log line.
 * Which rule each error follows: the table in bgp_attr.c.
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
 * ascending type order. To an external neighbor (ctx->ebgp) LOCAL_PREF,
 * ORIGINATOR_ID and CLUSTER_LIST are left out (RFC 4271 §5.1.5, RFC 4456:
 * they never leave the AS). Anything else is policy, the caller's.
 * decode(encode(a)) == a, but for what is left out.
 */
void bgp_attrs_encode(struct wbuf *w, const struct bgp_attrs *a,
    const struct bgp_codec_ctx *ctx);

/* An attribute header: flags (Extended Length is set here when len needs
 * two octets, cleared otherwise), type, length. The value follows. */
void bgp_attr_put_header(struct wbuf *w, uint8_t flags, uint8_t type,
    size_t len);

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

/*
 * Packing builder for fan-out: one UPDATE at a time for one encoded
 * attribute block, filled with prefixes until the next would not fit.
 *
 *   bgp_packer_begin(&pk, &w, &spec);
 *   for each prefix:
 *       if (!bgp_packer_add(&pk, &p)) {
 *           bgp_packer_finish(&pk);        // UPDATE complete in w
 *           ...hand it on, reset w...
 *           bgp_packer_begin(&pk, &w, &spec);
 *           bgp_packer_add(&pk, &p);
 *       }
 *   bgp_packer_finish(&pk);
 *
 * IPv4 unicast goes in the NLRI field (withdrawals in Withdrawn Routes);
 * every other family in MP_REACH_NLRI (MP_UNREACH_NLRI), written as the
 * first attribute (RFC 7606 §5.1), with the attribute block after it.
 * bgp_packer_add takes the families whose NLRI is a plain prefix
 * (unicast, multicast); every prefix added must be of spec->afi. Other
 * NLRI (VPN: bgp_vpn_packer_add) is added encoded, bgp_packer_add_raw. Nothing is allocated; the UPDATE is
 * written in place in w.
 */
struct bgp_pack_spec {
	uint16_t afi;
	uint8_t safi;
	bool addpath;                   /* path ids on the NLRI */
	bool withdraw;                  /* withdrawals instead of announcements */
	/* Announcements: the attribute block (bgp_attrs_encode) and, for
	 * every family but IPv4 unicast, the MP_REACH next hop. */
	const uint8_t *attrs;
	size_t attrs_len;
	const uint8_t *next_hop;
	size_t next_hop_len;
	size_t max_len;                 /* 4096, or 65535 with RFC 8654 */
};

struct bgp_packer {
	struct wbuf *w;
	const struct bgp_pack_spec *spec;
	size_t start;                   /* this UPDATE's offset in w */
	size_t len_at;                  /* the length field that grows */
	size_t fixed;                   /* bytes the UPDATE needs beyond w->len */
	size_t max_len;                 /* spec->max_len, at most 65535 */
	unsigned count;                 /* prefixes in this UPDATE */
	bool mp;                        /* NLRI inside MP_REACH/MP_UNREACH */
};

/* Start an UPDATE at the end of w. False if not even one prefix of the
 * largest size could fit within spec->max_len, or w has no room. spec
 * must stay valid until bgp_packer_finish. */
bool bgp_packer_begin(struct bgp_packer *pk, struct wbuf *w,
    const struct bgp_pack_spec *spec);
/* Append p. False if it does not fit (nothing written): finish this
 * UPDATE and begin the next. */
bool bgp_packer_add(struct bgp_packer *pk, const struct bgp_prefix *p);
/* Append n bytes of one NLRI entry already encoded for spec's family.
 * False if it does not fit (nothing written). */
bool bgp_packer_add_raw(struct bgp_packer *pk, const uint8_t *nlri, size_t n);
/* Complete the UPDATE. Returns its length; 0 if it holds no prefix (it
 * is taken out of w again), or if w overflowed (a prefix longer than its
 * address was added). */
size_t bgp_packer_finish(struct bgp_packer *pk);

/* AS_PATH helpers over the 4-octet segment form. */
/* Number of ASNs as the path length of RFC 4271 §9.1.2.2 counts them
 * (a set counts 1, confederation segments 0, RFC 5065); -1 if malformed. */
int bgp_aspath_length(struct bgp_bytes path);
/* Renders "64496 64500 {64501,64502}", confederation segments as
 * "(64512 64513)" and "[64512,64513]"; truncated to len, NUL-terminated. */
void bgp_aspath_format(struct bgp_bytes path, char *buf, size_t len);
/* Whether asn is anywhere in the path, in any kind of segment (for an
 * AS, a path holding it is a loop: RFC 4271 §9.1.2). */
bool bgp_aspath_contains(struct bgp_bytes path, uint32_t asn);

/* Check an AS_PATH or AS4_PATH value of asn_size-octet ASNs (2 or 4):
 * known segment types, no empty segment, no overrun and no lone trailing
 * octet (RFC 7606 §7.2), no AS 0 (RFC 7607). types gets one bit
 * (1 << type) per segment type seen; why the reason when false. */
bool bgp_aspath_check(struct bgp_bytes v, unsigned asn_size, unsigned *types,
    const char **why);
/* The AS_PATH of a 2-octet session in 4-octet form (RFC 6793 §4.2.3):
 * as2 widened, and as4 (an AS4_PATH value, already checked; len 0 for
 * none) merged in when it is not longer than as2. Confederation segments
 * of as4 are dropped (RFC 6793 §6). Writes to out (2 * as2.len + as4.len
 * bytes suffice); false if cap is short. Both inputs must be well-formed
 * (bgp_attrs_decode checks them). */
bool bgp_aspath_from_as2(struct bgp_bytes as2, struct bgp_bytes as4,
    uint8_t *out, size_t cap, struct bgp_bytes *path);
/* The AS_PATH value for a 2-octet neighbor: ASNs above 65535 become
 * AS_TRANS. */
void bgp_aspath_put_as2(struct wbuf *w, struct bgp_bytes path);
/* The AS4_PATH value for a 2-octet neighbor: the path without its
 * confederation segments (RFC 6793 §4.2.2). */
void bgp_aspath_put_as4(struct wbuf *w, struct bgp_bytes path);
/* Whether a 2-octet neighbor needs AS4_PATH: some ASN outside the
 * confederation segments is above 65535. */
bool bgp_aspath_needs_as4(struct bgp_bytes path);

#endif
