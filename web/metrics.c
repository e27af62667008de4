/*
 * metrics.c — GET /metrics in the Prometheus text format (0.0.4):
 * sessions by state, paths per view, updates in and out per session,
 * output queue depths, instance counters and the store's latency.
 */
#include "web/api_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dataplane.h"
#include "instances/instance.h"
#include "muxd/engine/fsm.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/engine/peer.h"
#include "views/view.h"
#include "web/dataplane_json.h"

struct text {
	char *buf;              /* NULL once memory ran out: the answer is a 500 */
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	while (t->buf) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		char *more = n < 0 ? NULL : grow_array(t->buf, &t->cap, t->len + (size_t)n + 1, 1);
		if (more == NULL) {
			free(t->buf);
			t->buf = NULL;
			return;
		}
		t->buf = more;
	}
	if (t->buf)
		t->len += (size_t)n;
}

static void head(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \ " and newlines escaped (names come from the config). */
static const char *esc(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	for (; *s && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			buf[o++] = '\\';
			buf[o++] = *s == '\n' ? 'n' : *s;
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = 0;
	return buf;
}

static int count_states(const struct api_session *s, void *arg)
{
	unsigned *by = arg;
	by[s->session ? session_state(s->session) : FSM_IDLE]++;
	return 0;
}

static void sessions_by_state(struct api *a, struct text *t)
{
	unsigned by[FSM_STATE_COUNT] = { 0 };

	api_each_session(a, count_states, by);
	head(t, "bgpmux_sessions", "gauge", "Sessions by FSM state.");
	for (int s = FSM_IDLE; s < FSM_STATE_COUNT; s++)
		put(t, "bgpmux_sessions{state=\"%s\"} %u\n", fsm_state_name((enum fsm_state)s), by[s]);
}

/* One metric family per pass over the sessions: Prometheus wants the
 * samples of a family together, after its HELP and TYPE. */
static const struct {
	const char *name, *type, *help;
} session_metrics[] = {
	{ "bgpmux_session_updates_received_total", "counter", "UPDATEs received per session." },
	{ "bgpmux_session_updates_sent_total", "counter", "UPDATEs sent per session." },
	{ "bgpmux_session_queue_bytes", "gauge", "Bytes waiting in a session's output queue." },
	{ "bgpmux_session_established", "gauge", "1 when the session is Established." },
};

struct metric_pass {
	struct text *t;
	size_t which;
};

static unsigned long long session_value(const struct session *s, size_t which)
{
	if (s == NULL)
		return 0;
	switch (which) {
	case 0: return session_counters_rx(s)->msgs[2];
	case 1: return session_counters_tx(s)->msgs[2];
	case 2: return session_queue_len(s);
	default: return session_state(s) == FSM_ESTABLISHED;
	}
}

static int session_sample(const struct api_session *s, void *arg)
{
	struct metric_pass *m = arg;
	char id[400];

	put(m->t, "%s{session=\"%s\",kind=\"%s\"} %llu\n", session_metrics[m->which].name,
	    esc(s->id, id, sizeof id), s->kind, session_value(s->session, m->which));
	return 0;
}

static void sessions(struct api *a, struct text *t)
{
	for (size_t i = 0; i < sizeof session_metrics / sizeof session_metrics[0]; i++) {
		struct metric_pass m = { t, i };
		head(t, session_metrics[i].name, session_metrics[i].type, session_metrics[i].help);
		api_each_session(a, session_sample, &m);
	}
}

static void views(struct api *a, struct text *t)
{
	struct view *v[API_MAX_OBJECTS];
	size_t n = api_views(a, VIEW_UPSTREAM, v, API_MAX_OBJECTS);
	char name[200];

	head(t, "bgpmux_view_paths", "gauge", "Paths a view holds, per address family.");
	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++) {
		esc(view_name(v[i]), name, sizeof name);
		put(t, "bgpmux_view_paths{view=\"%s\",afi=\"ipv4\"} %zu\n", name,
		    feed_route_count(view_feed(v[i]), BGP_AFI_IPV4));
		put(t, "bgpmux_view_paths{view=\"%s\",afi=\"ipv6\"} %zu\n", name,
		    feed_route_count(view_feed(v[i]), BGP_AFI_IPV6));
	}
	head(t, "bgpmux_view_stale_paths", "gauge", "Paths a view keeps from its "
	    "upstream's last session while it restarts (Graceful Restart).");
	for (size_t i = 0; i < n; i++)
		put(t, "bgpmux_view_stale_paths{view=\"%s\"} %zu\n",
		    esc(view_name(v[i]), name, sizeof name), view_stale_count(v[i]));
	head(t, "bgpmux_view_updates_total", "counter", "UPDATE messages a view applied.");
	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++)
		put(t, "bgpmux_view_updates_total{view=\"%s\"} %llu\n",
		    esc(view_name(v[i]), name, sizeof name),
		    (unsigned long long)view_stats(v[i])->updates);
	head(t, "bgpmux_view_memory_bytes", "gauge", "Bytes a view holds: its paths "
	    "(Adj-RIB-In) and its attribute sets.");
	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++) {
		struct view_memory m;
		view_memory(v[i], &m);
		esc(view_name(v[i]), name, sizeof name);
		put(t, "bgpmux_view_memory_bytes{view=\"%s\",part=\"paths\"} %zu\n", name, m.paths);
		put(t, "bgpmux_view_memory_bytes{view=\"%s\",part=\"attributes\"} %zu\n", name,
		    m.attributes);
	}
}

