/*
 * muxctl.c — the command line for muxd's HTTP API.
 *
 *   muxctl [-s ADDR:PORT] [-t TOKENFILE] [-j] COMMAND
 *
 * Exit codes scripts can trust: 0 done; 1 muxd answered with an error (or
 * something unreadable); 2 usage; 3 muxd is not running (nothing accepts
 * connections at the API address).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxctl/http_client.h"
#include "muxctl/show_dataplane.h"
#include "muxctl/show_export.h"
#include "muxctl/show_tables.h"
#include "muxctl/table.h"

#define DEFAULT_SERVER "127.0.0.1:8179"

enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_NOT_RUNNING = 3 };

struct ctl {
	const char *server;
	const char *token_file;
	bool json;
};

static void usage(FILE *out)
{
	fprintf(out,
	    "usage: muxctl [-s ADDR:PORT] [-t TOKENFILE] [-j] COMMAND\n"
	    "       muxctl --version\n"
	    "\n"
	    "  show status\n"
	    "  show sessions | views | instances | clients\n"
	    "  show dataplane | export\n"
	    "  show events [COUNT]\n"
	    "  show route PREFIX [VIEW] [exact|longer|covering]\n"
	    "  client add NAME address ADDR asn ASN upstreams U1[,U2...]\n"
	    "             [prefixes P1[,P2...]] [password PW] [lifetime SECONDS]\n"
	    "             [hold_time SECONDS] [add_path off|receive|send|both]\n"
	    "  client del NAME\n"
	    "  session reset ID            (IDs as in 'show sessions')\n"
	    "  session reset NEIGHBOR FAMILY  (that family's session only)\n"
	    "  upgrade                     (upgrade in place, as SIGUSR2: muxd(8))\n"
	    "\n"
	    "  -s ADDR:PORT   muxd's api.listen (default %s, or $MUXCTL_SERVER)\n"
	    "  -t TOKENFILE   file whose first line is the API token, for writes\n"
	    "                 (or $MUXCTL_TOKEN_FILE)\n"
	    "  -j             print muxd's JSON answer as it is\n"
	    "\n"
	    "exit: 0 ok, 1 muxd answered an error, 2 usage, 3 muxd not running\n",
	    DEFAULT_SERVER);
}

/* ---- talking to muxd -------------------------------------------------------- */

static char *read_token(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "muxctl: cannot read the token file %s\n", path);
		exit(EXIT_USAGE);
	}
	if (fgets(line, sizeof line, f) == NULL)
		line[0] = 0;
	fclose(f);
	line[strcspn(line, "\r\n")] = 0;
	return strdup(line);
}

/* One request; exits with 3 when muxd is not there, 1 on an error
 * answer. Returns the parsed JSON body of a 2xx answer (or NULL for a
 * non-JSON body, e.g. /metrics, printed as is). */
static json_t *call(const struct ctl *c, const char *method, const char *path,
    const char *body)
{
	struct http_answer a;
	char *token = c->token_file ? read_token(c->token_file) : NULL;
	enum http_result r = http_request(c->server, method, path, token, body, &a);
	json_t *j;

	free(token);
	if (r == HTTP_UNREACHABLE) {
		fprintf(stderr, "muxctl: muxd is not running, or its API is not at %s (%s).\n"
		    "        Start muxd, or give its api.listen with -s ADDR:PORT.\n",
		    c->server, a.why);
		exit(EXIT_NOT_RUNNING);
	}
	if (r == HTTP_BROKEN) {
		fprintf(stderr, "muxctl: %s\n", a.why);
		exit(EXIT_ERROR);
	}
	j = json_loadb(a.body, a.len, 0, NULL);
	if (a.status >= 300) {
		const char *err = json_string_value(json_object_get(j, "error"));
		if (c->json)
			printf("%s\n", a.body);
		fprintf(stderr, "muxctl: %s %s: %d: %s\n", method, path, a.status,
		    err ? err : a.body);
		exit(EXIT_ERROR);
	}
	if (j == NULL) {
		fprintf(stderr, "muxctl: %s %s: the answer is not JSON\n", method, path);
		exit(EXIT_ERROR);
	}
	http_answer_free(&a);
	return j;
}

