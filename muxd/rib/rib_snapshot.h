/*
 * rib_snapshot.h — an Adj-RIB-In as bytes, for an upgrade in place: the
 * new muxd starts with the very paths the old one held, so that nothing
 * is asked of the neighbor and nothing is sent again to anyone.
 *
 * Layout (big-endian): "RIBSNAP1", set count u32, path count u32; every
 * attribute set once — canonical bytes (attrset.h) length u32 and bytes,
 * next hop length u8 (0, 4, 16, 32) and bytes; then every path in the
 * rib's order — AFI u8 (1, 2), prefix length u8, path id u32, the
 * prefix's bytes (length rounded up to octets), set index u32.
 *
 * The reader checks every length and index, refuses a set whose bytes are
 * not canonical (they would intern as another set), and fills nothing it
 * has not checked: on refusal the rib is as it was.
 */
#ifndef BGPMUX_RIB_SNAPSHOT_H
#define BGPMUX_RIB_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/rib/adjrib.h"

/* The snapshot of rib, allocated (the caller frees it); its length in
 * *len. */
uint8_t *rib_snapshot_write(const struct adjrib *rib, size_t *len);

/* Announces every path of the snapshot into rib (empty, with store's
 * sets); *paths counts them. False with why, rib untouched. */
bool rib_snapshot_read(struct adjrib *rib, struct attrstore *store, const uint8_t *p,
    size_t len, size_t *paths, char *why, size_t why_len);

#endif
