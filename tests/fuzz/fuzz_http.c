/*
 * fuzz_http.c — whole HTTP requests against muxd's real API and live
 * stream: the evhttp server, the route table, every handler and the reply
 * code run in-process on one event loop, over a loopback TCP connection,
 * with a store, a view, an instance with a client, and a token file, as
 * muxd wires them (muxd/daemon.c).
 *
 * The oracle: the process lives (fatal() exits: libFuzzer reports it),
 * and every well-formed request gets an answer that starts with a
 * well-formed status line; a JSON answer parses; no answer is a 500 (here,
 * with a working store, only an answer muxd could not render is one).
 *
 * Input, to keep seeds readable and requests well-formed whatever the
 * mutation: "METHOD TARGET\n", header lines, an empty line, the body.
 * The target's octets that may not appear in a request line are
 * percent-encoded ('%' is left alone: "%FF" reaches the decoder as is);
 * header lines without a name become "X-Fuzz: line"; Content-Length is
 * the body's. An input that starts with "RAW\n" is sent as it is (then
 * no answer is required, but one that comes must be well-formed).
 *
 * FUZZ_HTTP_LOG=1 shows muxd's log and each answer's status line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instances/instance.h"
#include "muxd/config/config.h"
#include "muxd/lib/log.h"
#include "muxd/store/opstore.h"
#include "muxd/lib/sockaddr.h"
#include "muxd/store/store.h"
#include "views/view.h"
#include "web/api.h"
#include "web/stream.h"

#define REQUEST_MAX (128 * 1024)
#define ANSWER_MAX (8 * 1024 * 1024)
#define ROUNDS 400              /* event loop rounds for one request */

static const char config_fmt[] =
    "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"state_dir\": \"%s\","
    " \"listen_port\": 0,"
    " \"api\": {\"listen\": \"127.0.0.1:1\", \"token_file\": \"%s/token\"},"
    " \"upstreams\": [{\"name\": \"isp-a\", \"passive\": true,"
    "   \"peer\": {\"address\": \"127.0.0.11\", \"asn\": 65010},"
    "   \"families\": [\"ipv4-unicast\", \"ipv6-unicast\"],"
    "   \"instance\": {\"address\": \"127.0.0.1\"}}],"
    " \"clients\": [{\"name\": \"vnet-1\", \"address\": \"127.0.0.21\", \"asn\": 65101,"
    "   \"upstreams\": [\"isp-a\"]},"
    "  {\"name\": \"range\", \"address\": \"127.0.1.0/24\", \"asn\": 65102,"
    "   \"upstreams\": [\"isp-a\"]}]}";

static struct {
	struct event_base *base;
	struct config *cfg;
	struct view *view;
	struct instance *inst;
	struct api *api;
	struct stream *stream;
	struct sockaddr_in at;          /* where the API accepts */
	char dir[64];
} w;

static struct config *host_config(void *arg) { (void)arg; return w.cfg; }

static size_t host_views(void *arg, struct view **out, size_t max)
{
	(void)arg;
	if (max)
		out[0] = w.view;
	return 1;
}

static size_t host_instances(void *arg, struct instance **out, size_t max)
{
	(void)arg;
	if (max && w.inst)
		out[0] = w.inst;
	return w.inst != NULL;
}

static void host_client_added(void *arg, const struct client_config *cc)
{
	(void)arg;
	if (w.inst)
		instance_client_add(w.inst, cc);
}

static void host_client_removed(void *arg, const char *name)
{
	(void)arg;
	if (w.inst)
		instance_client_remove(w.inst, name);
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", w.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_http: cannot remove %s\n", w.dir);
}

