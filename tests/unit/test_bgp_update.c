/*
 * test_bgp_update.c — UPDATE decoding, byte-exact: one row per case
 * {name, bytes, expect} with the RFC 7606 tier, the NOTIFICATION
 * code/subcode and data, and which attributes survive. Every valid row
 * also goes through encode → decode and must come back the same.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"
#include "tests/unit/check_run.h"
#include "tests/unit/hex.h"

/* ---- bytes ---------------------------------------------------------- */

/* Attributes used to build the rows. */
#define ORIGIN "40 01 01 00 "
#define ASPATH "40 02 06 02 01 00 00 fd e9 "            /* 65001, 4-octet */
#define ASPATH2 "40 02 04 02 01 fd e9 "                 /* 65001, 2-octet */
#define NH "40 03 04 c0 00 02 01 "                      /* 192.0.2.1 */
#define BASE ORIGIN ASPATH NH
#define BASE2 ORIGIN ASPATH2 NH
#define NLRI "08 0a "                                   /* 10.0.0.0/8 */
#define V6NH "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 "
#define MPREACH6 "80 0e 1a 00 02 01 10 " V6NH "00 20 20 01 0d b8 "
#define MPUNREACH6 "80 0f 08 00 02 01 20 20 01 0d b8 "

enum { AS2 = 1, EBGP = 2, ADDPATH = 4 };

#define B(t) BGP_ATTR_BIT(BGP_ATTR_##t)
#define P_BASE (B(ORIGIN) | B(AS_PATH) | B(NEXT_HOP))
#define NONE 0xffu      /* subcode: do not check */

struct vec {
	const char *name;
	unsigned ctx;
	const char *withdrawn, *attrs, *nlri;
	enum bgp_tier tier;
	uint8_t code, subcode;
	const char *data;       /* NOTIFICATION data; NULL: not checked */
	uint64_t present;       /* attributes kept; 0: not checked */
	const char *raw;        /* the whole body instead of the three fields */
	int eor_afi;            /* End-of-RIB family, 0 for none */
};

