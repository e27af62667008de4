/*
 * config_services.c — "mrt", "bmp", "api" and "stream": the service
 * sections of the configuration (see config_services.h).
 */
#include "muxd/config/config_services.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "muxd/config/config_parse.h"
#include "muxd/lib/log.h"

/* ---- monitors: MRT archives, BMP collectors ------------------------------ */

#define DEFAULT_MRT_RIB_INTERVAL 7200
#define DEFAULT_MRT_UPDATES_INTERVAL 300
#define DEFAULT_BMP_PORT 1790

static void parse_mrt(struct jsonv *v, json_t *root, struct config *c)
{
	static const char *const keys[] = { "rib_interval", "updates_interval",
		"compress", NULL };
	static const char *const compress[] = { "gzip", "none", NULL };
	json_t *obj = jsonv_child_object(v, "$", root, "mrt", false);
	uint64_t rib = DEFAULT_MRT_RIB_INTERVAL, upd = DEFAULT_MRT_UPDATES_INTERVAL;
	int gz = 0;

	if (obj == NULL)
		return;
	jsonv_object(v, "$.mrt", obj, keys);
	jsonv_uint(v, "$.mrt", obj, "rib_interval", false, 1, 7 * 86400, &rib);
	jsonv_uint(v, "$.mrt", obj, "updates_interval", false, 1, 86400, &upd);
	jsonv_enum(v, "$.mrt", obj, "compress", false, compress, &gz);
	c->mrt.enabled = true;
	c->mrt.rib_interval = (uint32_t)rib;
	c->mrt.updates_interval = (uint32_t)upd;
	c->mrt.gzip = gz == 0;
}

static void parse_bmp_collector(struct jsonv *v, const char *path, json_t *obj,
    struct sockaddr_mux *out)
{
	static const char *const keys[] = { "address", "port", NULL };
	const char *addr = NULL;
	uint64_t port = DEFAULT_BMP_PORT;
	char at[256];

	jsonv_object(v, path, obj, keys);
	if (!json_is_object(obj))
		return;
	jsonv_string(v, path, obj, "address", true, &addr);
	jsonv_uint(v, path, obj, "port", false, 1, 65535, &port);
	if (addr && !sockaddr_parse(addr, (uint16_t)port, out)) {
		jsonv_path_key(at, sizeof at, path, "address");
		jsonv_error(v, at, "\"%s\" is not a numeric IPv4 or IPv6 address", addr);
	}
}

static void parse_bmp(struct jsonv *v, json_t *root, struct config *c)
{
	json_t *arr = jsonv_array(v, "$", root, "bmp", false), *val;
	char at[256];
	size_t i;

	if (arr == NULL)
		return;
	c->bmp = xcalloc(json_array_size(arr) + 1, sizeof *c->bmp);
	json_array_foreach(arr, i, val) {
		jsonv_path_index(at, sizeof at, "$.bmp", i);
		parse_bmp_collector(v, at, val, &c->bmp[c->bmp_count++]);
		for (size_t j = 0; j < i; j++)
			if (c->bmp[i].len && sockaddr_equal(&c->bmp[i], &c->bmp[j]))
				jsonv_error(v, at, "the same collector as $.bmp[%zu]", j);
	}
}

bool mrt_config_equal(const struct mrt_config *a, const struct mrt_config *b)
{
	return a->enabled == b->enabled && a->rib_interval == b->rib_interval &&
	    a->updates_interval == b->updates_interval && a->gzip == b->gzip;
}

bool bmp_config_equal(const struct config *a, const struct config *b)
{
	if (a->bmp_count != b->bmp_count)
		return false;
	for (size_t i = 0; i < a->bmp_count; i++)
		if (!sockaddr_equal(&a->bmp[i], &b->bmp[i]))
			return false;
	return true;
}

#define API_DEFAULT_LISTEN "127.0.0.1"
#define API_DEFAULT_PORT 8179
#define API_DEFAULT_HEADER_TIMEOUT 10
#define API_DEFAULT_BODY_TIMEOUT 30

