/*
 * dp_kernel.h — the data plane's kernel ops (dataplane/dataplane.h's
 * struct dp_kernel_ops) on a muxd/kernel socket: the composition root
 * wires them (muxd/dp_host.c).
 */
#ifndef BGPMUX_DP_KERNEL_H
#define BGPMUX_DP_KERNEL_H

#include "dataplane/dataplane.h"
#include "muxd/kernel/knl.h"

struct dp_kernel;

/* The ops' arg; nl is borrowed. */
struct dp_kernel *dp_kernel_new(struct knl *nl);
/* Where refused routes are reported (dp_route_failed); NULL: logged only. */
void dp_kernel_set_dataplane(struct dp_kernel *k, struct dataplane *dp);
/* An upgrade in place: the macvlan name, which the previous muxd left
 * as this one would make it, is kept (link_add sets it up again, it is
 * not made); while adopting, an address or a rule the kernel already has
 * counts as added. */
void dp_kernel_keep_link(struct dp_kernel *k, const char *name);
void dp_kernel_adopting(struct dp_kernel *k, bool on);
/* Sends the queued route changes. */
void dp_kernel_flush(struct dp_kernel *k);
void dp_kernel_free(struct dp_kernel *k);

extern const struct dp_kernel_ops dp_kernel_ops;

#endif
