/*
 * fuzz_client_json.c — a provisioning body (POST /api/v1/clients) from
 * any bytes: parse it as the API does; when it is a valid client, check it
 * against a running configuration, render it, parse the rendering again
 * and compare: any difference aborts.
 *
 * The modules it needs are compiled in here (the fuzz build links only the
 * codec); jansson comes from the system.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "muxd/config/client_addr.c"
#include "muxd/config/config.c"
#include "muxd/config/config_check.c"
#include "muxd/config/config_client.c"
#include "muxd/config/config_copy.c"
#include "muxd/config/config_dataplane.c"
#include "muxd/config/config_export.c"
#include "muxd/config/config_neighbor.c"
#include "muxd/config/config_services.c"
#include "muxd/config/jsonv.c"
#include "muxd/lib/log.c"
#include "muxd/lib/sockaddr.c"
#include "muxd/lib/untrusted.c"
#include "muxd/lib/xalloc.c"

static const char running[] =
    "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": [{\"name\": \"isp-a\","
    " \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 65010},"
    " \"instance\": {\"address\": \"127.0.20.1\"}}],"
    " \"clients\": [{\"name\": \"vnet-1\", \"address\": \"127.0.30.1\", \"asn\": 65101,"
    " \"upstreams\": [\"isp-a\"]}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config *cfg;
	struct jsonv errs = { 0 }, errs2 = { 0 };
	struct client_config cc, again;
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);

	if (cfg == NULL) {
		log_set_level(LOG_LVL_ERROR);
		if ((cfg = config_load_string(running, &errs)) == NULL)
			abort();
	}
	if (body == NULL)
		return 0;
	uint64_t lifetime;
	jsonv_uint(&errs, "$", body, "lifetime", false, 1, 366 * 86400, &lifetime);
	json_object_del(body, "lifetime");
	if (config_client_from_json(&errs, "$", body, &cc)) {
		config_check_new_client(&errs, "$", cfg, &cc);
		json_t *out = client_config_to_json(&cc, true);
		if (!config_client_from_json(&errs2, "$", out, &again) ||
		    !client_config_equal(&cc, &again))
			abort();
		client_config_release(&again);
		json_decref(out);
	}
	client_config_release(&cc);
	json_decref(body);
	jsonv_free(&errs);
	jsonv_free(&errs2);
	return 0;
}
