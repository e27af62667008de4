/*
 * config_parse.h — what the configuration's readers share (config.c,
 * config_neighbor.c, config_client.c, config_print.c): the readers of each
 * section, the keys that neighbors and clients both have, their defaults
 * and the names of their enums. Inside muxd/config only; the structs and
 * the public functions are in config.h.
 */
#ifndef BGPMUX_CONFIG_PARSE_H
#define BGPMUX_CONFIG_PARSE_H

#include <jansson.h>

#include "muxd/config/config.h"
#include "muxd/config/jsonv.h"

#define CONFIG_HOLD_TIME_DEFAULT 90
#define CONFIG_CONNECT_RETRY_DEFAULT 30

/* "add_path" values in enum addpath_mode's order, NULL-terminated. */
extern const char *const config_addpath_modes[];

/* "peers", "upstreams" (each under the gateway's asn for its instance's
 * default local_as) and "clients" of root into c. */
void config_parse_peers(struct jsonv *v, json_t *root, struct config *c);
void config_parse_upstreams(struct jsonv *v, json_t *root, struct config *c);
void config_parse_clients(struct jsonv *v, json_t *root, struct config *c);

/* Keys of a neighbor that a client has too. */
void config_parse_hold_time(struct jsonv *v, const char *path, json_t *obj,
    uint16_t *out);
/* "password" copied (NULL without); at most 80 bytes (TCP-MD5). */
char *config_parse_password(struct jsonv *v, const char *path, json_t *obj);
enum ms_mode config_parse_ms_mode(struct jsonv *v, const char *path, json_t *obj);
/* "ADDR:PORT" or "[V6]:PORT" (as "api.listen" and "export.listen"). */
bool config_parse_listen(const char *s, struct sockaddr_mux *out);

/* config_export.c: "export" and "view_host" (before the upstreams, whose
 * keys depend on them), then their checks across sections (after). */
void config_parse_roles(struct jsonv *v, json_t *root, struct config *c);
void config_check_roles(struct jsonv *v, const struct config *c);
/* An instance host's upstream: an error for each key of its session
 * there; true when there is none. */
bool config_upstream_session_keys(struct jsonv *v, const char *path, json_t *obj);

#endif
