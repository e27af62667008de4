/*
 * bgp_multisession.h — the numbers of the two multisession dialects, in
 * one place: the IETF capability 68 (draft-ietf-idr-bgp-multisession) and
 * Cisco's pre-standard capability 131.
 *
 * What each number rests on (draft section, IANA registry, observed
 * router) and what could not be confirmed is in docs/multisession.md;
 * read it before changing a value here.
 */
#ifndef BGPMUX_BGP_MULTISESSION_H
#define BGPMUX_BGP_MULTISESSION_H

/* ---- IETF capability 68: flags octet, then (-04) an optional port ---- */

/* G, "grouping": this speaker accepts several AFI/SAFIs on one session.
 * Bit 0 (the most significant) of the flags octet in every version. */
#define BGP_MS_FLAG_GROUPING        0x80
/* R, "redirect" (-04 on): a 2-octet TCP port follows the flags octet.
 * Only the passive speaker (the port-179 end) may set it. Bit 1. */
#define BGP_MS_FLAG_REDIRECT        0x40
#define BGP_MS_FLAGS_LEN            1       /* the smallest valid value */
#define BGP_MS_PORT_LEN             2       /* with R, after the flags */

/* ---- Cisco capability 131: exactly one flags octet ---- */

#define BGP_MS_CISCO_LEN            1
#define BGP_MS_CISCO_FLAGS_IOS      0x00    /* what IOS sends (vectors V2) */

/* ---- OPEN Message Error subcodes ---- */

/* The drafts left these TBD and IANA lists 8, 9 and 10 as deprecated.
 * Draft -06 numbers them as below (ExaBGP 4.2 names them so, citing -06,
 * and sends 8 and 9); Cisco IOS sends 8 when no AFI/SAFI is in common,
 * which Wireshark calls "No supported AFI/SAFI (Cisco)". */
#define BGP_ERR_OPEN_MS_GROUPING_CONFLICT   8   /* -06; Cisco: No Supported AFI/SAFI */
#define BGP_ERR_OPEN_MS_GROUPING_REQUIRED   9   /* -06 */
#define BGP_ERR_OPEN_MS_VALUE_MISMATCH      10  /* -06: Capability Value Mismatch */
/* What we send when the neighbor offers no family we can answer: the
 * same 8, the one subcode both dialects read as "no family in common". */
#define BGP_ERR_OPEN_MS_NO_AFI_SAFI         BGP_ERR_OPEN_MS_GROUPING_CONFLICT

/* -06/-07: after the flags octet, the codes of the capabilities whose
 * values define a session (the "Session Id"; none means {1},
 * multiprotocol). ExaBGP puts each octet in a capability 68 of its own;
 * both forms are read. At most this many are kept. */
#define BGP_MS_MAX_SESSION_CAPS     8

/* -04's two redirect errors never got a number from IANA. Rather than
 * squat on an unassigned value, we send them as Unspecific (2/0), which
 * RFC 4271 allows for any OPEN error without a subcode of its own. */
#define BGP_ERR_OPEN_MS_REDIRECTING_NOW     0   /* Redirecting Now */
#define BGP_ERR_OPEN_MS_REDIRECT_REQUIRED   0   /* Redirect Required */

#endif
