/*
 * synth.h — a synthetic IPv4 table for benchmarks, as UPDATEs in an
 * update list: n prefixes from 11.0.0.0 up to 100.0.0.0 (clear of 10/8
 * and 100.64/10), mostly /24s and some /21–/23, without overlap; about
 * 100 prefixes (50–150) share one attribute set (AS_PATH of 2–6 ASNs
 * starting with asn, 1–4 communities, MED on half, ORIGIN IGP on nine in
 * ten) and go in as few UPDATEs as they fit. Deterministic: the same
 * arguments give the same bytes.
 *
 * scattered: the same kind of table, its prefixes in a random order (each
 * attribute set's 50–150 prefixes drawn from all over the range), as BIRD
 * and GoBGP send a table in the order of their hash tables, not in prefix
 * order as a dump of a trie comes.
 */
#ifndef BGPMUX_TOOLS_SYNTH_H
#define BGPMUX_TOOLS_SYNTH_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/tools/lib/updates.h"

/* next_hop in host byte order; as4 is the session's AS_PATH encoding.
 * False when out of memory or the n prefixes do not fit (logged). */
bool synth_table(struct update_list *l, unsigned long n, uint32_t asn,
    uint32_t next_hop, bool as4, bool scattered);

#endif
