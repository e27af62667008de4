/*
 * test_store.c — the sqlite store: per-component migrations, WAL and
 * foreign keys, provisioned clients with their audit rows, batched
 * session events.
 */
#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "muxd/store/opstore.h"
#include "muxd/store/store.h"
#include "tests/unit/check_run.h"

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/test_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/bgpmux.db", dir);
}

static void teardown(void)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct store *open_ok(void)
{
	char why[256] = "";
	struct store *st = store_open(path, why, sizeof why);
	ck_assert_msg(st != NULL, "%s", why);
	return st;
}

static int64_t query_int(struct store *st, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static const char *query_text(struct store *st, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *q;

	buf[0] = 0;
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return buf;
}

START_TEST(test_pragmas)
{
	struct store *st = open_ok();
	char buf[32];

	ck_assert_str_eq(query_text(st, "PRAGMA journal_mode", buf, sizeof buf), "wal");
	ck_assert_int_eq(query_int(st, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(query_int(st, "PRAGMA synchronous"), 2);      /* FULL */
	store_close(st);
}
END_TEST

static const char *const m_a[] = {
	"CREATE TABLE a_parent (id INTEGER PRIMARY KEY);"
	"CREATE TABLE a_child (p INTEGER NOT NULL REFERENCES a_parent(id));",
	"ALTER TABLE a_parent ADD COLUMN note TEXT;",
};
static const char *const m_b[] = { "CREATE TABLE b (x);" };

START_TEST(test_migrations_per_component)
{
	char why[256];
	struct store *st = open_ok();

	ck_assert_int_eq(store_version(st, "a"), 0);
	ck_assert(store_migrate(st, "a", m_a, 1, why, sizeof why));
	ck_assert_int_eq(store_version(st, "a"), 1);
	ck_assert(store_migrate(st, "b", m_b, 1, why, sizeof why));
	/* a's second migration runs alone; b stays */
	ck_assert(store_migrate(st, "a", m_a, 2, why, sizeof why));
	ck_assert_int_eq(store_version(st, "a"), 2);
	ck_assert_int_eq(store_version(st, "b"), 1);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM pragma_table_info('a_parent') "
	    "WHERE name = 'note'"), 1);
	/* again: nothing to do, nothing fails */
	ck_assert(store_migrate(st, "a", m_a, 2, why, sizeof why));
	/* foreign keys are enforced */
	ck_assert(!store_exec(st, "INSERT INTO a_child(p) VALUES (42)"));
	/* an older muxd refuses a newer schema */
	ck_assert(!store_migrate(st, "a", m_a, 1, why, sizeof why));
	ck_assert_ptr_nonnull(strstr(why, "newer than this muxd knows"));
	store_close(st);
	/* versions persist */
	st = open_ok();
	ck_assert_int_eq(store_version(st, "a"), 2);
	store_close(st);
}
END_TEST

START_TEST(test_failed_migration_rolls_back)
{
	static const char *const bad[] = { "CREATE TABLE ok1 (x);", "CREATE TABLE ok2 (x); NOT SQL;" };
	char why[256];
	struct store *st = open_ok();

	ck_assert(!store_migrate(st, "c", bad, 2, why, sizeof why));
	ck_assert_ptr_nonnull(strstr(why, "migration 2 of c failed"));
	ck_assert_int_eq(store_version(st, "c"), 1);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM sqlite_master WHERE name = 'ok2'"), 0);
	store_close(st);
}
END_TEST

static struct prov_client make_client(const char *name, const char *addr)
{
	struct prov_client pc = { .created_at = 1000, .lifetime = 60, .expires_at = 1060 };
	struct jsonv errs = { 0 };
	char json[256];

	snprintf(json, sizeof json, "{\"name\": \"%s\", \"address\": \"%s\", \"asn\": 65101,"
	    " \"upstreams\": [\"isp-a\"], \"prefixes\": [\"184.164.224.0/24\"],"
	    " \"password\": \"pw\"}", name, addr);
	json_t *j = json_loads(json, 0, NULL);
	ck_assert(config_client_from_json(&errs, "$", j, &pc.cfg));
	json_decref(j);
	return pc;
}

START_TEST(test_clients_and_audit)
{
	char why[256];
	struct store *st = open_ok();
	struct prov_client a = make_client("vnet-1", "127.0.30.1");
	struct prov_client b = make_client("vnet-2", "127.0.30.2");
	struct audit_entry au = { "token 127.0.0.1", "POST", "/api/v1/clients", "vnet-1", 201 };
	struct prov_client *all;

	ck_assert(opstore_migrate(st, why, sizeof why));
	ck_assert(opstore_client_add(st, &a, &au));
	ck_assert(opstore_client_add(st, &b, &au));
	/* the same name again: refused, and no audit row for it */
	ck_assert(!opstore_client_add(st, &a, &au));
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM audit"), 2);
	store_close(st);

	st = open_ok();
	ck_assert(opstore_migrate(st, why, sizeof why));
	size_t n = opstore_clients_load(st, &all);
	ck_assert_uint_eq(n, 2);
	ck_assert(client_config_equal(&all[0].cfg, &a.cfg));
	ck_assert_str_eq(all[0].cfg.password, "pw");
	ck_assert_int_eq(all[0].expires_at, 1060);
	ck_assert(client_config_equal(&all[1].cfg, &b.cfg));
	for (size_t i = 0; i < n; i++)
		prov_client_release(&all[i]);
	free(all);

	au.method = "DELETE";
	ck_assert(opstore_client_del(st, "vnet-1", &au));
	ck_assert(!opstore_client_del(st, "vnet-1", &au));
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM clients"), 1);
	au.result = 401;
	ck_assert(opstore_audit(st, &au));
	json_t *log = opstore_audit_json(st, 10);
	ck_assert_uint_eq(json_array_size(log), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(log, 0), "result")), 401);
	json_decref(log);
	prov_client_release(&a);
	prov_client_release(&b);
	store_close(st);
}
END_TEST

