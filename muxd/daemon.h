/*
 * daemon.h — muxd's event loop wiring: configuration, listeners, peers,
 * signals (SIGTERM shuts down, SIGHUP reloads, SIGUSR1 dumps routes).
 */
#ifndef BGPMUX_DAEMON_H
#define BGPMUX_DAEMON_H

#include "muxd/config/config.h"

/* Runs until SIGTERM/SIGINT; takes ownership of cfg. Returns the exit
 * status for main. */
int daemon_run(struct config *cfg, const char *config_path);

#endif
