/*
 * table.h — aligned text tables, as `birdc show protocols` prints them:
 * a header row, then one row per object, each column as wide as its
 * widest cell, two spaces between columns.
 */
#ifndef MUXCTL_TABLE_H
#define MUXCTL_TABLE_H

#include <jansson.h>
#include <stdio.h>

#define TABLE_MAX_COLS 16

struct table;

struct table *table_new(const char *const *headers);
/* Adds a cell to the current row (printf-style); table_row ends the row. */
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void table_row(struct table *t);
void table_print(const struct table *t, FILE *out);
void table_free(struct table *t);

/* A cell's value from an API answer: o[key] as text ("-" when absent or
 * not a string), or as an integer (0 when absent). */
const char *json_cell_str(const json_t *o, const char *key);
long long json_cell_num(const json_t *o, const char *key);
/* An array of strings or numbers joined with sep ("-" when empty), in
 * memory the caller frees. */
char *json_cell_joined(const json_t *arr, const char *sep);

#endif
