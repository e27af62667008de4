/*
 * test_origin_store.c — the gateway's own table through sqlite: WAL mode,
 * schema_version row "origin" = 1, a save/load round trip (by upstream
 * name, so renumbered ids keep the table), rows of unknown upstreams
 * dropped, sources that were up getting a fresh deadline, a newer schema
 * refused, and a general store's tables in the same file left alone.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instances/origin_store.h"
#include "tests/unit/check_run.h"

static char dir[64], path[128];
static const char *names[] = { NULL, "isp-a", "isp-b", "isp-c" };

static const char *nm_name(uint16_t id, void *arg)
{
	(void)arg;
	return id >= 1 && id <= 3 ? names[id] : NULL;
}

static uint16_t nm_id(const char *name, void *arg)
{
	(void)arg;
	for (uint16_t i = 1; i <= 3; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return 0;
}

static uint64_t nm_deadline(const char *client, uint16_t src, void *arg)
{
	(void)client;
	(void)src;
	(void)arg;
	return 4242;
}

static const struct origin_store_names nm = { nm_name, nm_id, nm_deadline, NULL };

static void no_send(uint16_t id, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, void *arg)
{
	(void)id; (void)p; (void)attrs; (void)len; (void)owner; (void)arg;
}

static const struct origin_ops ops = { no_send };

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_origin_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/%s", dir, ORIGIN_STORE_FILE);
	names[1] = "isp-a";
	names[2] = "isp-b";
}

static void teardown(void)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct bgp_prefix P(const char *s)
{
	struct bgp_prefix p;
	ck_assert(bgp_prefix_parse(s, &p));
	return p;
}

static void sql(const char *q, char *out, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	out[0] = 0;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

struct seen { int n; char last[160]; };

static void count_sent(uint16_t id, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, uint16_t src, uint64_t sent_at, void *arg)
{
	struct seen *s = arg;
	char pfx[BGP_PREFIX_STRLEN];
	bgp_prefix_format(p, pfx, sizeof pfx);
	snprintf(s->last, sizeof s->last, "%u %s %zu %s %u %llu", id, pfx, len, owner, src,
	    (unsigned long long)sent_at);
	(void)attrs;
	s->n++;
}

static void source_seen(const char *client, uint16_t src, bool up, uint64_t until, void *arg)
{
	struct seen *s = arg;
	snprintf(s->last, sizeof s->last, "%s %u %d %llu", client, src, up,
	    (unsigned long long)until);
	s->n++;
}

START_TEST(round_trip)
{
	char why[256], v[64];
	struct origin *o = origin_new(&ops, NULL);
	const uint8_t a[] = { 0x40, 1, 1, 0 };
	struct origin_out outs[] = { { 1, a, 4 }, { 2, a, 4 } };
	struct bgp_prefix p = P("184.164.224.0/24");

	origin_source_up(o, "vnet", 1);
	origin_announce(o, "vnet", 1, &p, outs, 2, 1000);
	origin_source_up(o, "other", 2);
	struct origin_store *s = origin_store_open(path, why, sizeof why);
	ck_assert_msg(s != NULL, "%s", why);
	ck_assert(origin_store_save(s, o, &nm, why, sizeof why));
	origin_store_close(s);
	origin_free(o);

	sql("PRAGMA journal_mode", v, sizeof v);
	ck_assert_str_eq(v, "wal");
	sql("SELECT version FROM schema_version WHERE component = 'origin'", v, sizeof v);
	ck_assert_str_eq(v, "1");
	sql("SELECT count(*) FROM origin_announced", v, sizeof v);
	ck_assert_str_eq(v, "2");

	/* ids renumbered: names carry the rows; isp-b gone: its row dropped */
	names[1] = NULL;
	names[2] = NULL;
	names[3] = "isp-a";
	s = origin_store_open(path, why, sizeof why);
	o = origin_new(&ops, NULL);
	ck_assert_int_eq(origin_store_load(s, o, &nm, why, sizeof why), 1);
	struct seen seen = { 0 };
	origin_each_sent(o, 0, count_sent, &seen);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_str_eq(seen.last, "3 184.164.224.0/24 4 vnet 3 1000");
	memset(&seen, 0, sizeof seen);
	origin_each_source(o, source_seen, &seen);
	ck_assert_int_eq(seen.n, 1);            /* "other" was on isp-b */
	ck_assert_str_eq(seen.last, "vnet 3 0 4242");   /* was up: a fresh deadline */
	ck_assert_uint_eq(origin_source_count(o, "vnet", 3), 1);
	origin_free(o);
	origin_store_close(s);
	names[3] = NULL;
}
END_TEST

START_TEST(newer_schema_refused_others_kept)
{
	char why[256], v[64];
	struct origin_store *s = origin_store_open(path, why, sizeof why);
	sqlite3 *db;

	ck_assert_ptr_nonnull(s);
	origin_store_close(s);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE peers (x); INSERT INTO peers VALUES (7);"
	    "INSERT INTO schema_version VALUES ('store', 3);", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct origin *o = origin_new(&ops, NULL);
	s = origin_store_open(path, why, sizeof why);
	ck_assert_ptr_nonnull(s);
	ck_assert(origin_store_save(s, o, &nm, why, sizeof why));
	origin_store_close(s);
	origin_free(o);
	sql("SELECT x FROM peers", v, sizeof v);
	ck_assert_str_eq(v, "7");
	sql("SELECT version FROM schema_version WHERE component = 'store'", v, sizeof v);
	ck_assert_str_eq(v, "3");

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE schema_version SET version = 2 WHERE "
	    "component = 'origin'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_ptr_null(origin_store_open(path, why, sizeof why));
	ck_assert_msg(strstr(why, "newer") != NULL, "%s", why);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("origin_store");
	TCase *t = tcase_create("origin_store");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, round_trip);
	tcase_add_test(t, newer_schema_refused_others_kept);
	suite_add_tcase(su, t);
	return check_run(su);
}
