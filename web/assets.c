/*
 * assets.c — looks up an embedded file by its URL path.
 */
#include "web/assets.h"

#include <string.h>

const struct web_asset *web_asset_find(const char *path)
{
	for (const struct web_asset *a = web_assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}
