/*
 * upgrade_sessions.h — sessions and views across an upgrade in place
 * (muxd/upgrade.h). The old process (upgrade_sessions.c) freezes every
 * session, lets it write what it queued, and hands over each Established
 * one with its view's table; the new one (upgrade_adopt.c) fills each
 * view from its table and adopts its sessions before anything starts, so
 * that no neighbor sees an OPEN, a NOTIFICATION or an UPDATE of the
 * upgrade's making.
 */
#ifndef BGPMUX_UPGRADE_SESSIONS_H
#define BGPMUX_UPGRADE_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

struct daemon;
struct handover_state;
struct instance;
struct upgrade_fds;
struct view;

/* The old process: upgrade_ops's freeze, queued, export and release, arg
 * the daemon. */
void upgrade_sessions_freeze(bool freeze, void *arg);
size_t upgrade_sessions_queued(void *arg);
void upgrade_sessions_export(struct handover_state *st, struct upgrade_fds *fds, void *arg);
void upgrade_sessions_release(struct handover_state *st, void *arg);

/* The new process, with d->takeover: v's table and sessions, before v
 * starts (and after the gateway gave it its own routes: nothing is sent
 * for them then); inst's clients' sessions, once its clients exist.
 * Nothing without a takeover. */
void upgrade_adopt_view(struct daemon *d, struct view *v);
void upgrade_adopt_clients(struct daemon *d, struct instance *inst);

#endif