static void make_config(void)
{
	char json[2048], token[96];
	struct jsonv errs = { 0 };
	FILE *f;

	snprintf(w.dir, sizeof w.dir, "/tmp/fuzz_http.XXXXXX");
	if (mkdtemp(w.dir) == NULL)
		abort();
	atexit(remove_dir);
	snprintf(token, sizeof token, "%s/token", w.dir);
	if ((f = fopen(token, "w")) == NULL)
		abort();
	fputs("fuzz-token\n", f);
	fclose(f);
	chmod(token, 0600);
	snprintf(json, sizeof json, config_fmt, w.dir, w.dir);
	if ((w.cfg = config_load_string(json, &errs)) == NULL) {
		fprintf(stderr, "fuzz_http: %s\n", errs.count ? errs.lines[0] : "?");
		abort();
	}
	/* any free port: the API's own listener is never used here */
	sockaddr_set_port(&w.cfg->api.listen, 0);
	sockaddr_set_port(&w.cfg->upstreams[0].instance.addr, 0);
}

/* Our own listening socket on the API's server (evhttp_accept_socket). */
static void listen_api(void)
{
	socklen_t len = sizeof w.at;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	w.at.sin_family = AF_INET;
	w.at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&w.at, sizeof w.at) != 0 ||
	    listen(fd, 64) != 0 || getsockname(fd, (struct sockaddr *)&w.at, &len) != 0 ||
	    evhttp_accept_socket(api_http(w.api), fd) != 0)
		abort();
}

