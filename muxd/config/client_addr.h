/*
 * client_addr.h — a client's "address": one address, or a range
 * "ADDRESS/LENGTH" whose every address may peer (config.h's
 * client_config.range_len). The matching functions are declared in
 * config.h, where the struct is.
 */
#ifndef BGPMUX_CLIENT_ADDR_H
#define BGPMUX_CLIENT_ADDR_H

#include "muxd/config/config.h"
#include "muxd/config/jsonv.h"

/* "ADDR" or "ADDR/LEN" (LEN 8 .. shorter than the address, no host bits
 * set) into cc->addr and cc->range_len; errors name path.address. */
void client_addr_parse(struct jsonv *v, const char *path, const char *text,
    struct client_config *cc);

#endif
