/*
 * show_tables.h — the tables of `muxctl show` (sessions, views,
 * instances, clients, events, status), each printed from its API answer.
 */
#ifndef MUXCTL_SHOW_TABLES_H
#define MUXCTL_SHOW_TABLES_H

#include <jansson.h>

void show_sessions(const json_t *arr);
void show_views(const json_t *arr);
void show_instances(const json_t *arr);
void show_clients(const json_t *arr);
void show_events(const json_t *page);
void show_status(const json_t *st);

#endif