static void print_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	free(s);
}

static void route_rows(struct table *t, const char *view, const json_t *answer)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(answer, "routes"), i, r) {
		char *path = json_cell_joined(json_object_get(r, "as_path"), " ");
		char *comm = json_cell_joined(json_object_get(r, "communities"), " ");
		char *ext = json_cell_joined(json_object_get(r, "ext_communities"), " ");
		char *large = json_cell_joined(json_object_get(r, "large_communities"), " ");
		json_t *med = json_object_get(r, "med");
		table_cell(t, "%s", view);
		table_cell(t, "%s", json_cell_str(r, "prefix"));
		table_cell(t, "%lld", json_cell_num(r, "path_id"));
		table_cell(t, "%s", json_cell_str(r, "next_hop"));
		table_cell(t, "%s", path);
		table_cell(t, "%s", json_cell_str(r, "origin"));
		if (med)
			table_cell(t, "%lld", (long long)json_integer_value(med));
		else
			table_cell(t, "-");
		table_cell(t, "%s", comm);
		table_cell(t, "%s", ext);
		table_cell(t, "%s", large);
		table_row(t);
		free(path);
		free(comm);
		free(ext);
		free(large);
	}
}

static int show_route(const struct ctl *c, int argc, char **argv)
{
	static const char *const h[] = { "View", "Prefix", "Path id", "Next hop", "AS path",
		"Origin", "MED", "Communities", "Ext communities", "Large communities", NULL };
	const char *prefix = argv[0], *view = NULL, *match = "exact";
	json_t *views, *answers = json_array(), *v;
	size_t i;

	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "exact") || !strcmp(argv[k], "longer") ||
		    !strcmp(argv[k], "covering"))
			match = argv[k];
		else if (view == NULL)
			view = argv[k];
		else
			return EXIT_USAGE;
	}
	views = view ? json_pack("[{s:s}]", "name", view) : call(c, "GET", "/api/v1/views", NULL);
	json_array_foreach(views, i, v) {
		char path[1024];
		char *ev = http_escape(json_cell_str(v, "name")), *ep = http_escape(prefix);
		snprintf(path, sizeof path, "/api/v1/views/%s/routes?prefix=%s&match=%s", ev, ep, match);
		free(ev);
		free(ep);
		json_array_append_new(answers, call(c, "GET", path, NULL));
	}
	if (c->json) {
		print_json(answers);
	} else {
		struct table *t = table_new(h);
		json_array_foreach(answers, i, v)
			route_rows(t, json_cell_str(v, "view"), v);
		table_print(t, stdout);
		table_free(t);
	}
	json_decref(views);
	json_decref(answers);
	return EXIT_OK;
}

static int show(const struct ctl *c, int argc, char **argv)
{
	static const struct {
		const char *what, *path;
		void (*print)(const json_t *);
	} simple[] = {
		{ "sessions", "/api/v1/sessions", show_sessions },
		{ "views", "/api/v1/views", show_views },
		{ "instances", "/api/v1/instances", show_instances },
		{ "clients", "/api/v1/clients", show_clients },
		{ "status", "/api/v1/status", show_status },
		{ "dataplane", "/api/v1/dataplane", show_dataplane },
		{ "export", "/api/v1/export", show_export },
	};
	char path[128];

	if (argc < 1)
		return EXIT_USAGE;
	if (strcmp(argv[0], "route") == 0)
		return argc >= 2 && argc <= 4 ? show_route(c, argc - 1, argv + 1) : EXIT_USAGE;
	if (strcmp(argv[0], "events") == 0) {
		long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20;
		if (argc > 2 || n < 1 || n > 1000)
			return EXIT_USAGE;
		snprintf(path, sizeof path, "/api/v1/events?limit=%ld", n);
		json_t *j = call(c, "GET", path, NULL);
		c->json ? print_json(j) : show_events(j);
		json_decref(j);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
		if (argc != 1 || strcmp(argv[0], simple[i].what) != 0)
			continue;
		json_t *j = call(c, "GET", simple[i].path, NULL);
		c->json ? print_json(j) : simple[i].print(j);
		json_decref(j);
		return EXIT_OK;
	}
	return EXIT_USAGE;
}

