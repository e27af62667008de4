/*
 * daemon.h — muxd's event loop wiring: configuration, listeners, peers,
 * signals (SIGTERM shuts down, SIGHUP reloads, SIGUSR1 dumps routes,
 * SIGUSR2 upgrades in place: muxd/upgrade.h).
 */
#ifndef BGPMUX_DAEMON_H
#define BGPMUX_DAEMON_H

#include "muxd/config/config.h"

#include <sys/types.h>

struct upgrade_takeover;

/* What main prepared before the daemon starts. */
struct daemon_start {
	int lock_fd;                    /* the state lock (statelock.h) */
	int launcher_fd;                /* upgrade_launcher.h; -1: none */
	pid_t launcher_pid;
	struct upgrade_takeover *takeover;      /* --takeover, else NULL */
};

/* Runs until SIGTERM/SIGINT or an upgrade hands over; takes ownership of
 * cfg. Returns the exit status for main. */
int daemon_run(struct config *cfg, const char *config_path,
    const struct daemon_start *start);

#endif
