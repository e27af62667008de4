/*
 * sdnotify.h — tells systemd how muxd is doing (Type=notify): READY=1 once
 * every listener is up, RELOADING=1 / READY=1 around a SIGHUP reload,
 * STOPPING=1 at shutdown. It speaks systemd's notification protocol
 * itself (one datagram on the AF_UNIX socket named by $NOTIFY_SOCKET,
 * sd_notify(3)); without $NOTIFY_SOCKET it does nothing.
 */
#ifndef BGPMUX_SDNOTIFY_H
#define BGPMUX_SDNOTIFY_H

#include <stdbool.h>

/* Sends state ("READY=1", "STOPPING=1"...; several lines may be joined by
 * '\n'); true when sent or when there is nobody to tell. A failure is
 * logged and never fatal: systemd then times the start out itself. */
bool sdnotify(const char *state);

#endif