static void instances(struct api *a, struct text *t)
{
	struct instance *in[API_MAX_OBJECTS];
	size_t n = a->host.instances(a->host.arg, in, API_MAX_OBJECTS);
	char name[200];

	head(t, "bgpmux_instance_clients_established", "gauge", "Clients Established.");
	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++)
		put(t, "bgpmux_instance_clients_established{instance=\"%s\"} %zu\n",
		    esc(instance_name(in[i]), name, sizeof name), instance_clients_established(in[i]));
	head(t, "bgpmux_instance_updates_written_total", "counter",
	    "UPDATEs written to clients (shared UPDATEs times the clients they went to).");
	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++)
		put(t, "bgpmux_instance_updates_written_total{instance=\"%s\"} %llu\n",
		    esc(instance_name(in[i]), name, sizeof name),
		    (unsigned long long)instance_stats(in[i])->updates_written);
}

/* Per table of the data plane (the inbound table's upstream is ""):
 * routes in it, and the kernel's refusals. Nothing without a data plane. */
static void dataplane(struct api *a, struct text *t)
{
	struct dp_table_stats st;
	size_t n = a->dp ? dp_tables(a->dp) : 0;
	char name[200];

	if (a->dp == NULL)
		return;
	head(t, "bgpmux_dataplane_routes", "gauge", "Routes in a routing table of the "
	    "data plane.");
	for (size_t i = 0; i < n; i++) {
		dp_table_stats(a->dp, i, &st);
		put(t, "bgpmux_dataplane_routes{table=\"%u\",upstream=\"%s\"} %llu\n",
		    st.table, esc(st.upstream ? st.upstream : "", name, sizeof name),
		    (unsigned long long)st.routes);
	}
	head(t, "bgpmux_dataplane_route_errors_total", "counter", "Changes the kernel "
	    "refused for a table of the data plane (routes, and its link, address and "
	    "rules).");
	for (size_t i = 0; i < n; i++) {
		dp_table_stats(a->dp, i, &st);
		put(t, "bgpmux_dataplane_route_errors_total{table=\"%u\",upstream=\"%s\"} "
		    "%llu\n", st.table, esc(st.upstream ? st.upstream : "", name, sizeof name),
		    (unsigned long long)st.errors);
	}
	head(t, "bgpmux_dataplane_netlink_errors_total", "counter", "Netlink requests of "
	    "the data plane the kernel refused.");
	put(t, "bgpmux_dataplane_netlink_errors_total %llu\n", dataplane_netlink_errors(a->dp));
}

static void store(struct api *a, struct text *t)
{
	const struct store_stats *s;

	if (a->st == NULL)
		return;
	s = store_stats(a->st);
	head(t, "bgpmux_store_commits_total", "counter", "Store transactions committed.");
	put(t, "bgpmux_store_commits_total %llu\n", (unsigned long long)s->commits);
	head(t, "bgpmux_store_commit_failures_total", "counter", "Store commits that failed.");
	put(t, "bgpmux_store_commit_failures_total %llu\n", (unsigned long long)s->failures);
	head(t, "bgpmux_store_commit_seconds_total", "counter", "Time spent committing.");
	put(t, "bgpmux_store_commit_seconds_total %.6f\n", s->commit_seconds_total);
	head(t, "bgpmux_store_commit_seconds_max", "gauge", "Longest commit since start.");
	put(t, "bgpmux_store_commit_seconds_max %.6f\n", s->commit_seconds_max);
	if (a->events) {
		head(t, "bgpmux_store_events_queued", "gauge", "Session events not yet written.");
		put(t, "bgpmux_store_events_queued %zu\n", opstore_events_queued(a->events));
	}
}

/* The API's own defences: writes refused for want of the token, slow
 * requests closed. */
static void api_counters(struct api *a, struct text *t)
{
	head(t, "bgpmux_api_refused_writes_total", "counter", "API writes refused for want "
	    "of the right token (counted and logged per source, never audited).");
	for (int k = API_REFUSED_NO_TOKEN; k <= API_REFUSED_READ_ONLY; k++)
		put(t, "bgpmux_api_refused_writes_total{reason=\"%s\"} %llu\n",
		    api_refusal_name((enum api_refusal)k),
		    (unsigned long long)api_refusals_total(a->refusals, (enum api_refusal)k));
	head(t, "bgpmux_api_request_timeouts_total", "counter", "API connections closed "
	    "for not sending a request's headers (api.header_timeout) or body "
	    "(api.body_timeout) in time.");
	for (int k = API_REFUSED_SLOW_HEADERS; k <= API_REFUSED_SLOW_BODY; k++)
		put(t, "bgpmux_api_request_timeouts_total{phase=\"%s\"} %llu\n",
		    api_refusal_name((enum api_refusal)k),
		    (unsigned long long)api_refusals_total(a->refusals, (enum api_refusal)k));
}

void api_get_metrics(struct http_req *r, void *arg)
{
	struct api *a = arg;
	struct text t = { malloc(4096), 0, 4096 };

	sessions_by_state(a, &t);
	sessions(a, &t);
	views(a, &t);
	instances(a, &t);
	dataplane(a, &t);
	store(a, &t);
	api_counters(a, &t);
	put(&t, "# HELP bgpmux_clients_provisioned Clients provisioned through the API.\n"
	    "# TYPE bgpmux_clients_provisioned gauge\nbgpmux_clients_provisioned %zu\n", a->prov.n);
	if (t.buf == NULL)
		http_reply_error(r, 500, NULL, "out of memory rendering /metrics");
	else
		http_reply_text(r, 200, "text/plain; version=0.0.4", t.buf, t.len);
	free(t.buf);
}