/* ---- writes -------------------------------------------------------------------- */

/* "a,b,c" → ["a", "b", "c"] */
static json_t *list(const char *s)
{
	json_t *arr = json_array();
	char *copy = strdup(s), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(arr, json_string(t));
	free(copy);
	return arr;
}

/* KEY VALUE pairs into the request body; numbers where the API wants them. */
static json_t *client_body(int argc, char **argv)
{
	json_t *o = json_pack("{s:s}", "name", argv[0]);

	if ((argc - 1) % 2)
		goto bad;
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		char *end;
		if (!strcmp(k, "upstreams") || !strcmp(k, "prefixes")) {
			json_object_set_new(o, k, list(v));
		} else if (!strcmp(k, "asn") || !strcmp(k, "lifetime") || !strcmp(k, "hold_time")) {
			long long n = strtoll(v, &end, 10);
			if (*v == 0 || *end) {
				fprintf(stderr, "muxctl: %s: \"%s\" is not a number\n", k, v);
				goto bad;
			}
			json_object_set_new(o, k, json_integer(n));
		} else {
			/* address, password, add_path — and anything else, which muxd
			 * refuses with the name of the unknown key */
			json_object_set_new(o, k, json_string(v));
		}
	}
	return o;
bad:
	json_decref(o);
	return NULL;
}

static int client_cmd(const struct ctl *c, int argc, char **argv)
{
	char path[512];

	if (argc >= 2 && strcmp(argv[0], "add") == 0) {
		json_t *body = client_body(argc - 1, argv + 1);
		if (body == NULL)
			return EXIT_USAGE;
		char *text = json_dumps(body, JSON_COMPACT);
		json_t *j = call(c, "POST", "/api/v1/clients", text);
		if (c->json)
			print_json(j);
		else
			printf("client %s provisioned\n", argv[1]);
		free(text);
		json_decref(body);
		json_decref(j);
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[0], "del") == 0) {
		char *e = http_escape(argv[1]);
		snprintf(path, sizeof path, "/api/v1/clients/%s", e);
		free(e);
		json_t *j = call(c, "DELETE", path, NULL);
		c->json ? print_json(j) : (void)printf("client %s removed\n", argv[1]);
		json_decref(j);
		return EXIT_OK;
	}
	return EXIT_USAGE;
}

/* An id keeps its '/': each segment is escaped alone. */
static void id_path(const char *id, char *out, size_t len)
{
	char *copy = strdup(id), *save = NULL;
	size_t n = (size_t)snprintf(out, len, "/api/v1/sessions");

	for (char *t = strtok_r(copy, "/", &save); t && n < len; t = strtok_r(NULL, "/", &save)) {
		char *e = http_escape(t);
		n += (size_t)snprintf(out + n, len - n, "/%s", e);
		free(e);
	}
	if (n < len)
		snprintf(out + n, len - n, "/reset");
	free(copy);
}

/* Does session entry e belong to NEIGHBOR: its name, its neighbor's
 * address, or its id without the final "/N" (INSTANCE/CLIENT, UPSTREAM)? */