/* Clients stored before the name rule ("", thousands of characters, a
 * newline): load removes them from the store, each with an audit row that
 * keeps its configuration (no password), and loads the others. */
START_TEST(test_clients_bad_names_dropped)
{
	static const char *const bad[] = { "", "a\nforged line", NULL /* long */ };
	char why[256], sql[4096], longname[3001];
	struct store *st = open_ok();
	struct prov_client good = make_client("vnet-1", "127.0.30.1"), *all;
	struct audit_entry au = { "token 127.0.0.1", "POST", "/api/v1/clients", "", 201 };

	ck_assert(opstore_migrate(st, why, sizeof why));
	ck_assert(opstore_client_add(st, &good, &au));
	memset(longname, 'n', 3000);
	longname[3000] = 0;
	for (size_t i = 0; i < 3; i++) {
		sqlite3_stmt *q;
		snprintf(sql, sizeof sql, "INSERT INTO clients(name, config, created_at) VALUES "
		    "(?1, json_object('name', ?1, 'address', '127.0.30.%zu', 'asn', 65101, "
		    "'upstreams', json_array('isp-a'), 'password', 'secret'), 1)", 10 + i);
		ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK);
		sqlite3_bind_text(q, 1, bad[i] ? bad[i] : longname, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(q), SQLITE_DONE);
		sqlite3_finalize(q);
	}
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM clients"), 4);

	size_t n = opstore_clients_load(st, &all);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(all[0].cfg.name, "vnet-1");
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM clients"), 1);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM audit WHERE method = 'LOAD' AND "
	    "result = 410 AND body LIKE '%127.0.30.1_%' AND body NOT LIKE '%secret%'"), 3);
	prov_client_release(&all[0]);
	free(all);
	/* nothing left to drop */
	n = opstore_clients_load(st, &all);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM audit WHERE method = 'LOAD'"), 3);
	prov_client_release(&all[0]);
	free(all);
	prov_client_release(&good);
	store_close(st);
}
END_TEST

/* A full audit table loses its oldest row to each new one: the table
 * never grows past OPSTORE_ROWS_KEEP rows. */
START_TEST(test_audit_pruned)
{
	char why[256], sql[300];
	struct store *st = open_ok();
	struct audit_entry au = { "token 127.0.0.1", "POST", "/api/v1/clients", "x", 400 };

	ck_assert(opstore_migrate(st, why, sizeof why));
	snprintf(sql, sizeof sql, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM n WHERE i < %d) INSERT INTO audit(time_ms, who, method, path, body, result) "
	    "SELECT i, 'old', 'POST', '/', '', 400 FROM n", OPSTORE_ROWS_KEEP);
	ck_assert(store_begin(st) && store_exec(st, sql) && store_commit(st));
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM audit"), OPSTORE_ROWS_KEEP);
	for (int i = 0; i < 3; i++)
		ck_assert(opstore_audit(st, &au));
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM audit"), OPSTORE_ROWS_KEEP);
	ck_assert_int_eq(query_int(st, "SELECT min(id) FROM audit"), 4);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM audit WHERE who = 'token 127.0.0.1'"),
	    3);
	/* a provisioning call prunes too */
	struct prov_client a = make_client("vnet-1", "127.0.30.1");
	au.result = 201;
	ck_assert(opstore_client_add(st, &a, &au));
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM audit"), OPSTORE_ROWS_KEEP);
	ck_assert_int_eq(query_int(st, "SELECT min(id) FROM audit"), 5);
	prov_client_release(&a);
	store_close(st);
}
END_TEST

/* A reason or an audit body cut in the middle of a character (a peer's
 * Shutdown Communication, a long body) still shows, repaired. */
