/*
 * privdrop.h — least privilege: muxd, started as root, becomes the
 * configured "user" once its sockets and state are open, keeping only the
 * capabilities it still needs (docs/security.md).
 *
 * Kept: CAP_NET_BIND_SERVICE (a reload may add a listener on port 179);
 * CAP_NET_ADMIN only with "dataplane" (rtnetlink: routes, rules, links).
 * GTSM (IP_TTL, IP_MINTTL) and TCP-MD5 need no capability, so CAP_NET_RAW
 * goes with the rest. Every other capability leaves the bounding set too,
 * and no_new_privs is set: nothing muxd could ever run gets them back.
 */
#ifndef BGPMUX_PRIVDROP_H
#define BGPMUX_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

#include "muxd/config/config.h"

/* True when cfg's "user" (if any) names a user of this system; else false
 * with why, naming $.user. */
bool privdrop_check_user(const struct config *cfg, char *why, size_t why_len);

/* Becomes cfg->user when started as root with one; without a user, or
 * when not root, changes no identity (and says so in the log). Sets
 * no_new_privs in every case. state_dir and the files muxd makes there,
 * where root owns them, are given to the user, who writes there from now
 * on. False with why when
 * a step fails: muxd must not run on half-dropped. */
bool privdrop_apply(const struct config *cfg, char *why, size_t why_len);

#endif
