/*
 * monitors.h — the monitors muxd runs beside the instances, as the
 * configuration asks: MRT archives ("mrt", mrt_writer.h) and BMP export
 * ("bmp", bmp.h). Each subscribes to every view's feed.
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): monitors_free
 * frees it before it returns.
 */
#ifndef BGPMUX_MONITORS_H
#define BGPMUX_MONITORS_H

#include "muxd/config/config.h"
#include "views/feed.h"

struct event_base;
struct monitors;

struct monitors *monitors_new(struct event_base *base, const struct config *cfg,
    const char *hostname);
/* Finishes the MRT updates file, sends BMP Termination. NULL is fine. */
void monitors_free(struct monitors *m);

void monitors_add_view(struct monitors *m, const char *view, struct feed *feed);
/* Before the view is freed. */
void monitors_remove_view(struct monitors *m, struct feed *feed);
/* A reload: a monitor whose settings changed starts again (BMP collectors
 * reconnect and get everything; a new MRT updates file begins). */
void monitors_reconfigure(struct monitors *m, const struct config *cfg);

#endif
