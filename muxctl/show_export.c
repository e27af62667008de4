/*
 * show_export.c — the export sessions as a table: the role first, then a
 * row per instance host (on a view host) or for the view host (on an
 * instance host).
 */
#include "muxctl/show_export.h"

#include <stdio.h>
#include <string.h>

#include "muxctl/table.h"

/* "ipv4-vpn both, ipv6-vpn both": ADD-PATH as negotiated, "-" when down. */
static const char *add_path_text(const json_t *ap, char *buf, size_t len)
{
	const char *fam;
	json_t *mode;
	size_t at = 0;

	buf[0] = '\0';
	json_object_foreach((json_t *)ap, fam, mode) {
		int w = snprintf(buf + at, len - at, "%s%s %s", at ? ", " : "", fam,
		    json_is_string(mode) ? json_string_value(mode) : "?");
		if (w < 0 || (size_t)w >= len - at)
			break;
		at += (size_t)w;
	}
	return at ? buf : "-";
}

void show_export(const json_t *ex)
{
	static const char *const h[] = { "Host", "Address", "State", "Uptime", "ADD-PATH",
		"Established", "EoR sent", "Updates rx", "Flaps", "Clients up",
		"Client routes", NULL };
	const char *role = json_cell_str(ex, "role");
	/* client routes: those received on a view host, sent on an instance host */
	const char *routes = strcmp(role, "view-host") == 0 ? "client_routes_received" :
	    "client_routes_sent";
	struct table *t;
	char ap[128], up[32];
	size_t i;
	json_t *r;

	if (strcmp(role, "single") == 0) {
		printf("single machine (neither \"export\" nor \"view_host\" in muxd's "
		    "configuration)\n");
		return;
	}
	printf("%s\n", strcmp(role, "view-host") == 0 ? "view host: its instance hosts" :
	    "instance host: its view host");
	t = table_new(h);
	json_array_foreach(json_object_get(ex, "hosts"), i, r) {
		const json_t *uptime = json_object_get(r, "uptime");
		if (json_is_integer(uptime))
			snprintf(up, sizeof up, "%llds", (long long)json_integer_value(uptime));
		else
			snprintf(up, sizeof up, "-");
		table_cell(t, "%s", json_cell_str(r, "name"));
		table_cell(t, "%s", json_cell_str(r, "address"));
		table_cell(t, "%s", json_cell_str(r, "state"));
		table_cell(t, "%s", up);
		table_cell(t, "%s", add_path_text(json_object_get(r, "add_path"), ap, sizeof ap));
		table_cell(t, "%lld", json_cell_num(r, "established"));
		table_cell(t, "%lld", json_cell_num(r, "end_of_rib_sent"));
		table_cell(t, "%lld", json_cell_num(r, "updates_received"));
		table_cell(t, "%lld", json_cell_num(r, "flaps"));
		table_cell(t, "%lld", json_cell_num(r, "clients_up"));
		table_cell(t, "%lld", json_cell_num(r, routes));
		table_row(t);
	}
	table_print(t, stdout);
	table_free(t);
}
