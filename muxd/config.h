/*
 * config.h — the JSON configuration, validated into plain structs.
 *
 * Every error names the JSON path at fault ("$.peers[1].peer.asn: …").
 * Unknown keys and wrong types are errors. The structs own their strings;
 * config_free releases everything.
 */
#ifndef BGPMUX_CONFIG_H
#define BGPMUX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp_open.h"
#include "muxd/jsonv.h"
#include "muxd/log.h"
#include "muxd/sockaddr.h"

enum addpath_mode { ADDPATH_OFF = 0, ADDPATH_RECEIVE = 1, ADDPATH_SEND = 2,
                    ADDPATH_BOTH = 3 };

/* One BGP neighbor: everything the session layer needs to reach it. */
struct neighbor_config {
	char *name;
	struct sockaddr_mux remote;     /* peer.address + peer.port */
	uint32_t remote_as;             /* peer.asn */
	struct sockaddr_mux local;      /* local_address (port 0) */
	bool has_local;
	bool passive;
	uint16_t hold_time;
	uint16_t connect_retry;         /* seconds */
	struct bgp_family families[BGP_MAX_FAMILIES];
	uint8_t family_count;
	char *password;                 /* TCP-MD5, NULL without */
	bool ttl_security;              /* GTSM, RFC 5082 */
	enum addpath_mode add_path;
};

struct config {
	uint32_t asn;
	uint32_t router_id;             /* host byte order */
	char *state_dir;
	uint16_t listen_port;
	enum log_level log_level;
	struct neighbor_config *peers;
	size_t peer_count;
};

/* Parse and validate. On failure returns NULL and fills errs (one line
 * per error, each naming its JSON path). */
struct config *config_load_file(const char *path, struct jsonv *errs);
struct config *config_load_string(const char *json, struct jsonv *errs);
void config_free(struct config *c);

/* True when two neighbor settings would produce the same session, so a
 * reload can leave it up. */
bool neighbor_config_equal(const struct neighbor_config *a,
    const struct neighbor_config *b);

/* "ipv4-unicast" ⇄ family. */
bool family_parse(const char *s, struct bgp_family *f);
const char *family_name(struct bgp_family f);

#endif
