/*
 * test_config_copy.c — the config structs as values: each copy is deep
 * (the original can go, the copy lives on), each release frees what the
 * struct owns and can run twice, the comparisons see every field; and the
 * normalised configuration (config_to_json) loads again into an equal
 * configuration, passwords aside.
 *
 * Run from the top of the tree (make unit): it reads tests/config/.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/config/config.h"
#include "tests/unit/check_run.h"

static struct config *load(const char *path)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_file(path, &errs);

	ck_assert_msg(c != NULL, "%s: %s", path, errs.count ? errs.lines[0] : "");
	jsonv_free(&errs);
	return c;
}

START_TEST(test_client_copy_is_deep)
{
	struct config *c = load("tests/config/mux.json");
	struct client_config copy;

	client_config_copy(&copy, &c->clients[0]);
	ck_assert(client_config_equal(&copy, &c->clients[0]));
	ck_assert_ptr_ne(copy.name, c->clients[0].name);
	ck_assert_ptr_ne(copy.password, c->clients[0].password);
	ck_assert_ptr_ne(copy.upstreams, c->clients[0].upstreams);
	ck_assert_ptr_ne(copy.prefixes[1], c->clients[0].prefixes[1]);
	ck_assert(copy.graceful_restart);
	copy.graceful_restart = false;          /* a change a reload must see */
	ck_assert(!client_config_equal(&copy, &c->clients[0]));
	copy.graceful_restart = true;
	ck_assert_uint_eq(c->gr_restart_time, 90);
	config_free(c);                 /* the original goes; the copy lives on */
	ck_assert_str_eq(copy.name, "vnet-1");
	ck_assert_str_eq(copy.password, "client-secret");
	ck_assert_str_eq(copy.prefixes[1], "184.164.225.0/24");
	client_config_release(&copy);
	ck_assert_ptr_null(copy.name);
	ck_assert_uint_eq(copy.prefix_count, 0);
	client_config_release(&copy);   /* twice: nothing left to free */
}
END_TEST

START_TEST(test_neighbor_copy_is_deep)
{
	struct config *c = load("tests/config/peers.json");
	struct neighbor_config with, without;

	neighbor_config_copy(&with, &c->peers[0]);
	neighbor_config_copy(&without, &c->peers[1]);
	ck_assert(neighbor_config_equal(&with, &c->peers[0]));
	ck_assert(neighbor_config_equal(&without, &c->peers[1]));
	ck_assert_ptr_ne(with.password, c->peers[0].password);
	ck_assert_ptr_null(without.password);
	config_free(c);
	ck_assert_str_eq(with.name, "every-key");
	ck_assert_str_eq(with.password, "s3cret");
	ck_assert_uint_eq(with.family_ports[1], 1791);
	ck_assert_uint_eq(with.max_prefixes.limit, 1000);
	neighbor_config_release(&with);
	neighbor_config_release(&without);
	ck_assert_ptr_null(with.name);
	ck_assert_ptr_null(with.password);
}
END_TEST

START_TEST(test_upstream_copy_and_compare)
{
	struct config *c = load("tests/config/mux.json");
	struct upstream_config u;

	upstream_config_copy(&u, &c->upstreams[1]);
	ck_assert(upstream_config_equal(&u, &c->upstreams[1]));
	ck_assert_ptr_ne(u.n.name, c->upstreams[1].n.name);
	ck_assert(instance_config_equal(&u.instance, &c->upstreams[1].instance));
	u.instance.family_ports[0] = 1799;      /* one instance field */
	ck_assert(!instance_config_equal(&u.instance, &c->upstreams[1].instance));
	ck_assert(!upstream_config_equal(&u, &c->upstreams[1]));
	u.instance = c->upstreams[1].instance;
	ck_assert(prefix_limit_config_equal(&u.n.max_prefixes,
	    &c->upstreams[1].n.max_prefixes));
	u.n.max_prefixes.restart++;
	ck_assert(!prefix_limit_config_equal(&u.n.max_prefixes,
	    &c->upstreams[1].n.max_prefixes));
	config_free(c);
	ck_assert_str_eq(u.n.name, "isp-b");
	upstream_config_release(&u);
	ck_assert_ptr_null(u.n.name);
}
END_TEST

START_TEST(test_api_copy_is_deep)
{
	struct config *c = load("tests/config/mux.json");
	struct api_config a;

	api_config_copy(&a, &c->api);
	ck_assert_ptr_ne(a.token_file, c->api.token_file);
	config_free(c);
	ck_assert_str_eq(a.token_file, "/nonexistent/bgpmux-golden-token");
	ck_assert_uint_eq(a.header_timeout, 5);
	api_config_release(&a);
	ck_assert_ptr_null(a.token_file);
}
END_TEST

