/*
 * api_upgrade.c — the process behind the API: POST /api/v1/upgrade
 * begins an upgrade in place (muxd/upgrade.h; as SIGUSR2 does), and
 * /api/v1/status says which generation of muxd answers.
 */
#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "muxd/lib/log.h"
#include "web/api_int.h"

void api_status_process(struct api *a, json_t *status)
{
	uint32_t generation = 1;
	time_t upgraded_at = 0;

	if (a->host.process)
		a->host.process(a->host.arg, &generation, &upgraded_at);
	json_object_set_new(status, "pid", json_integer((json_int_t)getpid()));
	json_object_set_new(status, "generation", json_integer((json_int_t)generation));
	json_object_set_new(status, "upgraded_at", upgraded_at ?
	    json_integer((json_int_t)upgraded_at) : json_null());
}

/* 202: begun; its outcome is in the log, and in the status's pid and
 * generation once the new process answers. 409: it cannot begin. */
void api_post_upgrade(struct http_req *r, void *arg)
{
	struct api *a = arg;
	char who[128], why[300];

	if (!api_authorized(a, r, who, sizeof who))
		return;
	if (a->host.upgrade == NULL) {
		api_audit(a, r, who, "upgrade", 409);
		http_reply_error(r, 409, NULL, "this muxd cannot upgrade in place");
		return;
	}
	log_info("api: %s asks for an upgrade in place", who);
	if (!a->host.upgrade(a->host.arg, why, sizeof why)) {
		api_audit(a, r, who, "upgrade", 409);
		http_reply_error(r, 409, NULL, "upgrade refused: %s", why);
		return;
	}
	api_audit(a, r, who, "upgrade", 202);
	http_reply_json(r, 202, json_pack("{s:s, s:I}", "upgrade", "started",
	    "pid", (json_int_t)getpid()));
}
