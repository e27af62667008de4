/*
 * config_check.h — operator errors a configuration can hold although every
 * value in it is well formed: settings that would make muxd run but never
 * work (a session that loops OpenSent → Active forever, an instance that
 * takes an upstream's connections, a client that can never reach its
 * instance). Each becomes an error naming its JSON path, at start, at
 * --check-config and at a reload (which then keeps the running
 * configuration).
 */
#ifndef BGPMUX_CONFIG_CHECK_H
#define BGPMUX_CONFIG_CHECK_H

#include <stdint.h>

#include "muxd/config/config.h"
#include "muxd/config/jsonv.h"

/* RFC 6793's AS_TRANS: the 2-octet stand-in for a 4-octet AS, never an AS
 * of its own. */
#define BGP_AS_TRANS 23456

/* An error at path.key if the AS number there is AS_TRANS. */
void config_check_asn_key(struct jsonv *v, const char *path, const char *key,
    uint64_t asn);

/* The checks across peers, upstreams, instances and clients (c parsed
 * without errors so far, or with some: each check looks only at what was
 * read). */
void config_check_conflicts(struct jsonv *v, const struct config *c);

#endif