/* A password: not in text; in c from now on as "<set>", as text shows it. */
static void password_shown(char **pw, const char *text)
{
	if (*pw == NULL)
		return;
	ck_assert_msg(strstr(text, *pw) == NULL, "password \"%s\" printed", *pw);
	free(*pw);
	*pw = strdup("<set>");
}

static void passwords_shown(struct config *c, const char *text)
{
	for (size_t i = 0; i < c->peer_count; i++)
		password_shown(&c->peers[i].password, text);
	for (size_t i = 0; i < c->upstream_count; i++)
		password_shown(&c->upstreams[i].n.password, text);
	for (size_t i = 0; i < c->client_count; i++)
		password_shown(&c->clients[i].password, text);
}

static void assert_same(const struct config *a, const struct config *b)
{
	ck_assert_uint_eq(a->asn, b->asn);
	ck_assert_uint_eq(a->router_id, b->router_id);
	ck_assert_str_eq(a->state_dir, b->state_dir);
	ck_assert_uint_eq(a->listen_port, b->listen_port);
	ck_assert_int_eq(a->log_level, b->log_level);
	ck_assert_uint_eq(a->open_timeout, b->open_timeout);
	ck_assert_str_eq(a->user ? a->user : "", b->user ? b->user : "");
	ck_assert(a->seccomp == b->seccomp);
	ck_assert_uint_eq(a->peer_count, b->peer_count);
	for (size_t i = 0; i < a->peer_count; i++) {
		ck_assert(neighbor_config_equal(&a->peers[i], &b->peers[i]));
		ck_assert(prefix_limit_config_equal(&a->peers[i].max_prefixes,
		    &b->peers[i].max_prefixes));
	}
	ck_assert_uint_eq(a->upstream_count, b->upstream_count);
	for (size_t i = 0; i < a->upstream_count; i++)
		ck_assert(upstream_config_equal(&a->upstreams[i], &b->upstreams[i]));
	ck_assert_uint_eq(a->client_count, b->client_count);
	for (size_t i = 0; i < a->client_count; i++)
		ck_assert(client_config_equal(&a->clients[i], &b->clients[i]));
	ck_assert(mrt_config_equal(&a->mrt, &b->mrt));
	ck_assert(bmp_config_equal(a, b));
	ck_assert(sockaddr_equal(&a->api.listen, &b->api.listen));
	ck_assert_str_eq(a->api.token_file ? a->api.token_file : "",
	    b->api.token_file ? b->api.token_file : "");
	ck_assert_uint_eq(a->api.header_timeout, b->api.header_timeout);
	ck_assert_uint_eq(a->api.body_timeout, b->api.body_timeout);
	ck_assert_uint_eq(a->stream_max_queue, b->stream_max_queue);
	ck_assert_uint_eq(a->stream_idle_timeout, b->stream_idle_timeout);
}

static const char *const cases[] = {
	"scripts/demo-config.json", "tests/config/mux.json", "tests/config/peers.json",
	"tests/config/privileges.json",
};

/* Printed and loaded again: the same configuration, but each password
 * reads "<set>", and no password's text is in the print. */
START_TEST(test_printed_loads_equal)
{
	struct config *c = load(cases[_i]);
	json_t *j = config_to_json(c);
	char *text = json_dumps(j, JSON_PRESERVE_ORDER);
	struct jsonv errs = { 0 };
	struct config *again = config_load_string(text, &errs);

	ck_assert_msg(again != NULL, "%s: %s", cases[_i], errs.count ? errs.lines[0] : "");
	passwords_shown(c, text);
	assert_same(c, again);
	free(text);
	json_decref(j);
	config_free(c);
	config_free(again);
}
END_TEST

/* The keys come in the order the configuration's schema lists them. */
START_TEST(test_key_order)
{
	static const char *const top[] = { "asn", "router_id", "state_dir", "listen_port",
		"log_level", "open_timeout", "graceful_restart", "seccomp", "peers", "upstreams",
		"clients", "api", "mrt",
		"bmp", "stream" };
	struct config *c = load("tests/config/mux.json");
	json_t *j = config_to_json(c);
	const char *key;
	json_t *val;
	size_t k = 0;

	json_object_foreach(j, key, val) {
		ck_assert_uint_lt(k, sizeof top / sizeof top[0]);
		ck_assert_str_eq(key, top[k++]);
	}
	ck_assert_uint_eq(k, sizeof top / sizeof top[0]);
	json_decref(j);
	config_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_copy");
	TCase *tc = tcase_create("config_copy");

	tcase_add_test(tc, test_client_copy_is_deep);
	tcase_add_test(tc, test_neighbor_copy_is_deep);
	tcase_add_test(tc, test_upstream_copy_and_compare);
	tcase_add_test(tc, test_api_copy_is_deep);
	tcase_add_loop_test(tc, test_printed_loads_equal, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, test_key_order);
	suite_add_tcase(s, tc);
	return check_run(s);
}