#define OK_(n, c, w, a, l, p) { n, c, w, a, l, BGP_TIER_OK, 0, 0, NULL, p, NULL, 0 }
#define ERR(n, c, w, a, l, t, s, d, p) \
	{ n, c, w, a, l, BGP_TIER_##t, 3, s, d, p, NULL, 0 }
#define RAW(n, r, s) { n, 0, "", "", "", BGP_TIER_RESET, 3, s, "", 0, r, 0 }

static const struct vec vecs[] = {
	/* ---- valid, one per attribute ---- */
	OK_("base", 0, "", BASE, NLRI, P_BASE),
	OK_("MULTI_EXIT_DISC", 0, "", BASE "80 04 04 00 00 00 64", NLRI, P_BASE | B(MED)),
	OK_("LOCAL_PREF internal", 0, "", BASE "40 05 04 00 00 00 64", NLRI,
	    P_BASE | B(LOCAL_PREF)),
	OK_("ATOMIC_AGGREGATE", 0, "", BASE "40 06 00", NLRI, P_BASE | B(ATOMIC_AGGREGATE)),
	OK_("AGGREGATOR 4-octet", 0, "", BASE "c0 07 08 00 01 11 70 c0 00 02 01", NLRI,
	    P_BASE | B(AGGREGATOR)),
	OK_("AGGREGATOR 2-octet", AS2, "", BASE2 "c0 07 06 fd e9 c0 00 02 01", NLRI,
	    P_BASE | B(AGGREGATOR)),
	OK_("COMMUNITIES", 0, "", BASE "c0 08 08 fd e9 00 64 ff ff ff 01", NLRI,
	    P_BASE | B(COMMUNITIES)),
	OK_("ORIGINATOR_ID internal", 0, "", BASE "80 09 04 c0 00 02 01", NLRI,
	    P_BASE | B(ORIGINATOR_ID)),
	OK_("CLUSTER_LIST internal", 0, "", BASE "80 0a 08 c0 00 02 01 c0 00 02 02",
	    NLRI, P_BASE | B(CLUSTER_LIST)),
	OK_("MP_REACH_NLRI IPv6", 0, "", ORIGIN ASPATH MPREACH6, "",
	    B(ORIGIN) | B(AS_PATH) | B(MP_REACH_NLRI)),
	OK_("MP_REACH_NLRI IPv6 + link-local", 0, "", ORIGIN ASPATH
	    "80 0e 2a 00 02 01 20 " V6NH "fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 "
	    "00 20 20 01 0d b8", "", B(ORIGIN) | B(AS_PATH) | B(MP_REACH_NLRI)),
	OK_("MP_REACH_NLRI IPv4, 4-octet next hop", 0, "", ORIGIN ASPATH
	    "80 0e 0d 00 01 01 04 c0 00 02 01 00 18 c0 00 02", "",
	    B(ORIGIN) | B(AS_PATH) | B(MP_REACH_NLRI)),
	OK_("MP_REACH_NLRI IPv4, IPv6 next hop (RFC 8950)", 0, "", ORIGIN ASPATH
	    "80 0e 19 00 01 01 10 " V6NH "00 18 c0 00 02", "",
	    B(ORIGIN) | B(AS_PATH) | B(MP_REACH_NLRI)),
	OK_("MP_REACH_NLRI ADD-PATH IPv6", ADDPATH, "", ORIGIN ASPATH
	    "80 0e 1e 00 02 01 10 " V6NH "00 00 00 00 09 20 20 01 0d b8", "",
	    B(ORIGIN) | B(AS_PATH) | B(MP_REACH_NLRI)),
	OK_("MP_REACH_NLRI VPNv4, label 100, RD 65000:1", 0, "", ORIGIN ASPATH
	    "80 0e 20 00 01 80 0c 00 00 00 00 00 00 00 00 c0 00 02 01 00 "
	    "70 00 06 41 00 00 fd e8 00 00 00 01 0a 00 00", "",
	    B(ORIGIN) | B(AS_PATH) | B(MP_REACH_NLRI)),
	OK_("MP_REACH_NLRI of another SAFI: opaque, not checked", 0, "", ORIGIN ASPATH
	    "80 0e 0b 00 01 85 04 c0 00 02 01 00 ff ff", "",
	    B(ORIGIN) | B(AS_PATH) | B(MP_REACH_NLRI)),
	OK_("MP_UNREACH_NLRI IPv6", 0, "", MPUNREACH6, "", B(MP_UNREACH_NLRI)),
	OK_("MP_UNREACH_NLRI and MP_REACH_NLRI", 0, "", ORIGIN ASPATH MPUNREACH6
	    MPREACH6, "", B(ORIGIN) | B(AS_PATH) | B(MP_REACH_NLRI) | B(MP_UNREACH_NLRI)),
	OK_("EXTENDED COMMUNITIES", 0, "", BASE "c0 10 08 00 02 fd e9 00 00 00 64",
	    NLRI, P_BASE | B(EXT_COMMUNITIES)),
	OK_("EXTENDED COMMUNITIES unknown type", 0, "", BASE "c0 10 08 ee ee 00 00 00 00 00 00",
	    NLRI, P_BASE | B(EXT_COMMUNITIES)),
	OK_("LARGE_COMMUNITY", 0, "", BASE "c0 20 0c 00 00 fd e9 00 00 00 01 00 00 00 02",
	    NLRI, P_BASE | B(LARGE_COMMUNITIES)),
	OK_("unknown optional transitive kept", 0, "", BASE "c0 63 02 ab cd", NLRI, P_BASE),
	OK_("unknown optional non-transitive kept", 0, "", BASE "80 64 01 00", NLRI, P_BASE),
	OK_("unknown optional, zero length", 0, "", BASE "c0 65 00", NLRI, P_BASE),
	OK_("extended length on a short attribute", 0, "",
	    "50 01 00 01 00 " ASPATH NH, NLRI, P_BASE),
	OK_("Partial bit on a well-known attribute: no error (only O/T count)", 0,
	    "", "60 01 01 00 " ASPATH NH, NLRI, P_BASE),
	OK_("NEXT_HOP on loopback (the lab peers there)", 0, "",
	    ORIGIN ASPATH "40 03 04 7f 00 00 01", NLRI, P_BASE),
	OK_("confederation segments from an internal peer", 0, "",
	    ORIGIN "40 02 0c 03 01 00 00 fd e8 02 01 00 00 fd e9 " NH, NLRI, P_BASE),
	OK_("empty AS_PATH", 0, "", ORIGIN "40 02 00 " NH, NLRI, P_BASE),
	OK_("AS_SET", 0, "", ORIGIN "40 02 0a 01 02 00 00 fd e9 00 00 fd ea " NH, NLRI,
	    P_BASE),
	OK_("ADD-PATH NLRI and withdrawn", ADDPATH, "00 00 00 02 08 0b", BASE,
	    "00 00 00 01 08 0a", P_BASE),
	OK_("AS4_PATH on a 2-octet session: merged, not kept", AS2, "",
	    ORIGIN "40 02 04 02 01 5b a0 " NH "c0 11 06 02 01 00 01 11 70", NLRI, P_BASE),
	OK_("withdrawals only", 0, "08 0a 10 ac 10", "", "", 0),
	OK_("attributes in any order", 0, "", NH "c0 08 04 fd e9 00 64 " ASPATH ORIGIN,
	    NLRI, P_BASE | B(COMMUNITIES)),

	/* ---- ORIGIN: RFC 7606 §7.1, §3 c ---- */
	ERR("ORIGIN length 2", 0, "", "40 01 02 00 00 " ASPATH NH, NLRI, WITHDRAW,
	    BGP_ERR_UPD_LENGTH, "40 01 02 00 00", B(AS_PATH) | B(NEXT_HOP)),
	ERR("ORIGIN length 0", 0, "", "40 01 00 " ASPATH NH, NLRI, WITHDRAW,
	    BGP_ERR_UPD_LENGTH, "40 01 00", 0),
	ERR("ORIGIN value 3", 0, "", "40 01 01 03 " ASPATH NH, NLRI, WITHDRAW,
	    BGP_ERR_UPD_ORIGIN, "40 01 01 03", 0),
	ERR("ORIGIN flagged optional", 0, "", "c0 01 01 00 " ASPATH NH, NLRI, WITHDRAW,
	    BGP_ERR_UPD_FLAGS, "c0 01 01 00", 0),
	ERR("ORIGIN flagged non-transitive", 0, "", "00 01 01 00 " ASPATH NH, NLRI,
	    WITHDRAW, BGP_ERR_UPD_FLAGS, "00 01 01 00", 0),

	/* ---- AS_PATH: §7.2, RFC 7607, RFC 5065 ---- */
	ERR("AS_PATH segment type 5", 0, "", ORIGIN "40 02 06 05 01 00 00 fd e9 " NH,
	    NLRI, WITHDRAW, BGP_ERR_UPD_AS_PATH, "40 02 06 05 01 00 00 fd e9",
	    B(ORIGIN) | B(NEXT_HOP)),
	ERR("AS_PATH segment type 0", 0, "", ORIGIN "40 02 06 00 01 00 00 fd e9 " NH,
	    NLRI, WITHDRAW, BGP_ERR_UPD_AS_PATH, NULL, 0),
	ERR("AS_PATH empty segment", 0, "", ORIGIN "40 02 02 02 00 " NH, NLRI, WITHDRAW,
	    BGP_ERR_UPD_AS_PATH, NULL, 0),
	ERR("AS_PATH segment overruns", 0, "", ORIGIN "40 02 06 02 02 00 00 fd e9 " NH,
	    NLRI, WITHDRAW, BGP_ERR_UPD_AS_PATH, NULL, 0),
	ERR("AS_PATH lone trailing octet", 0, "", ORIGIN "40 02 07 02 01 00 00 fd e9 02 "
	    NH, NLRI, WITHDRAW, BGP_ERR_UPD_AS_PATH, NULL, 0),
	ERR("AS_PATH with AS 0", 0, "", ORIGIN "40 02 06 02 01 00 00 00 00 " NH, NLRI,
	    WITHDRAW, BGP_ERR_UPD_AS_PATH, NULL, 0),
	ERR("AS_PATH 2-octet with AS 0", AS2, "", ORIGIN "40 02 04 02 01 00 00 " NH, NLRI,
	    WITHDRAW, BGP_ERR_UPD_AS_PATH, NULL, 0),
	ERR("AS_PATH confederation from an external peer", EBGP, "",
	    ORIGIN "40 02 0c 03 01 00 00 fd e8 02 01 00 00 fd e9 " NH, NLRI, WITHDRAW,
	    BGP_ERR_UPD_AS_PATH, NULL, 0),
	ERR("AS_PATH confed set from an external peer", EBGP, "",
	    ORIGIN "40 02 06 04 01 00 00 fd e8 " NH, NLRI, WITHDRAW,
	    BGP_ERR_UPD_AS_PATH, NULL, 0),
	ERR("AS_PATH 4-octet read on a 2-octet session", AS2, "", BASE, NLRI, WITHDRAW,
	    BGP_ERR_UPD_AS_PATH, NULL, 0),
	ERR("AS_PATH flagged optional", 0, "", ORIGIN "c0 02 06 02 01 00 00 fd e9 " NH,
	    NLRI, WITHDRAW, BGP_ERR_UPD_FLAGS, "c0 02 06 02 01 00 00 fd e9", 0),

	/* ---- NEXT_HOP: §7.3; not a host address, RFC 4271 §6.3 + §3 e ---- */
	ERR("NEXT_HOP length 5", 0, "", ORIGIN ASPATH "40 03 05 c0 00 02 01 00", NLRI,
	    WITHDRAW, BGP_ERR_UPD_LENGTH, "40 03 05 c0 00 02 01 00", 0),
	ERR("NEXT_HOP length 3", 0, "", ORIGIN ASPATH "40 03 03 c0 00 02", NLRI,
	    WITHDRAW, BGP_ERR_UPD_LENGTH, NULL, 0),
	ERR("NEXT_HOP 0.0.0.0", 0, "", ORIGIN ASPATH "40 03 04 00 00 00 00", NLRI,
	    WITHDRAW, BGP_ERR_UPD_NEXT_HOP, "40 03 04 00 00 00 00", 0),
	ERR("NEXT_HOP 0.1.2.3", 0, "", ORIGIN ASPATH "40 03 04 00 01 02 03", NLRI,
	    WITHDRAW, BGP_ERR_UPD_NEXT_HOP, NULL, 0),
	ERR("NEXT_HOP multicast", 0, "", ORIGIN ASPATH "40 03 04 e0 00 00 01", NLRI,
	    WITHDRAW, BGP_ERR_UPD_NEXT_HOP, NULL, 0),
	ERR("NEXT_HOP class E", 0, "", ORIGIN ASPATH "40 03 04 f0 00 00 01", NLRI,
	    WITHDRAW, BGP_ERR_UPD_NEXT_HOP, NULL, 0),
	ERR("NEXT_HOP broadcast", 0, "", ORIGIN ASPATH "40 03 04 ff ff ff ff", NLRI,
	    WITHDRAW, BGP_ERR_UPD_NEXT_HOP, NULL, 0),
	ERR("NEXT_HOP flagged optional", 0, "", ORIGIN ASPATH "c0 03 04 c0 00 02 01", NLRI,
	    WITHDRAW, BGP_ERR_UPD_FLAGS, NULL, 0),

	/* ---- MULTI_EXIT_DISC §7.4, LOCAL_PREF §7.5 ---- */
	ERR("MED length 3", 0, "", BASE "80 04 03 00 00 64", NLRI, WITHDRAW,
	    BGP_ERR_UPD_LENGTH, "80 04 03 00 00 64", 0),
	ERR("MED length 0", 0, "", BASE "80 04 00", NLRI, WITHDRAW, BGP_ERR_UPD_LENGTH,
	    NULL, 0),
	ERR("MED flagged well-known", 0, "", BASE "40 04 04 00 00 00 64", NLRI, WITHDRAW,
	    BGP_ERR_UPD_FLAGS, NULL, 0),
	ERR("LOCAL_PREF internal, length 3", 0, "", BASE "40 05 03 00 00 64", NLRI,
	    WITHDRAW, BGP_ERR_UPD_LENGTH, NULL, 0),
	ERR("LOCAL_PREF from an external peer", EBGP, "", BASE "40 05 04 00 00 00 64",
	    NLRI, ATTR_DISCARD, 0, "40 05 04 00 00 00 64", P_BASE),
	ERR("LOCAL_PREF from an external peer, malformed: still a discard", EBGP, "",
	    BASE "40 05 03 00 00 64", NLRI, ATTR_DISCARD, 0, NULL, P_BASE),

	/* ---- ATOMIC_AGGREGATE §7.6, AGGREGATOR §7.7, §3 f ---- */
	ERR("ATOMIC_AGGREGATE length 1", 0, "", BASE "40 06 01 00", NLRI, ATTR_DISCARD,
	    BGP_ERR_UPD_LENGTH, "40 06 01 00", P_BASE),
	ERR("ATOMIC_AGGREGATE flagged optional", 0, "", BASE "c0 06 00", NLRI,
	    ATTR_DISCARD, BGP_ERR_UPD_FLAGS, "c0 06 00", P_BASE),
	ERR("AGGREGATOR length 6 on a 4-octet session", 0, "",
	    BASE "c0 07 06 fd e9 c0 00 02 01", NLRI, ATTR_DISCARD, BGP_ERR_UPD_LENGTH,
	    "c0 07 06 fd e9 c0 00 02 01", P_BASE),
	ERR("AGGREGATOR length 8 on a 2-octet session", AS2, "",
	    BASE2 "c0 07 08 00 00 fd e9 c0 00 02 01", NLRI, ATTR_DISCARD,
	    BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("AGGREGATOR length 7", 0, "", BASE "c0 07 07 00 00 fd e9 c0 00 02", NLRI,
	    ATTR_DISCARD, BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("AGGREGATOR length 0", 0, "", BASE "c0 07 00", NLRI, ATTR_DISCARD,
	    BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("AGGREGATOR AS 0", 0, "", BASE "c0 07 08 00 00 00 00 c0 00 02 01", NLRI,
	    ATTR_DISCARD, BGP_ERR_UPD_OPTIONAL, NULL, P_BASE),
	ERR("AGGREGATOR flagged well-known", 0, "", BASE "40 07 08 00 00 fd e9 c0 00 02 01",
	    NLRI, ATTR_DISCARD, BGP_ERR_UPD_FLAGS, NULL, P_BASE),

	/* ---- COMMUNITIES §7.8, ORIGINATOR_ID §7.9, CLUSTER_LIST §7.10 ---- */
	ERR("COMMUNITIES length 5", 0, "", BASE "c0 08 05 fd e9 00 64 00", NLRI, WITHDRAW,
	    BGP_ERR_UPD_LENGTH, "c0 08 05 fd e9 00 64 00", P_BASE),
	ERR("COMMUNITIES length 0", 0, "", BASE "c0 08 00", NLRI, WITHDRAW,
	    BGP_ERR_UPD_LENGTH, "c0 08 00", P_BASE),
	ERR("COMMUNITIES non-transitive", 0, "", BASE "80 08 04 fd e9 00 64", NLRI,
	    WITHDRAW, BGP_ERR_UPD_FLAGS, NULL, P_BASE),
	ERR("ORIGINATOR_ID internal, length 5", 0, "", BASE "80 09 05 c0 00 02 01 00",
	    NLRI, WITHDRAW, BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("ORIGINATOR_ID from an external peer", EBGP, "", BASE "80 09 04 c0 00 02 01",
	    NLRI, ATTR_DISCARD, 0, NULL, P_BASE),
	ERR("CLUSTER_LIST internal, length 6", 0, "", BASE "80 0a 06 c0 00 02 01 00 00",
	    NLRI, WITHDRAW, BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("CLUSTER_LIST internal, length 0", 0, "", BASE "80 0a 00", NLRI, WITHDRAW,
	    BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("CLUSTER_LIST from an external peer", EBGP, "", BASE "80 0a 04 c0 00 02 01",
	    NLRI, ATTR_DISCARD, 0, NULL, P_BASE),

	/* ---- MP_REACH / MP_UNREACH: §5.3, §7.11, §3 g → reset ---- */
	ERR("MP_REACH_NLRI length 4", 0, "", ORIGIN ASPATH "80 0e 04 00 02 01 10", "",
	    RESET, BGP_ERR_UPD_OPTIONAL, "80 0e 04 00 02 01 10", 0),
	ERR("MP_REACH_NLRI IPv6 next hop length 5", 0, "", ORIGIN ASPATH
	    "80 0e 0d 00 02 01 05 20 01 0d b8 00 00 10 20 01", "", RESET,
	    BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_REACH_NLRI IPv4 next hop length 8", 0, "", ORIGIN ASPATH
	    "80 0e 11 00 01 01 08 c0 00 02 01 c0 00 02 02 00 18 c0 00 02", "", RESET,
	    BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_REACH_NLRI next hop overruns", 0, "", ORIGIN ASPATH
	    "80 0e 14 00 02 01 20 " V6NH, "", RESET, BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_REACH_NLRI without the reserved octet", 0, "", ORIGIN ASPATH
	    "80 0e 14 00 02 01 10 " V6NH, "", RESET, BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_REACH_NLRI IPv6 prefix /129", 0, "", ORIGIN ASPATH
	    "80 0e 16 00 02 01 10 " V6NH "00 81", "", RESET, BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_REACH_NLRI prefix overruns", 0, "", ORIGIN ASPATH
	    "80 0e 18 00 02 01 10 " V6NH "00 30 20 01", "", RESET, BGP_ERR_UPD_OPTIONAL,
	    NULL, 0),
	ERR("MP_REACH_NLRI IPv4 prefix /33", 0, "", ORIGIN ASPATH
	    "80 0e 0e 00 01 01 04 c0 00 02 01 00 21 c0 00 02 01", "", RESET,
	    BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_REACH_NLRI without ADD-PATH ids when negotiated", ADDPATH, "",
	    ORIGIN ASPATH MPREACH6, "", RESET, BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_REACH_NLRI flagged transitive", 0, "", ORIGIN ASPATH
	    "c0 0e 1a 00 02 01 10 " V6NH "00 20 20 01 0d b8", "", RESET, BGP_ERR_UPD_FLAGS,
	    NULL, 0),
	ERR("MP_REACH_NLRI flagged well-known", 0, "", ORIGIN ASPATH
	    "40 0e 1a 00 02 01 10 " V6NH "00 20 20 01 0d b8", "", RESET, BGP_ERR_UPD_FLAGS,
	    NULL, 0),
	ERR("MP_REACH_NLRI twice", 0, "", ORIGIN ASPATH MPREACH6 MPREACH6, "", RESET,
	    BGP_ERR_UPD_ATTR_LIST, "", 0),
	ERR("MP_REACH_NLRI VPNv4 prefix overruns", 0, "", ORIGIN ASPATH
	    "80 0e 13 00 01 80 0c 00 00 00 00 00 00 00 00 c0 00 02 01 00 ff ff", "",
	    RESET, BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_REACH_NLRI VPNv4 next hop length 4", 0, "", ORIGIN ASPATH
	    "80 0e 18 00 01 80 04 c0 00 02 01 00 "
	    "70 00 06 41 00 00 fd e8 00 00 00 01 0a 00 00", "",
	    RESET, BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_UNREACH_NLRI VPNv6 length shorter than label and RD", 0, "",
	    "80 0f 0f 00 02 80 50 80 00 00 00 00 fd e8 00 00 00 01", "",
	    RESET, BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_UNREACH_NLRI length 2", 0, "", "80 0f 02 00 02", "", RESET,
	    BGP_ERR_UPD_OPTIONAL, "80 0f 02 00 02", 0),
	ERR("MP_UNREACH_NLRI prefix /200", 0, "", "80 0f 04 00 02 01 c8", "", RESET,
	    BGP_ERR_UPD_OPTIONAL, NULL, 0),
	ERR("MP_UNREACH_NLRI twice", 0, "", MPUNREACH6 MPUNREACH6, "", RESET,
	    BGP_ERR_UPD_ATTR_LIST, "", 0),

	/* ---- EXTENDED COMMUNITIES §7.14, LARGE_COMMUNITY RFC 8092 §6 ---- */
	ERR("EXTENDED COMMUNITIES length 7", 0, "", BASE "c0 10 07 00 02 fd e9 00 00 00",
	    NLRI, WITHDRAW, BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("EXTENDED COMMUNITIES length 0", 0, "", BASE "c0 10 00", NLRI, WITHDRAW,
	    BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("EXTENDED COMMUNITIES non-transitive", 0, "", BASE
	    "80 10 08 00 02 fd e9 00 00 00 64", NLRI, WITHDRAW, BGP_ERR_UPD_FLAGS, NULL,
	    P_BASE),
	ERR("LARGE_COMMUNITY length 13", 0, "", BASE
	    "c0 20 0d 00 00 fd e9 00 00 00 01 00 00 00 02 00", NLRI, WITHDRAW,
	    BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("LARGE_COMMUNITY length 0", 0, "", BASE "c0 20 00", NLRI, WITHDRAW,
	    BGP_ERR_UPD_LENGTH, NULL, P_BASE),

	/* ---- AS4_PATH / AS4_AGGREGATOR: RFC 6793 §4.1, §6 ---- */
	ERR("AS4_PATH on a 4-octet session", 0, "", BASE "c0 11 06 02 01 00 01 11 70",
	    NLRI, ATTR_DISCARD, 0, "c0 11 06 02 01 00 01 11 70", P_BASE),
	ERR("AS4_AGGREGATOR on a 4-octet session", 0, "",
	    BASE "c0 12 08 00 01 11 70 c0 00 02 01", NLRI, ATTR_DISCARD, 0, NULL, P_BASE),
	ERR("AS4_PATH bad segment type", AS2, "", BASE2 "c0 11 06 05 01 00 01 11 70",
	    NLRI, ATTR_DISCARD, BGP_ERR_UPD_OPTIONAL, NULL, P_BASE),
	ERR("AS4_PATH too short for a segment", AS2, "", BASE2 "c0 11 02 02 00", NLRI,
	    ATTR_DISCARD, BGP_ERR_UPD_OPTIONAL, NULL, P_BASE),
	ERR("AS4_PATH with AS 0", AS2, "", BASE2 "c0 11 06 02 01 00 00 00 00", NLRI,
	    ATTR_DISCARD, BGP_ERR_UPD_OPTIONAL, NULL, P_BASE),
	ERR("AS4_PATH flagged non-transitive", AS2, "", BASE2 "80 11 06 02 01 00 01 11 70",
	    NLRI, ATTR_DISCARD, BGP_ERR_UPD_FLAGS, NULL, P_BASE),
	ERR("AS4_AGGREGATOR length 7", AS2, "", BASE2 "c0 12 07 00 01 11 70 c0 00 02",
	    NLRI, ATTR_DISCARD, BGP_ERR_UPD_LENGTH, NULL, P_BASE),
	ERR("AS4_AGGREGATOR AS 0", AS2, "", BASE2 "c0 12 08 00 00 00 00 c0 00 02 01", NLRI,
	    ATTR_DISCARD, BGP_ERR_UPD_OPTIONAL, NULL, P_BASE),

	/* ---- unknown, duplicates (§3 g), missing (§3 d) ---- */
	ERR("unknown well-known attribute", 0, "", BASE "40 63 01 00", NLRI, RESET,
	    BGP_ERR_UPD_UNRECOGNIZED, "40 63 01 00", 0),
	ERR("unknown well-known attribute, extended length", 0, "", BASE "50 63 00 01 00",
	    NLRI, RESET, BGP_ERR_UPD_UNRECOGNIZED, "50 63 00 01 00", 0),
	ERR("ORIGIN twice: the first counts", 0, "", BASE "40 01 01 02", NLRI, ATTR_DISCARD,
	    BGP_ERR_UPD_ATTR_LIST, "40 01 01 02", P_BASE),
	ERR("a malformed second ORIGIN is only discarded", 0, "", BASE "40 01 02 00 00", NLRI,
	    ATTR_DISCARD, BGP_ERR_UPD_ATTR_LIST, NULL, P_BASE),
	ERR("unknown optional twice", 0, "", BASE "c0 63 01 01 c0 63 01 02", NLRI,
	    ATTR_DISCARD, BGP_ERR_UPD_ATTR_LIST, NULL, P_BASE),
	ERR("ORIGIN missing", 0, "", ASPATH NH, NLRI, WITHDRAW, BGP_ERR_UPD_MISSING, "01",
	    B(AS_PATH) | B(NEXT_HOP)),
	ERR("AS_PATH missing", 0, "", ORIGIN NH, NLRI, WITHDRAW, BGP_ERR_UPD_MISSING, "02",
	    0),
	ERR("NEXT_HOP missing", 0, "", ORIGIN ASPATH, NLRI, WITHDRAW, BGP_ERR_UPD_MISSING,
	    "03", 0),
	ERR("all three missing: the first named", 0, "", "c0 08 04 fd e9 00 64", NLRI,
	    WITHDRAW, BGP_ERR_UPD_MISSING, "01", 0),
	ERR("ORIGIN missing with MP_REACH_NLRI", 0, "", ASPATH MPREACH6, "", WITHDRAW,
	    BGP_ERR_UPD_MISSING, "01", 0),
	OK_("NEXT_HOP not needed with only MP_REACH_NLRI", 0, "", ORIGIN ASPATH MPREACH6,
	    "", 0),

	/* ---- framing of the section: §4 ---- */
	ERR("attribute overruns the section", 0, "", BASE "c0 08 08 fd e9 00 64", NLRI,
	    WITHDRAW, BGP_ERR_UPD_ATTR_LIST, "c0 08 08 fd e9 00 64", P_BASE),
	ERR("extended length overruns the section", 0, "", BASE "d0 08 01 00 fd e9", NLRI,
	    WITHDRAW, BGP_ERR_UPD_ATTR_LIST, NULL, P_BASE),
	ERR("MP_REACH_NLRI overruns the section: its NLRI is lost", 0, "",
	    ORIGIN ASPATH "80 0e 20 00 02 01", "", RESET, BGP_ERR_UPD_ATTR_LIST, NULL, 0),
	ERR("one octet left for a header", 0, "", BASE "c0", NLRI, WITHDRAW,
	    BGP_ERR_UPD_ATTR_LIST, "c0", P_BASE),
	ERR("two octets left for a header", 0, "", BASE "c0 08", NLRI, WITHDRAW,
	    BGP_ERR_UPD_ATTR_LIST, "c0 08", P_BASE),
	ERR("three octets left with extended length", 0, "", BASE "d0 08 00", NLRI,
	    WITHDRAW, BGP_ERR_UPD_ATTR_LIST, "d0 08 00", P_BASE),

	/* ---- no reachable NLRI: §5.2 turns treat-as-withdraw into reset ---- */
	ERR("bad ORIGIN without NLRI", 0, "", "40 01 01 07 " ASPATH NH, "", RESET,
	    BGP_ERR_UPD_ORIGIN, "40 01 01 07", 0),
	ERR("bad COMMUNITIES with withdrawals only", 0, "08 0a", BASE "c0 08 01 00", "",
	    RESET, BGP_ERR_UPD_LENGTH, "c0 08 01 00", 0),
	ERR("bad ORIGIN with MP_UNREACH_NLRI only", 0, "", "40 01 01 07 " MPUNREACH6, "",
	    RESET, BGP_ERR_UPD_ORIGIN, NULL, 0),
	ERR("overrun without NLRI", 0, "", BASE "c0 08 08 00", "", RESET,
	    BGP_ERR_UPD_ATTR_LIST, NULL, 0),
	ERR("a discard without NLRI stays a discard", 0, "", BASE "40 06 01 00", "",
	    ATTR_DISCARD, BGP_ERR_UPD_LENGTH, NULL, P_BASE),

	/* ---- several errors: the strongest wins (§3 h) ---- */
	ERR("discard then treat-as-withdraw", 0, "", BASE "40 06 01 00 c0 08 01 00", NLRI,
	    WITHDRAW, BGP_ERR_UPD_LENGTH, "c0 08 01 00", P_BASE),
	ERR("treat-as-withdraw then discard", 0, "", BASE "c0 08 01 00 40 06 01 00", NLRI,
	    WITHDRAW, BGP_ERR_UPD_LENGTH, "c0 08 01 00", P_BASE),
	ERR("treat-as-withdraw then reset", 0, "", "40 01 01 07 " ASPATH MPREACH6 MPREACH6,
	    "", RESET, BGP_ERR_UPD_ATTR_LIST, "", 0),
	ERR("two discards: the first named", 0, "", BASE "40 06 01 00 c0 07 00", NLRI,
	    ATTR_DISCARD, BGP_ERR_UPD_LENGTH, "40 06 01 00", P_BASE),

	/* ---- the three fields: RFC 4271 §6.3, RFC 7606 §3 b, §5.3 ---- */
	RAW("empty body", "", BGP_ERR_UPD_ATTR_LIST),
	RAW("one octet", "00", BGP_ERR_UPD_ATTR_LIST),
	RAW("no attribute length", "00 00", BGP_ERR_UPD_ATTR_LIST),
	RAW("half an attribute length", "00 00 00", BGP_ERR_UPD_ATTR_LIST),
	RAW("withdrawn length overruns", "00 05 08 0a 00 00", BGP_ERR_UPD_ATTR_LIST),
	RAW("attribute length overruns", "00 00 00 10 40 01 01 00", BGP_ERR_UPD_ATTR_LIST),
	RAW("withdrawn + attribute lengths overrun", "00 02 08 0a 00 05 40 01 01 00",
	    BGP_ERR_UPD_ATTR_LIST),
	ERR("NLRI prefix /33", 0, "", BASE, "21 0a 00 00 00 00", RESET,
	    BGP_ERR_UPD_NETWORK, "", 0),
	ERR("NLRI prefix cut", 0, "", BASE, "18 c0 00", RESET, BGP_ERR_UPD_NETWORK, "", 0),
	ERR("NLRI trailing length octet", 0, "", BASE, "08 0a 18", RESET,
	    BGP_ERR_UPD_NETWORK, "", 0),
	ERR("NLRI without ADD-PATH ids when negotiated", ADDPATH, "", BASE, "08 0a 08 0b",
	    RESET, BGP_ERR_UPD_NETWORK, "", 0),
	ERR("withdrawn prefix /33", 0, "21 0a 00 00 00 00", "", "", RESET,
	    BGP_ERR_UPD_NETWORK, "", 0),
	ERR("withdrawn prefix cut", 0, "10 0a", "", "", RESET, BGP_ERR_UPD_NETWORK, "", 0),
};

/* ---- End-of-RIB (RFC 4724 §2) ---------------------------------------- */

static const struct vec eor_vecs[] = {
	{ "IPv4 unicast: empty UPDATE", 0, "", "", "", BGP_TIER_OK, 0, 0, NULL, 0, NULL, 1 },
	{ "IPv6 unicast: empty MP_UNREACH", 0, "", "80 0f 03 00 02 01", "", BGP_TIER_OK,
	  0, 0, NULL, 0, NULL, 2 },
	{ "IPv6 unicast, extended length form", 0, "", "90 0f 00 03 00 02 01", "",
	  BGP_TIER_OK, 0, 0, NULL, 0, NULL, 2 },
	{ "VPNv4: empty MP_UNREACH", 0, "", "80 0f 03 00 01 80", "", BGP_TIER_OK, 0, 0,
	  NULL, 0, NULL, 1 },
	{ "not with another attribute", 0, "", "80 0f 03 00 02 01 " ORIGIN, "",
	  BGP_TIER_OK, 0, 0, NULL, 0, NULL, 0 },
	{ "not with an unknown attribute", 0, "", "80 0f 03 00 02 01 c0 63 00", "",
	  BGP_TIER_OK, 0, 0, NULL, 0, NULL, 0 },
	{ "not with a prefix in it", 0, "", MPUNREACH6, "", BGP_TIER_OK, 0, 0, NULL, 0,
	  NULL, 0 },
	{ "not with withdrawals", 0, "08 0a", "80 0f 03 00 02 01", "", BGP_TIER_OK, 0, 0,
	  NULL, 0, NULL, 0 },
	{ "not with withdrawals only", 0, "08 0a", "", "", BGP_TIER_OK, 0, 0, NULL, 0,
	  NULL, 0 },
};

/* ---- running a row ------------------------------------------------------ */

static uint8_t body[8192], scratch[BGP_ATTR_SCRATCH(8192)];

static struct bgp_codec_ctx vec_ctx(unsigned flags)
{
	struct bgp_codec_ctx c = {
		.as4 = !(flags & AS2),
		.ebgp = (flags & EBGP) != 0,
		.addpath = { (flags & ADDPATH) != 0, (flags & ADDPATH) != 0 },
		.max_len = BGP_MAX_LEN,
	};
	return c;
}

static size_t vec_body(const struct vec *v)
{
	uint8_t tmp[4096];
	size_t n = 0, k;

	if (v->raw)
		return hex(v->raw, body, sizeof body);
	k = hex(v->withdrawn, tmp, sizeof tmp);
	body[n++] = (uint8_t)(k >> 8);
	body[n++] = (uint8_t)k;
	memcpy(body + n, tmp, k);
	n += k;
	k = hex(v->attrs, tmp, sizeof tmp);
	body[n++] = (uint8_t)(k >> 8);
	body[n++] = (uint8_t)k;
	memcpy(body + n, tmp, k);
	n += k;
	return n + hex(v->nlri, body + n, sizeof body - n);
}

/* encode(decode(x)) decodes to the same: the MP attributes first, then
 * the rest. */
static void vec_round_trip(const struct bgp_update *u, const struct bgp_codec_ctx *c)
{
	static uint8_t attrs[8192], msg[8192], scratch2[BGP_ATTR_SCRATCH(8192)];
	struct wbuf a = wbuf_make(attrs, sizeof attrs), w = wbuf_make(msg, sizeof msg);
	const struct bgp_attrs *x = &u->attrs;
	struct bgp_update v;
	struct bgp_err e;
	struct bgp_attrs want = *x;

	if (x->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI))
		bgp_attr_put_mp_reach(&a, x->mp_reach.afi, x->mp_reach.safi,
		    x->mp_reach.next_hop.p, x->mp_reach.next_hop.len,
		    x->mp_reach.nlri.p, x->mp_reach.nlri.len);
	if (x->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI))
		bgp_attr_put_mp_unreach(&a, x->mp_unreach.afi, x->mp_unreach.safi,
		    x->mp_unreach.nlri.p, x->mp_unreach.nlri.len);
	bgp_attrs_encode(&a, x, c);
	size_t n = bgp_update_encode(&w, BGP_MAX_LEN, u->withdrawn.p, u->withdrawn.len,
	    attrs, a.len, u->nlri.p, u->nlri.len);
	ck_assert(n > 0);
	ck_assert(bgp_update_decode(msg + BGP_HEADER_LEN, n - BGP_HEADER_LEN, c,
	    scratch2, sizeof scratch2, &v, &e));
	ck_assert_msg(e.tier == BGP_TIER_OK, "re-decoded: %s", e.why);
	/* Non-transitive unknown attributes are not passed on. */
	want.unknown_count = 0;
	for (size_t i = 0; i < x->unknown_count; i++)
		if (x->unknown[i].flags & BGP_ATTR_F_TRANSITIVE)
			want.unknown[want.unknown_count++] = x->unknown[i];
	ck_assert(bgp_attrs_equal(&want, &v.attrs));
}

static void check_data(const struct vec *v, const struct bgp_err *e)
{
	uint8_t want[256];
	size_t n;

	if (v->data == NULL)
		return;
	n = hex(v->data, want, sizeof want);
	ck_assert_msg(e->data_len == n, "%s: data length %u, want %zu", v->name,
	    e->data_len, n);
	ck_assert_msg(memcmp(e->data, want, n) == 0, "%s: data differs", v->name);
}

START_TEST(test_update_vectors)
{
	const struct vec *v = &vecs[_i];
	struct bgp_codec_ctx c = vec_ctx(v->ctx);
	size_t n = vec_body(v);
	struct bgp_update u;
	struct bgp_err e;
	bool ok = bgp_update_decode(body, n, &c, scratch, sizeof scratch, &u, &e);

	ck_assert_msg(e.tier == v->tier, "%s: tier %d (%s), want %d", v->name, e.tier,
	    e.why ? e.why : "-", v->tier);
	ck_assert_msg(ok == (v->tier != BGP_TIER_RESET), "%s: returned %d", v->name, ok);
	if (v->tier != BGP_TIER_OK) {
		ck_assert_msg(e.code == v->code && e.subcode == v->subcode,
		    "%s: %u/%u (%s), want %u/%u", v->name, e.code, e.subcode, e.why,
		    v->code, v->subcode);
		ck_assert_ptr_nonnull(e.why);
	}
	check_data(v, &e);
	ck_assert_int_eq(u.treat_as_withdraw, v->tier == BGP_TIER_WITHDRAW);
	if (ok && v->present)
		ck_assert_msg(u.attrs.present == v->present, "%s: present %llx, want %llx",
		    v->name, (unsigned long long)u.attrs.present,
		    (unsigned long long)v->present);
	if (ok && v->tier == BGP_TIER_OK)
		vec_round_trip(&u, &c);
}
END_TEST

START_TEST(test_update_eor)
{
	const struct vec *v = &eor_vecs[_i];
	struct bgp_codec_ctx c = vec_ctx(v->ctx);
	size_t n = vec_body(v);
	struct bgp_update u;
	struct bgp_err e;

	ck_assert(bgp_update_decode(body, n, &c, scratch, sizeof scratch, &u, &e));
	ck_assert_int_eq(e.tier, BGP_TIER_OK);
	ck_assert_msg(u.end_of_rib == (v->eor_afi != 0), "%s", v->name);
	if (v->eor_afi)
		ck_assert_uint_eq(u.eor_afi, v->eor_afi);
}
END_TEST

/* What survives of a row, beyond tier and code. */
START_TEST(test_update_kept_values)
{
	static const struct vec first = OK_("", 0, "", BASE "40 01 01 02", NLRI, 0);
	static const struct vec unk = OK_("", 0, "",
	    BASE "80 64 01 00 c0 63 02 ab cd d0 c8 00 01 ee", NLRI, 0);
	struct bgp_codec_ctx c = vec_ctx(0);
	struct bgp_update u;
	struct bgp_err e;
	size_t n = vec_body(&first);

	ck_assert(bgp_update_decode(body, n, &c, scratch, sizeof scratch, &u, &e));
	ck_assert_uint_eq(u.attrs.origin, BGP_ORIGIN_IGP);      /* the first one */
	n = vec_body(&unk);
	ck_assert(bgp_update_decode(body, n, &c, scratch, sizeof scratch, &u, &e));
	ck_assert_int_eq(e.tier, BGP_TIER_OK);
	/* Sorted by type; Extended Length dropped; transitive ones Partial. */
	ck_assert_uint_eq(u.attrs.unknown_count, 3);
	ck_assert_uint_eq(u.attrs.unknown[0].type, 0x63);
	ck_assert_uint_eq(u.attrs.unknown[0].flags, 0xe0);
	ck_assert_uint_eq(u.attrs.unknown[1].type, 0x64);
	ck_assert_uint_eq(u.attrs.unknown[1].flags, 0x80);
	ck_assert_uint_eq(u.attrs.unknown[2].type, 0xc8);
	ck_assert_uint_eq(u.attrs.unknown[2].flags, 0xe0);
}
END_TEST

static Suite *update_suite(void)
{
	Suite *s = suite_create("bgp_update");
	TCase *tc = tcase_create("decode");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_update_vectors, 0, sizeof vecs / sizeof vecs[0]);
	tcase_add_loop_test(tc, test_update_eor, 0, sizeof eor_vecs / sizeof eor_vecs[0]);
	tcase_add_test(tc, test_update_kept_values);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(update_suite());
}
