/*
 * show_process.c — the process behind the API (show_process.h).
 */
#include "muxctl/show_process.h"

#include <time.h>

const char *show_upgraded_at(const json_t *status, char *buf, size_t len)
{
	const json_t *at = json_object_get(status, "upgraded_at");
	struct tm tm;

	if (!json_is_integer(at))
		return "never";
	time_t t = (time_t)json_integer_value(at);
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return "?";
	return buf;
}
