/*
 * jsonv.h — validating reads from a jansson tree, each error naming the
 * JSON path at fault. Used by the config file and by API request bodies,
 * so both say "$.peers[0].peer.asn: expected an integer 1..4294967295".
 *
 * A reader keeps going after an error so that one pass reports them all.
 */
#ifndef BGPMUX_JSONV_H
#define BGPMUX_JSONV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonv {
	char **lines;       /* "PATH: message" */
	size_t count;
	const char *first_field; /* path of the first error, for API replies */
	/* When set, told of every object checked and the keys it may hold
	 * (muxd --dump-config-keys: the manual's keys against the parser's). */
	void (*on_object)(void *arg, const char *path, const char *const *allowed);
	void *on_object_arg;
};

void jsonv_error(struct jsonv *v, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void jsonv_free(struct jsonv *v);

/* "$.a" + "b" → "$.a.b"; "$.a" + index 3 → "$.a[3]". buf ≥ 256 bytes. */
void jsonv_path_key(char *buf, size_t len, const char *base, const char *key);
void jsonv_path_index(char *buf, size_t len, const char *base, size_t i);

/* obj must be an object whose keys are all in the NULL-terminated list. */
bool jsonv_object(struct jsonv *v, const char *path, json_t *obj,
    const char *const *allowed);

/* Each getter: a missing key leaves *out at its default and is fine unless
 * `required`; a wrong type or range is an error. */
bool jsonv_uint(struct jsonv *v, const char *path, json_t *obj, const char *key,
    bool required, uint64_t min, uint64_t max, uint64_t *out);
bool jsonv_bool(struct jsonv *v, const char *path, json_t *obj, const char *key,
    bool required, bool *out);
/* *out points into the tree (valid while it lives); copy if kept. */
bool jsonv_string(struct jsonv *v, const char *path, json_t *obj,
    const char *key, bool required, const char **out);
/* One of the NULL-terminated choices; *out = its index. */
bool jsonv_enum(struct jsonv *v, const char *path, json_t *obj, const char *key,
    bool required, const char *const *choices, int *out);
/* An array (missing → NULL without error unless required). */
json_t *jsonv_array(struct jsonv *v, const char *path, json_t *obj,
    const char *key, bool required);
json_t *jsonv_child_object(struct jsonv *v, const char *path, json_t *obj,
    const char *key, bool required);

#endif
