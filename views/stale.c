/*
 * stale.c — the stale routes of a restarting upstream (stale.h).
 */
#include "views/stale.h"

#include <event2/event.h>
#include <stdlib.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/lib/log.h"

struct stale_fam {
	struct stale *st;
	uint16_t afi;
	bool pending;
	struct event *timer;
};

struct stale {
	struct adjrib *rib;             /* the view's */
	struct adjrib *keys;            /* the stale routes, both families */
	stale_sweep_cb *sweep;
	stale_expired_cb *expired;
	void *arg;
	struct stale_fam fam[AID_RIB_MAX];
};

static struct stale_fam *fam_of(struct stale *st, uint16_t afi)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);

	return bgp_aid_is_rib(aid) ? &st->fam[aid] : NULL;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stale_fam *f = arg;
	(void)fd;
	(void)what;

	size_t n = stale_sweep(f->st, f->afi);
	if (f->st->expired)
		f->st->expired(f->afi, n, f->st->arg);
}

struct stale *stale_new(struct event_base *base, struct adjrib *rib,
    struct attrstore *store, stale_sweep_cb *sweep, stale_expired_cb *expired,
    void *arg)
{
	struct stale *st = xcalloc(1, sizeof *st);

	st->rib = rib;
	st->keys = adjrib_new(store);
	st->sweep = sweep;
	st->expired = expired;
	st->arg = arg;
	FOR_EACH_RIB_AID(aid) {
		st->fam[aid].st = st;
		st->fam[aid].afi = bgp_af(aid)->afi;
		st->fam[aid].timer = evtimer_new(base, timer_cb, &st->fam[aid]);
		if (st->fam[aid].timer == NULL)
			fatal("out of memory for a view's graceful restart timer");
	}
	return st;
}

void stale_free(struct stale *st)
{
	if (st == NULL)
		return;
	FOR_EACH_RIB_AID(aid)
		event_free(st->fam[aid].timer);
	adjrib_free(st->keys);
	free(st);
}

static void arm(struct stale_fam *f, unsigned secs)
{
	struct timeval tv = { (time_t)secs, 0 };
	evtimer_add(f->timer, &tv);
}

static int copy_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	adjrib_announce(arg, p, set);
	return 0;
}

size_t stale_mark(struct stale *st, uint16_t afi, unsigned secs)
{
	struct stale_fam *f = fam_of(st, afi);

	if (f == NULL)
		return 0;
	adjrib_walk(st->rib, afi, copy_cb, st->keys);
	f->pending = true;
	arm(f, secs);
	return adjrib_count(st->keys, afi);
}

void stale_wait(struct stale *st, uint16_t afi, unsigned secs)
{
	struct stale_fam *f = fam_of(st, afi);

	if (f && f->pending)
		arm(f, secs);
}

void stale_refreshed(struct stale *st, const struct bgp_prefix *p)
{
	struct stale_fam *f = fam_of(st, p->afi);

	if (f && f->pending)
		adjrib_withdraw(st->keys, p);
}

static int sweep_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct stale *st = arg;
	(void)set;
	st->sweep(p, st->arg);          /* changes the view's rib, not keys */
	return 0;
}

size_t stale_sweep(struct stale *st, uint16_t afi)
{
	struct stale_fam *f = fam_of(st, afi);
	size_t n;

	if (f == NULL || !f->pending)
		return 0;
	n = adjrib_count(st->keys, afi);
	adjrib_walk(st->keys, afi, sweep_cb, st);
	stale_forget(st, afi);
	return n;
}

void stale_forget(struct stale *st, uint16_t afi)
{
	struct stale_fam *f = fam_of(st, afi);

	if (f == NULL)
		return;
	evtimer_del(f->timer);
	f->pending = false;
	adjrib_clear_afi(st->keys, afi, NULL, NULL);
}

bool stale_pending(const struct stale *st, uint16_t afi)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);

	return bgp_aid_is_rib(aid) && st->fam[aid].pending;
}

size_t stale_count(const struct stale *st, uint16_t afi)
{
	return adjrib_count(st->keys, afi);
}
