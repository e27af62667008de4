/*
 * ris_sub.h — RIS Live subscriptions: parsing a ris_subscribe's "data"
 * (or the same fields from a query string) and matching messages.
 *
 * Fields (all optional, null = absent): host, type, require
 * ("announcements" or "withdrawals"), peer (an address), path (an ASN, or
 * a pattern "^a,b,[c,d]$" with a leading "!" for negation — not a
 * regex), prefix (a CIDR or an array of them) with moreSpecific (default
 * true) and lessSpecific (default false), and socketOptions {includeRaw,
 * acknowledge}. Unknown fields or ill-typed values are errors, reported
 * to the client as ris_error.
 *
 * Matching rules, all of the given ones must hold:
 * - path: the pattern is a contiguous run of the message's AS path
 *   (anchored at the start with ^, at the end with $); a set item [a,b]
 *   matches an AS_SET of exactly those ASNs; a message without an AS path
 *   (one that announces nothing, or not an UPDATE) never matches a path
 *   filter, negated or not;
 * - prefix: some prefix of the message (announced or withdrawn) equals a
 *   filter prefix, or is more specific (moreSpecific) or less specific
 *   (lessSpecific) than one; a message without prefixes never matches;
 * - require: the message has that key (non-empty).
 */
#ifndef BGPMUX_RIS_SUB_H
#define BGPMUX_RIS_SUB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/ris_msg.h"

#define RIS_PATH_MAX 32         /* pattern items */
#define RIS_SET_MAX 16          /* ASNs in a pattern's set */
#define RIS_PREFIX_MAX 64       /* prefixes in one subscription */

enum ris_require { RIS_REQ_NONE = 0, RIS_REQ_ANNOUNCEMENTS, RIS_REQ_WITHDRAWALS };

struct ris_pattern_item {
	bool is_set;
	uint16_t n;                     /* 1 for an ASN */
	uint32_t asns[RIS_SET_MAX];     /* sorted */
};

struct ris_sub {
	char *host;                     /* NULL: any */
	enum ris_type type;             /* RIS_ANY: any */
	enum ris_require require;
	bool has_peer;
	uint16_t peer_afi;
	uint8_t peer_addr[16];
	bool has_path, path_negate, path_start, path_end;
	struct ris_pattern_item path[RIS_PATH_MAX];
	size_t path_len;
	struct bgp_prefix prefixes[RIS_PREFIX_MAX];
	size_t n_prefixes;
	bool more_specific, less_specific;
	bool include_raw, acknowledge;
	/* The subscription as given (without socketOptions), to find it
	 * again on ris_unsubscribe and echo it in ris_subscribe_ok. */
	json_t *spec;
};

/* Parse a ris_subscribe "data" object (NULL: subscribe to everything).
 * NULL with err (a message for ris_error) on a bad field. */
struct ris_sub *ris_sub_parse(const json_t *data, char *err, size_t errlen);
void ris_sub_free(struct ris_sub *s);

bool ris_sub_matches(const struct ris_sub *s, const struct ris_msg *m);

#endif