static void world_new(void)
{
	static const struct api_host ops = { host_config, host_views, host_instances,
		host_client_added, host_client_removed, NULL };
	const struct upstream_config *uc;
	char why[256], path[128];
	struct store *st;

	log_set_level(getenv("FUZZ_HTTP_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	make_config();
	uc = &w.cfg->upstreams[0];
	w.base = event_base_new();
	struct peer_local local = { w.cfg->asn, w.cfg->router_id, "fuzz", NULL, NULL };
	w.view = view_new(w.base, &uc->n, &local, VIEW_UPSTREAM, NULL, NULL);
	struct instance_params ip = { .name = uc->n.name, .cfg = uc->instance,
		.families = uc->n.families, .family_count = uc->n.family_count,
		.router_id = w.cfg->router_id, .hostname = "fuzz" };
	if ((w.inst = instance_new(w.base, &ip, view_feed(w.view), NULL, NULL, why,
	    sizeof why)))
		instance_sync_clients(w.inst, w.cfg);
	snprintf(path, sizeof path, "%s/bgpmux.db", w.dir);
	if ((st = store_open(path, why, sizeof why)) == NULL ||
	    !opstore_migrate(st, why, sizeof why)) {
		fprintf(stderr, "fuzz_http: %s\n", why);
		abort();
	}
	w.api = api_new(w.base, st, NULL, &ops);
	api_merge_clients(w.api, w.cfg);
	if (!api_listen(w.api, w.cfg, why, sizeof why)) {
		fprintf(stderr, "fuzz_http: %s\n", why);
		abort();
	}
	w.stream = stream_new(w.base, 0, 0);
	if (w.stream == NULL || !stream_attach(w.stream, api_http(w.api)))
		abort();
	stream_view_add(w.stream, w.view);
	listen_api();
}

/* ---- the request ---------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

static bool is_token(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum(p[i]) && !strchr("!#$%&'*+-.^_`|~", p[i]))
			return false;
	return n > 0;
}

/* The next line of data[*off..size) (without its \n); *off moves past it. */
static size_t line(const uint8_t *data, size_t size, size_t *off, const uint8_t **start)
{
	const uint8_t *nl = memchr(data + *off, '\n', size - *off);
	size_t n = nl ? (size_t)(nl - (data + *off)) : size - *off;

	*start = data + *off;
	*off += n + (nl != NULL);
	return n;
}

static void put_target(struct buf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	if (n == 0 || p[0] != '/')
		puts_(b, "/");
	for (size_t i = 0; i < n; i++) {
		if (p[i] > 0x20 && p[i] < 0x7f) {
			put(b, &p[i], 1);
		} else {
			char e[3] = { '%', hex[p[i] >> 4], hex[p[i] & 15] };
			put(b, e, 3);
		}
	}
}

static void put_header(struct buf *b, const uint8_t *p, size_t n)
{
	const uint8_t *colon = memchr(p, ':', n);
	size_t name = colon ? (size_t)(colon - p) : 0;

	while (n && p[n - 1] == '\r')
		n--;
	if (name && (!strncasecmp((const char *)p, "Content-Length", name) ||
	    !strncasecmp((const char *)p, "Transfer-Encoding", name)))
		return;         /* ours says how long the body is */
	if (!colon || !is_token(p, name))
		puts_(b, "X-Fuzz: ");
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\r')
			put(b, &p[i], 1);
	puts_(b, "\r\n");
}

/* The well-formed request the input describes. */
static void build_request(struct buf *b, const uint8_t *data, size_t size)
{
	size_t off = 0, n, sp;
	const uint8_t *p;
	char clen[48];

	n = line(data, size, &off, &p);
	for (sp = 0; sp < n && p[sp] != ' '; sp++)
		;
	if (is_token(p, sp))
		put(b, p, sp);
	else
		puts_(b, "GET");
	puts_(b, " ");
	put_target(b, p + (sp < n ? sp + 1 : n), sp < n ? n - sp - 1 : 0);
	puts_(b, " HTTP/1.1\r\nHost: fuzz\r\n");
	while (off < size && (n = line(data, size, &off, &p)) > 0 &&
	    !(n == 1 && p[0] == '\r'))
		put_header(b, p, n);
	snprintf(clen, sizeof clen, "Content-Length: %zu\r\n\r\n", size - off);
	puts_(b, clen);
	put(b, data + off, size - off);
}

/* ---- the answer ----------------------------------------------------------- */

static const char *digits(const char *p, const char *end)
{
	const char *start = p;
	while (p < end && isdigit((uint8_t)*p))
		p++;
	return p > start ? p : NULL;
}

/* A version number as evhttp writes it back: it reads the request's with
 * sscanf's %d, so "HTTP/1.3333333333333333333333" (an overflow) comes back
 * as "HTTP/1.-1": a sign, then digits. */
static const char *version_number(const char *p, const char *end)
{
	return digits(p + (p < end && *p == '-'), end);
}

/* "HTTP/d.d NNN reason\r\n" at the start of a (len octets, head ended);
 * evhttp answers in the request's version, whatever digits it had. */
static bool status_line_ok(const char *a, size_t len)
{
	const char *eol = memchr(a, '\n', len), *p;

	if (eol == NULL || eol == a || eol[-1] != '\r' || len < 5 || strncmp(a, "HTTP/", 5))
		return false;
	if ((p = version_number(a + 5, eol)) == NULL || *p != '.' ||
	    (p = version_number(p + 1, eol)) == NULL || *p != ' ' || eol - p < 5 ||
	    p[1] < '1' || p[1] > '5' || !isdigit((uint8_t)p[2]) ||
	    !isdigit((uint8_t)p[3]) || (p[4] != ' ' && p[4] != '\r'))
		return false;
	for (const char *c = p + 4; c < eol - 1; c++)
		if ((uint8_t)*c < 0x20)
			return false;
	return true;
}

/* A header's value in the head a..end, or NULL. */
static const char *head_value(const char *a, const char *end, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = a; l && l < end; l = memchr(l, '\n', (size_t)(end - l))) {
		l += *l == '\n';
		if ((size_t)(end - l) > n + 1 && strncasecmp(l, name, n) == 0 && l[n] == ':')
			return l + n + 1;
	}
	return NULL;
}

/* Once the head and any Content-Length body are in: checked, true. */
static bool answer_complete(const struct buf *a, bool *checked)
{
	const char *end = a->len ? memmem(a->p, a->len, "\r\n\r\n", 4) : NULL;
	const char *cl, *ct;

	if (end == NULL)
		return false;
	if (!status_line_ok(a->p, a->len)) {
		fprintf(stderr, "fuzz_http: malformed status line: %.*s\n",
		    (int)(a->len < 200 ? a->len : 200), a->p);
		abort();
	}
	*checked = true;
	if (strncmp(memchr(a->p, ' ', a->len), " 500", 4) == 0) {
		fprintf(stderr, "fuzz_http: a 500: %.*s\n", (int)(a->len < 300 ? a->len : 300),
		    a->p);
		abort();
	}
	size_t head = (size_t)(end + 4 - a->p);
	if ((cl = head_value(a->p, end, "Content-Length")) == NULL)
		return true;            /* a stream, 101, 100 Continue: the status is it */
	size_t body = strtoul(cl, NULL, 10);
	if (a->len < head + body)
		return false;
	ct = head_value(a->p, end, "Content-Type");
	if (ct && strncmp(ct, " application/json", 17) == 0 && body > 0) {
		json_error_t jerr;
		json_t *j = json_loadb(a->p + head, body, 0, &jerr);
		if (j == NULL) {
			fprintf(stderr, "fuzz_http: a JSON answer that does not parse "
			    "(%s): %.*s\n", jerr.text, (int)(body < 300 ? body : 300),
			    a->p + head);
			abort();
		}
		json_decref(j);
	}
	return true;
}

/* ---- one exchange ------------------------------------------------------------- */

static int connect_api(void)
{
	struct linger lg = { 1, 0 };    /* close with RST: no TIME_WAIT pile-up */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		abort();
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	if (connect(fd, (struct sockaddr *)&w.at, sizeof w.at) != 0 && errno != EINPROGRESS)
		abort();
	return fd;
}

/* Send req, read until the answer is complete or the server closes. */
static bool exchange(const struct buf *req, bool raw, struct buf *ans)
{
	int fd = connect_api();
	size_t sent = 0;
	bool closed = false, checked = false;
	char chunk[16384];

	for (int round = 0; round < ROUNDS && !closed; round++) {
		if (sent < req->len) {
			ssize_t n = send(fd, req->p + sent, req->len - sent, MSG_NOSIGNAL);
			sent += n > 0 ? (size_t)n : 0;
			if (sent == req->len && raw)
				shutdown(fd, SHUT_WR);
		}
		event_base_loop(w.base, EVLOOP_NONBLOCK);
		ssize_t n = recv(fd, chunk, sizeof chunk, 0);
		if (n > 0 && ans->len < ANSWER_MAX)
			put(ans, chunk, (size_t)n);
		closed = n == 0 || (n < 0 && errno != EAGAIN);
		if (answer_complete(ans, &checked))
			break;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { fd, POLLIN, 0 };
			poll(&pfd, 1, round < 20 ? 0 : 1);
		}
	}
	close(fd);
	/* the server sees the close: its connection (or subscriber) goes */
	for (int round = 0; round < 8; round++)
		event_base_loop(w.base, EVLOOP_NONBLOCK);
	if (ans->len && !checked && memmem(ans->p, ans->len, "\r\n", 2)) {
		if (!status_line_ok(ans->p, ans->len)) {
			fprintf(stderr, "fuzz_http: malformed status line: %.*s\n",
			    (int)(ans->len < 200 ? ans->len : 200), ans->p);
			abort();
		}
		checked = true;
	}
	return checked;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf req = { 0 }, ans = { 0 };
	bool raw = size >= 4 && memcmp(data, "RAW\n", 4) == 0;

	if (w.base == NULL)
		world_new();
	if (raw)
		put(&req, data + 4, size - 4);
	else
		build_request(&req, data, size);
	if (req.len > REQUEST_MAX) {
		free(req.p);
		return 0;
	}
	bool answered = exchange(&req, raw, &ans);
	if (getenv("FUZZ_HTTP_LOG")) {
		const char *cr = ans.len ? memchr(ans.p, '\r', ans.len) : NULL;
		fprintf(stderr, "fuzz_http: %.*s\n", cr ? (int)(cr - ans.p) : 11,
		    cr ? ans.p : "(no answer)");
	}
	if (!answered && !raw) {
		fprintf(stderr, "fuzz_http: no answer to a well-formed request: %.*s\n",
		    (int)(req.len < 300 ? req.len : 300), req.p);
		abort();
	}
	free(req.p);
	free(ans.p);
	return 0;
}
