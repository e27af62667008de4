/*
 * bgp.h — protocol constants shared by every layer, and the error record
 * every decoder returns.
 *
 * Numbers come from RFC 4271 (messages, errors), RFC 4760 (MP-BGP),
 * RFC 4486 (Cease subcodes), RFC 7606 (error handling tiers) and the IANA
 * registries. One place for them, so no module spells a magic number.
 */
#ifndef BGPMUX_BGP_H
#define BGPMUX_BGP_H

#include <stddef.h>
#include <stdint.h>

#define BGP_MARKER_LEN      16
#define BGP_HEADER_LEN      19
#define BGP_MAX_LEN         4096    /* RFC 4271 */
#define BGP_EXT_MAX_LEN     65535   /* RFC 8654 extended messages */
#define BGP_VERSION         4
#define BGP_AS_TRANS        23456   /* RFC 6793 */
#define BGP_PORT            179

enum bgp_msg_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5,
};

/* NOTIFICATION error codes (RFC 4271 §4.5, RFC 7313) */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_ROUTE_REFRESH = 7,
};

/* Message Header Error subcodes */
enum {
	BGP_ERR_HDR_SYNC = 1,           /* Connection Not Synchronized */
	BGP_ERR_HDR_LENGTH = 2,         /* Bad Message Length */
	BGP_ERR_HDR_TYPE = 3,           /* Bad Message Type */
};

/* OPEN Message Error subcodes */
enum {
	BGP_ERR_OPEN_VERSION = 1,       /* Unsupported Version Number */
	BGP_ERR_OPEN_PEER_AS = 2,       /* Bad Peer AS */
	BGP_ERR_OPEN_BGP_ID = 3,        /* Bad BGP Identifier */
	BGP_ERR_OPEN_OPT_PARAM = 4,     /* Unsupported Optional Parameter */
	BGP_ERR_OPEN_HOLD_TIME = 6,     /* Unacceptable Hold Time */
	BGP_ERR_OPEN_CAPABILITY = 7,    /* Unsupported Capability (RFC 5492) */
	BGP_ERR_OPEN_ROLE = 11,         /* Role Mismatch (RFC 9234) */
};

/* UPDATE Message Error subcodes */
enum {
	BGP_ERR_UPD_ATTR_LIST = 1,      /* Malformed Attribute List */
	BGP_ERR_UPD_UNRECOGNIZED = 2,   /* Unrecognized Well-known Attribute */
	BGP_ERR_UPD_MISSING = 3,        /* Missing Well-known Attribute */
	BGP_ERR_UPD_FLAGS = 4,          /* Attribute Flags Error */
	BGP_ERR_UPD_LENGTH = 5,         /* Attribute Length Error */
	BGP_ERR_UPD_ORIGIN = 6,         /* Invalid ORIGIN Attribute */
	BGP_ERR_UPD_NEXT_HOP = 8,       /* Invalid NEXT_HOP Attribute */
	BGP_ERR_UPD_OPTIONAL = 9,       /* Optional Attribute Error */
	BGP_ERR_UPD_NETWORK = 10,       /* Invalid Network Field */
	BGP_ERR_UPD_AS_PATH = 11,       /* Malformed AS_PATH */
};

/* Finite State Machine Error subcodes (RFC 6608) */
enum {
	BGP_ERR_FSM_UNSPEC = 0,
	BGP_ERR_FSM_OPENSENT = 1,
	BGP_ERR_FSM_OPENCONFIRM = 2,
	BGP_ERR_FSM_ESTABLISHED = 3,
};

/* Cease subcodes (RFC 4486, RFC 8203) */
enum {
	BGP_CEASE_MAX_PREFIXES = 1,
	BGP_CEASE_ADMIN_SHUTDOWN = 2,
	BGP_CEASE_PEER_DECONFIGURED = 3,
	BGP_CEASE_ADMIN_RESET = 4,
	BGP_CEASE_CONNECTION_REJECTED = 5,
	BGP_CEASE_CONFIG_CHANGE = 6,
	BGP_CEASE_COLLISION = 7,
	BGP_CEASE_OUT_OF_RESOURCES = 8,
	BGP_CEASE_HARD_RESET = 9,       /* RFC 8538 */
};

