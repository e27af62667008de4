/*
 * bgp_open.h — the OPEN message and its capabilities (RFC 4271 §4.2,
 * RFC 5492, RFC 9072 extended optional parameters length).
 *
 * Capabilities decoded: multiprotocol (1), route refresh (2, Cisco 128),
 * extended message (6), graceful restart (64), 4-octet AS (65), IETF
 * multisession (68), ADD-PATH (69), enhanced route refresh (70), FQDN (73),
 * Cisco multisession (131). Any other capability is kept as opaque bytes.
 */
#ifndef BGPMUX_BGP_OPEN_H
#define BGPMUX_BGP_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_multisession.h"
#include "muxd/lib/wbuf.h"

#define BGP_MAX_FAMILIES 16
#define BGP_MAX_UNKNOWN_CAPS 16

struct bgp_family {
	uint16_t afi;
	uint8_t safi;
};

enum { BGP_ADDPATH_RECEIVE = 1, BGP_ADDPATH_SEND = 2, BGP_ADDPATH_BOTH = 3 };

struct bgp_addpath_family {
	struct bgp_family fam;
	uint8_t mode;               /* BGP_ADDPATH_* */
};

/* Graceful Restart flags (RFC 4724 §3, RFC 8538): the capability's, and
 * a family's */
#define BGP_GR_RESTARTED 0x8        /* R: the speaker has just restarted */
#define BGP_GR_NOTIFICATION 0x4     /* N: a NOTIFICATION other than Hard Reset
                                     * is a restart too (RFC 8538 §2) */
#define BGP_GR_FORWARDING 0x80      /* F: it kept the family's forwarding state */

struct bgp_gr_family {
	struct bgp_family fam;
	uint8_t flags;              /* BGP_GR_FORWARDING */
};

struct bgp_unknown_cap {
	uint8_t code;
	uint8_t len;
	const uint8_t *data;        /* points into the decoded message */
};

/* The IETF multisession capability: see docs/multisession.md for the
 * draft versions and bit positions, muxd/bgp/bgp_multisession.h for the
 * values. */
struct bgp_cap_multisession {
	bool present;
	uint8_t flags;              /* the raw flags octet */
	bool grouping;              /* G bit */
	bool redirect;              /* R bit (-04 and later) */
	uint16_t redirect_port;     /* with R */
	/* -06/-07: the codes of the capabilities that define the session
	 * (ExaBGP: 1, multiprotocol), after the flags or in further
	 * capability 68 TLVs of their own; none from a -03/-04 speaker. */
	uint8_t session_caps[BGP_MS_MAX_SESSION_CAPS];
	uint8_t session_caps_count;
	uint8_t tlv_count;          /* capability 68 TLVs in the OPEN */
};

/* Which capabilities were present, one bit per decoded kind. */
enum {
	BGP_CAPF_MP = 1u << 0,
	BGP_CAPF_ROUTE_REFRESH = 1u << 1,
	BGP_CAPF_ROUTE_REFRESH_CISCO = 1u << 2,
	BGP_CAPF_EXT_MESSAGE = 1u << 3,
	BGP_CAPF_GRACEFUL_RESTART = 1u << 4,
	BGP_CAPF_AS4 = 1u << 5,
	BGP_CAPF_MULTISESSION_IETF = 1u << 6,
	BGP_CAPF_ADD_PATH = 1u << 7,
	BGP_CAPF_ENHANCED_RR = 1u << 8,
	BGP_CAPF_FQDN = 1u << 9,
	BGP_CAPF_MULTISESSION_CISCO = 1u << 10,
};

struct bgp_caps {
	uint32_t present;                       /* BGP_CAPF_* */
	struct bgp_family mp[BGP_MAX_FAMILIES];
	uint8_t mp_count;
	uint32_t as4;                           /* with BGP_CAPF_AS4 */
	struct bgp_addpath_family addpath[BGP_MAX_FAMILIES];
	uint8_t addpath_count;
	struct {
		uint8_t flags;                  /* R (0x8), N (0x4) bits */
		uint16_t restart_time;          /* 12 bits, seconds */
		struct bgp_gr_family fam[BGP_MAX_FAMILIES];
		uint8_t count;
	} gr;
	char fqdn_host[256];                    /* NUL-terminated */
	char fqdn_domain[256];
	uint8_t ms_cisco_flags;                 /* with BGP_CAPF_MULTISESSION_CISCO */
	struct bgp_cap_multisession ms_ietf;
	struct bgp_unknown_cap unknown[BGP_MAX_UNKNOWN_CAPS];
	uint8_t unknown_count;
};

struct bgp_open {
	uint8_t version;
	uint16_t my_as;             /* as on the wire: AS_TRANS for a 4-octet AS */
	uint16_t hold_time;
	uint32_t bgp_id;            /* host byte order */
	bool ext_params;            /* RFC 9072 encoding was used / is wanted */
	struct bgp_caps caps;
};

/*
 * Syntax of an OPEN (body = after the 19-byte header). Errors (tier RESET):
 * version ≠ 4 → 2/1 with data = 0x0004; hold time 1 or 2 → 2/6;
 * BGP Identifier 0 → 2/3; an optional parameter other than capabilities
 * → 2/4; any length that does not add up → 2/0 (unspecific).
 */
bool bgp_open_decode(const uint8_t *body, size_t len, struct bgp_open *o,
    struct bgp_err *err);

/*
 * Meaning, against what we expect of this neighbor: the peer's AS (the
 * 4-octet capability's when present; AS_TRANS without it is Bad Peer AS)
 * must equal expected_as unless that is 0 → 2/2; its BGP Identifier must
 * differ from ours on eBGP → 2/3.
 */
bool bgp_open_check(const struct bgp_open *o, uint32_t expected_as,
    uint32_t local_id, struct bgp_err *err);

/* The neighbor's AS: the 4-octet capability's value, else my_as. */
uint32_t bgp_open_peer_as(const struct bgp_open *o);
/* For Bad Peer AS: "received AS 65001 (My AS 65001, 4-octet AS capability
 * 65001), configured AS 65002" (configured 0: "any AS"); returns buf. */
const char *bgp_open_peer_as_text(const struct bgp_open *o, uint32_t configured,
    char *buf, size_t len);

/* Encodes the whole OPEN message, header included. Capabilities go in one
 * optional parameter; past 255 bytes the RFC 9072 form is used. Returns
 * the bytes written, 0 when w overflowed. */
size_t bgp_open_encode(struct wbuf *w, const struct bgp_open *o);

/* Lookups used by the session when negotiating. */
bool bgp_caps_has_family(const struct bgp_caps *c, uint16_t afi, uint8_t safi);
uint8_t bgp_caps_addpath_mode(const struct bgp_caps *c, uint16_t afi, uint8_t safi);

const char *bgp_cap_name(unsigned code);        /* "4-octet AS", … */

#endif