static bool neighbor_is(const json_t *e, const char *neighbor)
{
	const char *id = json_cell_str(e, "id"), *slash = strrchr(id, '/');

	return strcmp(json_cell_str(e, "name"), neighbor) == 0 ||
	    strcmp(json_cell_str(e, "neighbor"), neighbor) == 0 ||
	    (slash && strlen(neighbor) == (size_t)(slash - id) &&
	    strncmp(id, neighbor, (size_t)(slash - id)) == 0);
}

static bool carries(const json_t *e, const char *family)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(e, "families"), i, f)
		if (json_is_string(f) && strcmp(json_string_value(f), family) == 0)
			return true;
	return false;
}

/* The id of NEIGHBOR's session carrying FAMILY; exits when there is not
 * exactly one. */
static char *session_for_family(const struct ctl *c, const char *neighbor,
    const char *family)
{
	json_t *all = call(c, "GET", "/api/v1/sessions", NULL), *e;
	char *id = NULL;
	size_t i, found = 0;

	json_array_foreach(all, i, e) {
		if (!neighbor_is(e, neighbor) || !carries(e, family))
			continue;
		if (found++ == 0)
			id = strdup(json_cell_str(e, "id"));
	}
	json_decref(all);
	if (found == 1)
		return id;
	fprintf(stderr, "muxctl: %s\n", found ? "several neighbors have that name: use "
	    "INSTANCE/CLIENT or the session ID" : "no session of that neighbor carries "
	    "that family (see 'muxctl show sessions')");
	exit(EXIT_ERROR);
}

static int session_cmd(const struct ctl *c, int argc, char **argv)
{
	char path[512], *id = NULL;

	if ((argc != 2 && argc != 3) || strcmp(argv[0], "reset") != 0)
		return EXIT_USAGE;
	if (argc == 3)
		argv[1] = id = session_for_family(c, argv[1], argv[2]);
	id_path(argv[1], path, sizeof path);
	json_t *j = call(c, "POST", path, NULL);
	c->json ? print_json(j) : (void)printf("session %s reset (%s)\n", argv[1],
	    json_cell_str(j, "notification"));
	json_decref(j);
	free(id);
	return EXIT_OK;
}

/* POST /api/v1/upgrade: begun; 'show status' names the new process once it serves. */
static int upgrade_cmd(const struct ctl *c, int argc)
{
	if (argc != 0)
		return EXIT_USAGE;
	json_t *j = call(c, "POST", "/api/v1/upgrade", NULL);
	c->json ? print_json(j) : (void)printf("upgrade begun by muxd pid %lld\n",
	    json_cell_num(j, "pid"));
	json_decref(j);
	return EXIT_OK;
}

/* build/gen/version.c (scripts/gen-version.sh), linked in by the Makefile */
extern const char bgpmux_version[];

int main(int argc, char **argv)
{
	struct ctl c = { getenv("MUXCTL_SERVER"), getenv("MUXCTL_TOKEN_FILE"), false };
	int opt, rc = EXIT_USAGE;

	if (c.server == NULL || c.server[0] == 0)
		c.server = DEFAULT_SERVER;
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("muxctl %s\n", bgpmux_version);
		return EXIT_OK;
	}
	while ((opt = getopt(argc, argv, "+s:t:jh")) != -1) {
		switch (opt) {
		case 's': c.server = optarg; break;
		case 't': c.token_file = optarg; break;
		case 'j': c.json = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc >= 1 && strcmp(argv[0], "show") == 0)
		rc = show(&c, argc - 1, argv + 1);
	else if (argc >= 1 && strcmp(argv[0], "client") == 0)
		rc = client_cmd(&c, argc - 1, argv + 1);
	else if (argc >= 1 && strcmp(argv[0], "session") == 0)
		rc = session_cmd(&c, argc - 1, argv + 1);
	else if (argc >= 1 && strcmp(argv[0], "upgrade") == 0)
		rc = upgrade_cmd(&c, argc - 1);
	if (rc == EXIT_USAGE)
		usage(stderr);
	return rc;
}
