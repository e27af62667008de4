/*
 * assets.h — the files muxd serves from memory: the web UI (web/ui/) and
 * the OpenAPI document (web/openapi.json), embedded at build time by
 * scripts/embed-assets.sh.
 */
#ifndef BGPMUX_ASSETS_H
#define BGPMUX_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;               /* URL path: "/", "/ui/app.js" */
	const char *content_type;
	const char *data;
	size_t len;
};

/* Terminated by an entry whose path is NULL. */
extern const struct web_asset web_assets[];

/* The asset at this URL path, or NULL. */
const struct web_asset *web_asset_find(const char *path);

#endif