/* ROUTE-REFRESH Message Error subcodes (RFC 7313) */
enum {
	BGP_ERR_RR_LENGTH = 1,          /* Invalid Message Length */
};

/* Address families (IANA AFI / SAFI) */
enum { BGP_AFI_IPV4 = 1, BGP_AFI_IPV6 = 2 };
enum { BGP_SAFI_UNICAST = 1, BGP_SAFI_MULTICAST = 2, BGP_SAFI_VPN = 128 };

/* Path attribute type codes */
enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10,
	BGP_ATTR_MP_REACH_NLRI = 14,
	BGP_ATTR_MP_UNREACH_NLRI = 15,
	BGP_ATTR_EXT_COMMUNITIES = 16,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};

/* Path attribute flag bits */
enum {
	BGP_ATTR_F_OPTIONAL = 0x80,
	BGP_ATTR_F_TRANSITIVE = 0x40,
	BGP_ATTR_F_PARTIAL = 0x20,
	BGP_ATTR_F_EXTLEN = 0x10,
};

enum { BGP_ORIGIN_IGP = 0, BGP_ORIGIN_EGP = 1, BGP_ORIGIN_INCOMPLETE = 2 };
enum { BGP_AS_SET = 1, BGP_AS_SEQUENCE = 2, BGP_AS_CONFED_SEQUENCE = 3,
       BGP_AS_CONFED_SET = 4 };

/* Capability codes (IANA "Capability Codes") */
enum bgp_cap_code {
	BGP_CAP_MP = 1,
	BGP_CAP_ROUTE_REFRESH = 2,
	BGP_CAP_EXT_MESSAGE = 6,
	BGP_CAP_GRACEFUL_RESTART = 64,
	BGP_CAP_AS4 = 65,
	BGP_CAP_MULTISESSION_IETF = 68,
	BGP_CAP_ADD_PATH = 69,
	BGP_CAP_ENHANCED_RR = 70,
	BGP_CAP_FQDN = 73,
	BGP_CAP_ROUTE_REFRESH_CISCO = 128,
	BGP_CAP_MULTISESSION_CISCO = 131,
};

/*
 * What a decoder found wrong, with the RFC 7606 tier that says what to do.
 * Only the session layer acts on it (sends the NOTIFICATION, drops routes).
 */
enum bgp_tier {
	BGP_TIER_OK = 0,
	BGP_TIER_ATTR_DISCARD,      /* drop the attribute, keep the routes */
	BGP_TIER_WITHDRAW,          /* treat-as-withdraw every NLRI in the UPDATE */
	BGP_TIER_RESET,             /* send the NOTIFICATION and close */
};

#define BGP_ERR_DATA_MAX 255

struct bgp_err {
	enum bgp_tier tier;
	uint8_t code;               /* NOTIFICATION code, when tier == RESET */
	uint8_t subcode;
	uint16_t data_len;
	uint8_t data[BGP_ERR_DATA_MAX];
	const char *why;            /* static text for the log line */
};

/* Record an error; keeps the most severe one when called more than once.
 * data may be NULL; at most BGP_ERR_DATA_MAX bytes of it are kept. */
void bgp_err_set(struct bgp_err *e, enum bgp_tier tier, uint8_t code,
    uint8_t subcode, const void *data, size_t data_len, const char *why);

/* Names for logs: "OPEN Message Error", "Bad Peer AS", … Never NULL. */
const char *bgp_msg_type_name(unsigned type);
const char *bgp_err_code_name(unsigned code);
const char *bgp_err_subcode_name(unsigned code, unsigned subcode);

#endif