START_TEST(test_rows_cut_mid_character)
{
	char why[256];
	struct event_base *base = event_base_new();
	struct store *st = open_ok();
	struct audit_entry au = { "token 127.0.0.1", "POST", "/api/v1/clients/\xff",
		"{\"name\": \"caf\xc3", 400 };

	ck_assert(opstore_migrate(st, why, sizeof why));
	struct opstore_events *q = opstore_events_new(base, st, 50, 1);
	struct ops_event e = { .time_ms = 1, .session = 1, .from = "Established", .to = "Idle" };
	snprintf(e.peer, sizeof e.peer, "view isp-a peer 127.0.0.1");
	snprintf(e.reason, sizeof e.reason, "received NOTIFICATION 6/2: \"\xe2\x82");
	opstore_event_add(q, &e);
	ck_assert(opstore_audit(st, &au));
	json_t *page = opstore_events_json(st, 0, 10);
	json_t *row = json_array_get(json_object_get(page, "events"), 0);
	ck_assert_ptr_nonnull(row);
	ck_assert_str_eq(json_string_value(json_object_get(row, "reason")),
	    "received NOTIFICATION 6/2: \"\xef\xbf\xbd\xef\xbf\xbd");
	json_t *audit = opstore_audit_json(st, 10);
	row = json_array_get(audit, 0);
	ck_assert_ptr_nonnull(row);
	ck_assert_str_eq(json_string_value(json_object_get(row, "path")),
	    "/api/v1/clients/\xef\xbf\xbd");
	ck_assert_str_eq(json_string_value(json_object_get(row, "body")),
	    "{\"name\": \"caf\xef\xbf\xbd");
	json_decref(page);
	json_decref(audit);
	opstore_events_free(q);
	store_close(st);
	event_base_free(base);
}
END_TEST

static struct ops_event ev(unsigned i)
{
	struct ops_event e = { .time_ms = 1000 + i, .session = 1, .from = "OpenConfirm",
		.to = "Established" };
	snprintf(e.peer, sizeof e.peer, "view isp-a peer %u", i);
	snprintf(e.family, sizeof e.family, "ipv4-unicast");
	snprintf(e.reason, sizeof e.reason, "received NOTIFICATION 6/%u (Cease)", i % 10);
	opstore_reason_code(e.reason, &e.code, &e.subcode);
	return e;
}

START_TEST(test_events_batched)
{
	char why[256];
	struct event_base *base = event_base_new();
	struct store *st = open_ok();

	ck_assert(opstore_migrate(st, why, sizeof why));
	struct opstore_events *q = opstore_events_new(base, st, 50, 4);
	for (unsigned i = 0; i < 3; i++)
		{ struct ops_event e = ev(i); opstore_event_add(q, &e); }
	/* queued, not written: the loop has not run */
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM events"), 0);
	ck_assert_uint_eq(opstore_events_queued(q), 3);
	uint64_t commits = store_stats(st)->commits;
	/* the fourth fills the batch: one transaction for all four */
	struct ops_event e3 = ev(3);
	opstore_event_add(q, &e3);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM events"), 4);
	ck_assert_uint_eq(store_stats(st)->commits, commits + 1);
	/* one more: written by the timer */
	struct ops_event e4 = ev(4);
	opstore_event_add(q, &e4);
	struct timeval tv = { 0, 200000 };
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM events"), 5);

	/* paged, newest first */
	json_t *page = opstore_events_json(st, 0, 2);
	json_t *evs = json_object_get(page, "events");
	ck_assert_uint_eq(json_array_size(evs), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(evs, 0), "peer")),
	    "view isp-a peer 4");
	json_t *nt = json_object_get(json_array_get(evs, 0), "notification");
	ck_assert_int_eq(json_integer_value(json_object_get(nt, "code")), 6);
	ck_assert_int_eq(json_integer_value(json_object_get(nt, "subcode")), 4);
	json_int_t next = json_integer_value(json_object_get(page, "next"));
	json_t *page2 = opstore_events_json(st, next, 10);
	ck_assert_uint_eq(json_array_size(json_object_get(page2, "events")), 3);
	ck_assert(json_is_null(json_object_get(page2, "next")));
	json_decref(page);
	json_decref(page2);

	struct ops_event e5 = ev(5);
	opstore_event_add(q, &e5);
	opstore_events_free(q);         /* flushes */
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM events"), 6);
	store_close(st);
	event_base_free(base);
}
END_TEST

START_TEST(test_reason_code)
{
	uint8_t c = 0, s = 0;

	ck_assert(opstore_reason_code("sent NOTIFICATION 6/3 (Cease, Peer De-configured)", &c, &s));
	ck_assert_uint_eq(c, 6);
	ck_assert_uint_eq(s, 3);
	ck_assert(!opstore_reason_code("Hold timer expired", &c, &s));
	ck_assert(!opstore_reason_code("NOTIFICATION 300/1", &c, &s));
	ck_assert(!opstore_reason_code(NULL, &c, &s));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pragmas);
	tcase_add_test(tc, test_migrations_per_component);
	tcase_add_test(tc, test_failed_migration_rolls_back);
	tcase_add_test(tc, test_clients_and_audit);
	tcase_add_test(tc, test_clients_bad_names_dropped);
	tcase_add_test(tc, test_rows_cut_mid_character);
	tcase_add_test(tc, test_audit_pruned);
	tcase_add_test(tc, test_events_batched);
	tcase_add_test(tc, test_reason_code);
	suite_add_tcase(s, tc);
	return check_run(s);
}
