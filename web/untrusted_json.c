/*
 * untrusted_json.c — untrusted bytes as a JSON string (untrusted_json.h).
 */
#include "web/untrusted_json.h"

#include <stdlib.h>

#include "muxd/lib/untrusted.h"

json_t *untrusted_json(const char *s)
{
	char *fixed;
	json_t *j;

	if (s == NULL)
		return NULL;
	if ((j = json_string(s)) != NULL)
		return j;               /* already UTF-8 (or out of memory) */
	if ((fixed = untrusted_utf8(s)) == NULL)
		return NULL;
	j = json_string(fixed);
	free(fixed);
	return j;
}
