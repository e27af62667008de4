/*
 * show_dataplane.c — the data plane's status as a table: a line for the
 * section's settings, then its tables (the inbound one last, "inbound" in
 * the Upstream column).
 */
#include "muxctl/show_dataplane.h"

#include <stdio.h>

#include "muxctl/table.h"

static void table_row_of(struct table *t, const char *upstream, const json_t *r)
{
	table_cell(t, "%s", upstream);
	table_cell(t, "%s", json_cell_str(r, "instance"));
	table_cell(t, "%s", json_cell_str(r, "interface"));
	table_cell(t, "%s", json_cell_str(r, "mac"));
	table_cell(t, "%lld", json_cell_num(r, "table"));
	table_cell(t, "%lld", json_cell_num(r, "routes"));
	table_cell(t, "%lld", json_cell_num(r, "pending"));
	table_cell(t, "%lld", json_cell_num(r, "errors"));
	table_cell(t, "%lld", json_cell_num(r, "skipped"));
	table_row(t);
}

void show_dataplane(const json_t *dp)
{
	static const char *const h[] = { "Upstream", "Instance", "Interface", "MAC", "Table",
		"Routes", "Pending", "Errors", "Skipped", NULL };
	const json_t *inbound = json_object_get(dp, "inbound");
	struct table *t;
	size_t i;
	json_t *r;

	if (!json_is_true(json_object_get(dp, "enabled"))) {
		printf("no data plane (no \"dataplane\" in muxd's configuration)\n");
		return;
	}
	printf("client interface %s, table base %lld, fib %s\n",
	    json_cell_str(dp, "client_interface"), json_cell_num(dp, "table_base"), json_cell_str(dp, "fib"));
	t = table_new(h);
	json_array_foreach(json_object_get(dp, "tables"), i, r)
		table_row_of(t, json_cell_str(r, "upstream"), r);
	if (json_is_object(inbound))
		table_row_of(t, "inbound", inbound);
	table_print(t, stdout);
	table_free(t);
}
