/*
 * jsonv.c — JSON reads that name the path at fault.
 */
#include "muxd/config/jsonv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/xalloc.h"

void jsonv_error(struct jsonv *v, const char *path, const char *fmt, ...)
{
	char msg[512], line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "%s: %s", path, msg);
	v->lines = xreallocarray(v->lines, v->count + 1, sizeof *v->lines);
	v->lines[v->count++] = xstrdup(line);
	if (v->first_field == NULL)
		v->first_field = v->lines[0];
}

void jsonv_free(struct jsonv *v)
{
	for (size_t i = 0; i < v->count; i++)
		free(v->lines[i]);
	free(v->lines);
	memset(v, 0, sizeof *v);
}

void jsonv_path_key(char *buf, size_t len, const char *base, const char *key)
{
	snprintf(buf, len, "%s.%s", base, key);
}

void jsonv_path_index(char *buf, size_t len, const char *base, size_t i)
{
	snprintf(buf, len, "%s[%zu]", base, i);
}

static bool key_allowed(const char *key, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(key, *allowed) == 0)
			return true;
	return false;
}

bool jsonv_object(struct jsonv *v, const char *path, json_t *obj,
    const char *const *allowed)
{
	const char *key;
	json_t *val;
	char at[256];
	bool ok = true;

	if (!json_is_object(obj)) {
		jsonv_error(v, path, "expected an object");
		return false;
	}
	if (v->on_object)
		v->on_object(v->on_object_arg, path, allowed);
	json_object_foreach(obj, key, val) {
		if (!key_allowed(key, allowed)) {
			jsonv_path_key(at, sizeof at, path, key);
			jsonv_error(v, at, "unknown key (check its spelling)");
			ok = false;
		}
	}
	return ok;
}

/* Fetch obj[key]; NULL when absent (an error if required). */
static json_t *member(struct jsonv *v, const char *path, json_t *obj,
    const char *key, bool required, char *at, size_t atlen)
{
	jsonv_path_key(at, atlen, path, key);
	json_t *val = json_object_get(obj, key);
	if (val == NULL && required)
		jsonv_error(v, at, "missing (required)");
	return val;
}

bool jsonv_uint(struct jsonv *v, const char *path, json_t *obj, const char *key,
    bool required, uint64_t min, uint64_t max, uint64_t *out)
{
	char at[256];
	json_t *val = member(v, path, obj, key, required, at, sizeof at);

	if (val == NULL)
		return !required;
	if (!json_is_integer(val) || json_integer_value(val) < 0 ||
	    (uint64_t)json_integer_value(val) < min ||
	    (uint64_t)json_integer_value(val) > max) {
		jsonv_error(v, at, "expected an integer %llu..%llu",
		    (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*out = (uint64_t)json_integer_value(val);
	return true;
}

bool jsonv_bool(struct jsonv *v, const char *path, json_t *obj, const char *key,
    bool required, bool *out)
{
	char at[256];
	json_t *val = member(v, path, obj, key, required, at, sizeof at);

	if (val == NULL)
		return !required;
	if (!json_is_boolean(val)) {
		jsonv_error(v, at, "expected true or false");
		return false;
	}
	*out = json_is_true(val);
	return true;
}

bool jsonv_string(struct jsonv *v, const char *path, json_t *obj,
    const char *key, bool required, const char **out)
{
	char at[256];
	json_t *val = member(v, path, obj, key, required, at, sizeof at);

	if (val == NULL)
		return !required;
	if (!json_is_string(val)) {
		jsonv_error(v, at, "expected a string");
		return false;
	}
	*out = json_string_value(val);
	return true;
}

bool jsonv_enum(struct jsonv *v, const char *path, json_t *obj, const char *key,
    bool required, const char *const *choices, int *out)
{
	const char *s = NULL;
	char at[256], list[256] = "";

	if (!jsonv_string(v, path, obj, key, required, &s) || s == NULL)
		return s == NULL && !required;
	for (int i = 0; choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return true;
		}
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"",
		    i ? ", " : "", choices[i]);
	}
	jsonv_path_key(at, sizeof at, path, key);
	jsonv_error(v, at, "\"%s\" is not one of %s", s, list);
	return false;
}

json_t *jsonv_array(struct jsonv *v, const char *path, json_t *obj,
    const char *key, bool required)
{
	char at[256];
	json_t *val = member(v, path, obj, key, required, at, sizeof at);

	if (val != NULL && !json_is_array(val)) {
		jsonv_error(v, at, "expected an array");
		return NULL;
	}
	return val;
}

json_t *jsonv_child_object(struct jsonv *v, const char *path, json_t *obj,
    const char *key, bool required)
{
	char at[256];
	json_t *val = member(v, path, obj, key, required, at, sizeof at);

	if (val != NULL && !json_is_object(val)) {
		jsonv_error(v, at, "expected an object");
		return NULL;
	}
	return val;
}
