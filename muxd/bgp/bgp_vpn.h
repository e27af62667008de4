/*
 * bgp_vpn.h — VPN routes on the wire: route distinguishers (RFC 4364
 * §4.2), labelled VPN-IPv4/VPN-IPv6 prefixes (RFC 4364 §4.3.4, RFC 8277,
 * RFC 4659) with ADD-PATH path ids (RFC 7911), their MP_REACH next hops
 * and a packer for UPDATEs of SAFI 128.
 *
 * A view host exports each view as a VPN of its own: the route
 * distinguisher keeps the views' equal prefixes apart on one session,
 * ADD-PATH keeps a view's paths apart inside it. Nothing forwards on the
 * labels here; they are kept as read so a route passes on unchanged.
 */
#ifndef BGPMUX_BGP_VPN_H
#define BGPMUX_BGP_VPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

/* ---- route distinguishers ------------------------------------------- */

#define BGP_RD_LEN 8

/* The 8 octets as on the wire: a 2-octet type, then the value. */
struct bgp_rd {
	uint8_t b[BGP_RD_LEN];
};

enum {
	BGP_RD_TYPE_AS2 = 0,    /* 2-octet AS : 4-octet number */
	BGP_RD_TYPE_IP4 = 1,    /* IPv4 address : 2-octet number */
	BGP_RD_TYPE_AS4 = 2,    /* 4-octet AS : 2-octet number */
};

static inline uint16_t bgp_rd_type(const struct bgp_rd *rd)
{
	return (uint16_t)(rd->b[0] << 8 | rd->b[1]);
}

/* The distinguisher of a view: gateway AS : upstream id. Type 0 for an
 * AS that fits two octets, type 2 for a larger one (whose number then has
 * two octets: false when id does not fit). */
bool bgp_rd_make(uint32_t asn, uint32_t id, struct bgp_rd *rd);

/* Text forms: "65000:1" (type 0), "192.0.2.1:7" (type 1),
 * "4200000000:7" (type 2; "65000L:7" for a type 2 whose AS fits two
 * octets, as Junos writes it, so that parse(format(rd)) == rd). parse
 * picks type 0 for an AS up to 65535 and type 2 above, as bgp_rd_make
 * does; it refuses anything else, a number too wide for its type
 * included. format writes "rd-type-T:HEX" for another type, at most len
 * bytes, NUL-terminated (BGP_RD_STRLEN suffices). */
#define BGP_RD_STRLEN 32
bool bgp_rd_parse(const char *s, struct bgp_rd *rd);
void bgp_rd_format(const struct bgp_rd *rd, char *buf, size_t len);

/* ---- VPN prefixes ---------------------------------------------------- */

/* Labels a prefix may carry; a longer stack is refused as malformed
 * (RFC 8277 §2.1 leaves the count to the Multiple Labels capability,
 * which no one offers us; one label is what everybody sends). */
#define BGP_VPN_MAX_LABELS 4

/* A label entry as its 3 octets: label << 4 | TC << 1 | S (RFC 3032). */
#define BGP_VPN_LABEL(l) ((uint32_t)(l) << 4 | 1u)
#define BGP_VPN_LABEL_BOS 1u
/* The label field of a withdrawal (RFC 8277 §2.4: "Compatibility"). */
#define BGP_VPN_LABEL_WITHDRAW 0x800000u

struct bgp_vpn_prefix {
	struct bgp_prefix p;    /* afi, prefix length, path id, address */
	struct bgp_rd rd;
	uint8_t nlabels;        /* 1 .. BGP_VPN_MAX_LABELS */
	uint32_t labels[BGP_VPN_MAX_LABELS];    /* 24-bit entries, as read */
};

/*
 * Read one VPN prefix of afi (1 or 2) from r: [path id,] length in bits,
 * label stack, RD, prefix. An announcement's stack runs to the entry with
 * the bottom-of-stack bit; a withdrawal's label field is one entry,
 * whatever it holds (RFC 8277 §2.4: 0x800000, 0 or the label). False,
 * with r left where it was, when the length is shorter than its labels
 * and RD, the prefix is wider than the AFI's addresses, the stack has no
 * bottom within BGP_VPN_MAX_LABELS entries or the bytes run out. Host
 * bits are cleared, as bgp_nlri_next does.
 */
bool bgp_vpn_next(struct rbuf *r, uint16_t afi, bool addpath, bool withdraw,
    struct bgp_vpn_prefix *vp);

/* Check a whole block of VPN NLRI; the number of prefixes, or -1 if any
 * is malformed (bgp_vpn_next's rules). */
long bgp_vpn_count(const uint8_t *p, size_t len, uint16_t afi, bool addpath,
    bool withdraw);

/* Write vp as it is (its labels included). A prefix longer than 128 bits
 * or a stack of 0 or more than BGP_VPN_MAX_LABELS entries sets
 * w->overflow. */
void bgp_vpn_put(struct wbuf *w, const struct bgp_vpn_prefix *vp, bool addpath);
/* Bytes bgp_vpn_put writes for vp. */
size_t bgp_vpn_size(const struct bgp_vpn_prefix *vp, bool addpath);

/* "65000:1:10.0.0.0/24" (RD, then the prefix; no label, no path id). */
#define BGP_VPN_STRLEN (BGP_RD_STRLEN + BGP_PREFIX_STRLEN)
void bgp_vpn_format(const struct bgp_vpn_prefix *vp, char *buf, size_t len);

/* ---- MP_REACH next hops ----------------------------------------------- */

/* VPNv4: 12 octets (an RD of zeros, then IPv4; RFC 4364 §4.3.2); VPNv6:
 * 24 (zeros, IPv6), or 48 with a link-local (RFC 4659 §3.2.1.1). VPNv4
 * over an IPv6 core takes VPNv6's lengths (RFC 8950 §3). */
#define BGP_VPN_NH_MAX 48

/* Whether len is a next hop length of the VPN family of afi. */
bool bgp_vpn_nh_len_ok(uint16_t afi, size_t len);

/* The next hop for addr (4 bytes for an IPv4 address, 16 for IPv6) and
 * an optional IPv6 link-local ll (NULL for none; only with an IPv6 addr).
 * Writes at most BGP_VPN_NH_MAX bytes to out; returns the length, 0 for
 * a bad addr_len. */
size_t bgp_vpn_nh_make(uint8_t out[BGP_VPN_NH_MAX], const uint8_t *addr,
    size_t addr_len, const uint8_t *ll);

/* The addresses of a next hop of the VPN family of afi: addr_len gets 4
 * or 16, ll (16 bytes) the link-local when there is one (has_ll). The
 * RDs are not looked at (RFC 4364 says zero; a receiver gains nothing by
 * refusing another value). False on a length bgp_vpn_nh_len_ok refuses. */
bool bgp_vpn_nh_read(struct bgp_bytes nh, uint16_t afi, uint8_t addr[16],
    size_t *addr_len, uint8_t ll[16], bool *has_ll);

/* ---- packing ----------------------------------------------------------- */

/* Append vp to a packer begun for a VPN family (spec->safi BGP_SAFI_VPN,
 * spec->afi of vp): as bgp_packer_add, false when it does not fit. On a
 * withdrawing packer the label field is written as BGP_VPN_LABEL_WITHDRAW
 * whatever vp holds. */
bool bgp_vpn_packer_add(struct bgp_packer *pk, const struct bgp_vpn_prefix *vp);

#endif