/* "api": {"listen": "ADDR:PORT" or "[V6]:PORT", "token_file": PATH,
 * "header_timeout": S, "body_timeout": S}. */
bool config_parse_listen(const char *s, struct sockaddr_mux *out)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;

	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || colon[1] == 0 || port == 0 || port > 65535)
		return false;
	if (host[0] == '[') {
		size_t n = strlen(host);
		if (n < 3 || host[n - 1] != ']')
			return false;
		host[n - 1] = 0;
		memmove(host, host + 1, n - 1);
	} else if (strchr(host, ':')) {
		return false;   /* IPv6 needs brackets: [::1]:8179 */
	}
	return sockaddr_parse(host, (uint16_t)port, out);
}

/* A token its group or others may read (or write) is no secret: refused,
 * as ssh refuses such a private key. A file that is not there yet only
 * refuses writes until it is (web/api.c reads it at each write). */
static void check_token_mode(struct jsonv *v, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & 077))
		jsonv_error(v, "$.api.token_file", "%s: permissions %04o are too open: the "
		    "token must be readable by its owner only (chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
}

static void parse_api(struct jsonv *v, json_t *root, struct config *c)
{
	static const char *const keys[] = { "listen", "token_file", "header_timeout",
		"body_timeout", NULL };
	json_t *api = jsonv_child_object(v, "$", root, "api", false);
	const char *listen = NULL, *token = NULL;
	uint64_t header = API_DEFAULT_HEADER_TIMEOUT, body = API_DEFAULT_BODY_TIMEOUT;

	sockaddr_parse(API_DEFAULT_LISTEN, API_DEFAULT_PORT, &c->api.listen);
	c->api.header_timeout = API_DEFAULT_HEADER_TIMEOUT;
	c->api.body_timeout = API_DEFAULT_BODY_TIMEOUT;
	if (api == NULL)
		return;
	jsonv_object(v, "$.api", api, keys);
	jsonv_uint(v, "$.api", api, "header_timeout", false, 1, 3600, &header);
	jsonv_uint(v, "$.api", api, "body_timeout", false, 1, 3600, &body);
	c->api.header_timeout = (uint32_t)header;
	c->api.body_timeout = (uint32_t)body;
	if (jsonv_string(v, "$.api", api, "listen", false, &listen) && listen &&
	    !config_parse_listen(listen, &c->api.listen))
		jsonv_error(v, "$.api.listen", "\"%s\" is not ADDRESS:PORT (e.g. "
		    "\"127.0.0.1:8179\" or \"[::1]:8179\")", listen);
	if (jsonv_string(v, "$.api", api, "token_file", false, &token) && token) {
		if (token[0] == 0)
			jsonv_error(v, "$.api.token_file", "empty path (leave the key out "
			    "for a read-only API)");
		else
			c->api.token_file = xstrdup(token);
		if (token[0])
			check_token_mode(v, token);
	}
}

static void parse_stream(struct jsonv *v, json_t *root, struct config *c)
{
	static const char *const keys[] = { "max_queue", "idle_timeout", NULL };
	json_t *o = jsonv_child_object(v, "$", root, "stream", false);

	c->stream_max_queue = CONFIG_STREAM_MAX_QUEUE_DEFAULT;
	c->stream_idle_timeout = CONFIG_STREAM_IDLE_TIMEOUT_DEFAULT;
	if (o == NULL || !jsonv_object(v, "$.stream", o, keys))
		return;
	jsonv_uint(v, "$.stream", o, "max_queue", false, 4096, UINT32_MAX,
	    &c->stream_max_queue);
	jsonv_uint(v, "$.stream", o, "idle_timeout", false, 2, 86400,
	    &c->stream_idle_timeout);
}

void config_parse_services(struct jsonv *v, json_t *root, struct config *c)
{
	parse_mrt(v, root, c);
	parse_bmp(v, root, c);
	parse_api(v, root, c);
	parse_stream(v, root, c);
}
