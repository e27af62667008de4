/*
 * show_tables.c — the tables of `muxctl show`: sessions, views, instances,
 * clients, events and status, each from its API answer (GET /api/v1/…);
 * muxctl.c asks, these print.
 */
#include "muxctl/show_tables.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "muxctl/show_process.h"
#include "muxctl/table.h"

/* ---- cell helpers ------------------------------------------------------------ */

/* secs as h:m:s; none: "-", or 00:00:00 for what is up (under a second) */
static const char *duration(long long secs, bool up, char *buf, size_t len)
{
	if (secs <= 0)
		snprintf(buf, len, "%s", up ? "00:00:00" : "-");
	else if (secs >= 86400)
		snprintf(buf, len, "%lldd%02lldh", secs / 86400, secs % 86400 / 3600);
	else
		snprintf(buf, len, "%02lld:%02lld:%02lld", secs / 3600, secs % 3600 / 60, secs % 60);
	return buf;
}

/* ---- show ------------------------------------------------------------------ */

/* "ipv4-unicast,ipv6-unicast", "-" for none yet. */
static const char *families(const json_t *s, char *buf, size_t len)
{
	size_t i, n = 0;
	json_t *f;

	buf[0] = '\0';
	json_array_foreach(json_object_get(s, "families"), i, f)
		if (json_is_string(f) && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "",
			    json_string_value(f));
	return buf[0] ? buf : "-";
}

void show_sessions(const json_t *arr)
{
	char fams[128];
	static const char *const h[] = { "Id", "Kind", "State", "Uptime", "Neighbor", "AS",
		"Families", "Ports", "Rx upd", "Tx upd", "Info", NULL };
	struct table *t = table_new(h);
	size_t i;
	json_t *s;
	char up[32];

	json_array_foreach(arr, i, s) {
		table_cell(t, "%s", json_cell_str(s, "id"));
		table_cell(t, "%s", json_cell_str(s, "kind"));
		table_cell(t, "%s", json_cell_str(s, "state"));
		table_cell(t, "%s", duration(json_cell_num(s, "uptime"),
		    strcmp(json_cell_str(s, "state"), "Established") == 0, up, sizeof up));
		table_cell(t, "%s", json_cell_str(s, "neighbor"));
		table_cell(t, "%lld", json_cell_num(s, "neighbor_as"));
		table_cell(t, "%s", families(s, fams, sizeof fams));
		table_cell(t, "%lld>%lld", json_cell_num(s, "local_port"), json_cell_num(s, "remote_port"));
		table_cell(t, "%lld", json_cell_num(json_object_get(s, "messages_received"), "update"));
		table_cell(t, "%lld", json_cell_num(json_object_get(s, "messages_sent"), "update"));
		table_cell(t, "%s", json_cell_str(s, "last_error"));
		table_row(t);
	}
	table_print(t, stdout);
	table_free(t);
}

void show_views(const json_t *arr)
{
	static const char *const h[] = { "Name", "State", "Neighbor", "AS", "IPv4 paths",
		"IPv6 paths", "Updates", "Upd/s", "Flaps", NULL };
	struct table *t = table_new(h);
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		json_t *p = json_object_get(v, "paths");
		table_cell(t, "%s", json_cell_str(v, "name"));
		table_cell(t, "%s", json_cell_str(v, "state"));
		table_cell(t, "%s", json_cell_str(v, "address"));
		table_cell(t, "%lld", json_cell_num(v, "asn"));
		table_cell(t, "%lld", json_cell_num(p, "ipv4"));
		table_cell(t, "%lld", json_cell_num(p, "ipv6"));
		table_cell(t, "%lld", json_cell_num(v, "updates"));
		table_cell(t, "%.1f", json_number_value(json_object_get(v, "update_rate")));
		table_cell(t, "%lld", json_cell_num(v, "flaps"));
		table_row(t);
	}
	table_print(t, stdout);
	table_free(t);
}

void show_instances(const json_t *arr)
{
	static const char *const h[] = { "Name", "Address", "Port", "Local AS", "Next hop",
		"Clients", "Established", NULL };
	struct table *t = table_new(h);
	size_t i, k;
	json_t *in, *c;

	json_array_foreach(arr, i, in) {
		size_t up = 0;
		json_array_foreach(json_object_get(in, "clients"), k, c)
			up += strcmp(json_cell_str(c, "state"), "Established") == 0;
		table_cell(t, "%s", json_cell_str(in, "name"));
		table_cell(t, "%s", json_cell_str(in, "address"));
		table_cell(t, "%lld", json_cell_num(in, "port"));
		table_cell(t, "%lld", json_cell_num(in, "local_as"));
		table_cell(t, "%s", json_cell_str(in, "next_hop"));
		table_cell(t, "%zu", json_array_size(json_object_get(in, "clients")));
		table_cell(t, "%zu", up);
		table_row(t);
	}
	table_print(t, stdout);
	table_free(t);
}

