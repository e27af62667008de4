/*
 * knl_route.c — routes: batches of changes, dumps of a table range,
 * counts, and the clean-up of muxd's own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/kernel/knl_int.h"
#include "muxd/lib/xalloc.h"

/* Routes deleted per dump of a flush: bounds its memory on a full table. */
#define KNL_FLUSH_ROUND 65536

const char *kroute_error_str(const struct kroute *r, int err, const char *ext,
                             char *buf, size_t len)
{
	char what[128];

	snprintf(buf, len, "route %s: %s%s%s%s", kroute_str(r, what, sizeof what),
	         strerror(err), ext ? " (" : "", ext ? ext : "", ext ? ")" : "");
	return buf;
}

struct apply {
	enum kroute_op op;
	const struct kroute *v;
	knl_route_fail_fn *fail;
	void *arg;
};

static struct nlmsghdr *build_route(void *buf, size_t i, void *arg)
{
	const struct apply *a = arg;
	struct kroute r = a->v[i];

	r.protocol = KMSG_RTPROT_BGPMUX;
	return kmsg_route(buf, a->op, &r);
}

static void route_refused(size_t i, int err, const char *ext, void *arg)
{
	const struct apply *a = arg;

	if (a->fail != NULL)
		a->fail(&a->v[i], err, ext, a->arg);
}

int knl_routes_apply(struct knl *nl, enum kroute_op op, const struct kroute *v,
                     size_t n, knl_route_fail_fn *fail, void *arg, size_t *failed,
                     size_t *done)
{
	struct apply a = { op, v, fail, arg };
	size_t ignored;

	return knl_batch(nl, n, build_route, route_refused, &a, failed,
	                 done != NULL ? done : &ignored);
}

struct route_walk {
	const struct kroute_filter *f;
	knl_route_fn *cb;
	void *arg;
};

static int route_reply(const struct nlmsghdr *nlh, void *arg)
{
	const struct route_walk *w = arg;
	struct kroute r;
	int err = kmsg_route_parse(nlh, &r);

	if (err == -ENOENT)
		return 0; /* a kind of route muxd never makes */
	if (err < 0)
		return -EPROTO;
	if (r.table < w->f->table_min || r.table > w->f->table_max ||
	    (w->f->protocol != 0 && r.protocol != w->f->protocol))
		return 0;
	w->cb(&r, w->arg);
	return 0;
}

int knl_routes_dump(struct knl *nl, const struct kroute_filter *f,
                    knl_route_fn *cb, void *arg)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	struct route_walk w = { f, cb, arg };
	uint8_t buf[KMSG_MAX];

	for (size_t i = 0; i < 2; i++) {
		if (f->family != 0 && f->family != families[i])
			continue;
		int err = knl_dump(nl, kmsg_route_dump(buf, families[i]), route_reply, &w,
		                   families[i] == AF_INET ? "dump ipv4 routes" : "dump ipv6 routes");
		if (err < 0)
			return err;
	}
	return 0;
}

static void route_count(const struct kroute *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
}

int knl_routes_count(struct knl *nl, const struct kroute_filter *f, size_t *n)
{
	*n = 0;
	return knl_routes_dump(nl, f, route_count, n);
}

struct route_list {
	struct kroute *v;
	size_t n, cap;
	bool full;
};

static void route_collect(const struct kroute *r, void *arg)
{
	struct route_list *l = arg;

	if (l->n == KNL_FLUSH_ROUND) {
		l->full = true;
		return;
	}
	l->v = xgrow_array(l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = *r;
}

/* A route gone between the dump and its deletion is not a failure. */
static void flush_refused(const struct kroute *r, int err, const char *ext, void *arg)
{
	struct knl *nl = arg;
	char what[128];

	if (err != ESRCH)
		knl_fail(nl, err, ext, "flush: route %s", kroute_str(r, what, sizeof what));
}

int knl_routes_flush(struct knl *nl, const struct kroute_filter *f, size_t *removed)
{
	struct kroute_filter ours = *f;
	struct route_list l = { 0 };
	int err;

	ours.protocol = KMSG_RTPROT_BGPMUX;
	*removed = 0;
	nl->err[0] = '\0';
	for (;;) {
		size_t failed;
		l.n = 0;
		l.full = false;
		err = knl_routes_dump(nl, &ours, route_collect, &l);
		if (err < 0 || l.n == 0)
			break;
		err = knl_routes_apply(nl, KROUTE_DEL, l.v, l.n, flush_refused, nl, &failed, NULL);
		*removed += l.n - failed;
		if (err < 0 || !l.full || failed == l.n)
			break;
	}
	free(l.v);
	if (err == 0 && nl->err[0] != '\0')
		err = -EIO; /* a deletion was refused: knl_error says which */
	return err;
}
