/*
 * table.c — collects cells, then prints them aligned.
 */
#include "muxctl/table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct table {
	size_t ncols;
	char **cells;           /* row-major, ncols per row; row 0: headers */
	size_t ncells, cap;
	size_t col;             /* next cell's column in the current row */
};

static void push(struct table *t, char *s)
{
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->cells = realloc(t->cells, t->cap * sizeof *t->cells);
		if (t->cells == NULL) {
			fprintf(stderr, "muxctl: out of memory\n");
			exit(1);
		}
	}
	t->cells[t->ncells++] = s;
}

struct table *table_new(const char *const *headers)
{
	struct table *t = calloc(1, sizeof *t);

	for (; headers[t->ncols] && t->ncols < TABLE_MAX_COLS; t->ncols++)
		push(t, strdup(headers[t->ncols]));
	return t;
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (t->col == t->ncols)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = strdup("?");
	va_end(ap);
	push(t, s);
	t->col++;
}

void table_row(struct table *t)
{
	while (t->col < t->ncols)
		table_cell(t, "%s", "");
	t->col = 0;
}

void table_print(const struct table *t, FILE *out)
{
	size_t width[TABLE_MAX_COLS] = { 0 };

	for (size_t i = 0; i < t->ncells; i++) {
		size_t w = strlen(t->cells[i]);
		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (size_t i = 0; i < t->ncells; i++) {
		size_t c = i % t->ncols;
		if (c == t->ncols - 1)
			fprintf(out, "%s\n", t->cells[i]);
		else
			fprintf(out, "%-*s  ", (int)width[c], t->cells[i]);
	}
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

const char *json_cell_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "-";
}

long long json_cell_num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* A JSON array of strings or numbers, joined with sep. */
char *json_cell_joined(const json_t *arr, const char *sep)
{
	size_t cap = 256, len = 0, i;
	char *out = calloc(1, cap);
	json_t *v;

	json_array_foreach(arr, i, v) {
		char item[128];
		if (json_is_string(v))
			snprintf(item, sizeof item, "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(item, sizeof item, "%lld", (long long)json_integer_value(v));
		else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			snprintf(item, sizeof item, "%s", s ? s : "?");
			free(s);
		}
		while (len + strlen(item) + strlen(sep) + 1 > cap)
			out = realloc(out, cap *= 2);
		len += (size_t)sprintf(out + len, "%s%s", i ? sep : "", item);
	}
	if (len == 0)
		strcpy(out, "-");
	return out;
}