/* "isp-a:Established isp-b:Idle" */
static char *client_states(const json_t *c)
{
	json_t *arr = json_array(), *s;
	size_t i;
	char buf[160];

	json_array_foreach(json_object_get(c, "instances"), i, s) {
		snprintf(buf, sizeof buf, "%s:%s", json_cell_str(s, "instance"), json_cell_str(s, "state"));
		json_array_append_new(arr, json_string(buf));
	}
	char *out = json_cell_joined(arr, " ");
	json_decref(arr);
	return out;
}

void show_clients(const json_t *arr)
{
	static const char *const h[] = { "Name", "Source", "Address", "AS", "Upstreams",
		"Prefixes", "Expires in", "State", NULL };
	struct table *t = table_new(h);
	size_t i;
	json_t *c;
	char buf[32];

	json_array_foreach(arr, i, c) {
		char *ups = json_cell_joined(json_object_get(c, "upstreams"), ",");
		char *pfx = json_cell_joined(json_object_get(c, "prefixes"), ",");
		char *st = client_states(c);
		long long exp = json_cell_num(c, "expires_at");
		table_cell(t, "%s", json_cell_str(c, "name"));
		table_cell(t, "%s", json_cell_str(c, "source"));
		table_cell(t, "%s", json_cell_str(c, "address"));
		table_cell(t, "%lld", json_cell_num(c, "asn"));
		table_cell(t, "%s", ups);
		table_cell(t, "%s", pfx);
		table_cell(t, "%s", exp ? duration(exp - (long long)time(NULL), false, buf, sizeof buf) : "never");
		table_cell(t, "%s", st);
		table_row(t);
		free(ups);
		free(pfx);
		free(st);
	}
	table_print(t, stdout);
	table_free(t);
}

void show_events(const json_t *page)
{
	static const char *const h[] = { "Time", "Peer", "Session", "Change", "Reason", NULL };
	struct table *t = table_new(h);
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(page, "events"), i, e) {
		time_t secs = (time_t)(json_cell_num(e, "time_ms") / 1000);
		struct tm tm;
		char when[32];
		gmtime_r(&secs, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		table_cell(t, "%s.%03lld", when, json_cell_num(e, "time_ms") % 1000);
		table_cell(t, "%s", json_cell_str(e, "peer"));
		table_cell(t, "%lld", json_cell_num(e, "session"));
		table_cell(t, "%s -> %s", json_cell_str(e, "old_state"), json_cell_str(e, "new_state"));
		table_cell(t, "%s", json_cell_str(e, "reason"));
		table_row(t);
	}
	table_print(t, stdout);
	table_free(t);
}

/* "Established 3, Idle 1": sessions by state, in the FSM's order. */
static void session_states(const json_t *by, char *buf, size_t len)
{
	static const char *const order[] = { "Established", "OpenConfirm", "OpenSent",
		"Active", "Connect", "Idle" };
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof order / sizeof order[0] && n < len; i++) {
		long long k = json_cell_num(by, order[i]);
		if (k > 0)
			n += (size_t)snprintf(buf + n, len - n, "%s%s %lld", n ? ", " : "",
			    order[i], k);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
}

static const char *yes_no(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key)) ? "yes" : "no";
}

void show_status(const json_t *st)
{
	static const char *const h[] = { "AS", "Router id", "Uptime", "Peers", "Views",
		"Instances", "Clients", "Provisioned", "Sessions", "Writes", "Store",
		"Generation", "Upgraded", NULL };
	struct table *t = table_new(h);
	char up[32], states[256], upgraded[48];

	session_states(json_object_get(st, "sessions"), states, sizeof states);
	table_cell(t, "%lld", json_cell_num(st, "asn"));
	table_cell(t, "%s", json_cell_str(st, "router_id"));
	table_cell(t, "%s", duration(json_cell_num(st, "uptime"), false, up, sizeof up));
	table_cell(t, "%lld", json_cell_num(st, "peers"));
	table_cell(t, "%lld", json_cell_num(st, "views"));
	table_cell(t, "%lld", json_cell_num(st, "instances"));
	table_cell(t, "%lld", json_cell_num(st, "clients"));
	table_cell(t, "%lld", json_cell_num(st, "clients_provisioned"));
	table_cell(t, "%s", states);
	table_cell(t, "%s", yes_no(st, "writable"));
	table_cell(t, "%s", yes_no(st, "store"));
	table_cell(t, "%lld", json_cell_num(st, "generation"));
	table_cell(t, "%s", show_upgraded_at(st, upgraded, sizeof upgraded));
	table_row(t);
	table_print(t, stdout);
	table_free(t);
}
