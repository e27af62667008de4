/*
 * walk.c — one cursor, many members: chunks, the client routes and the
 * passed live changes are encoded once and handed to every member's
 * session.
 */
#include "instances/walk.h"

#include <stdlib.h>
#include <string.h>

#include "instances/c2c.h"
#include "instances/client_int.h"
#include "instances/export.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/lib/log.h"

struct walk {
	struct fanout_class *cls[AID_RIB_MAX];
	struct bgp_family fams[BGP_MAX_FAMILIES];
	uint8_t fam_count;
	uint16_t afi;
	bool refresh;
	bool started;                   /* the cursor has moved */
	bool empty;                     /* no family to walk */
	struct feed_cursor cursor;
	struct bgp_prefix last;         /* last prefix sent (one path per prefix) */
	bool has_last;
	uint64_t routes;

	struct client **members;
	size_t n, cap;
	struct session **dst;           /* scratch: the members' sessions */

	struct fanout_route *buf[AID_RIB_MAX];  /* a chunk, per family */
	size_t bufn[AID_RIB_MAX];
	const bool *eor_held;           /* walk_hold_eor; NULL: none held */
};

/* Passed live changes, filtered for one walk, and their owners; grow as
 * needed. */
static struct fanout_route *live_buf;
static char **live_owner;
static size_t live_cap;

struct walk *walk_new(struct fanout_class *const cls[AID_RIB_MAX],
    const struct bgp_family *fams, uint8_t fam_count, uint16_t afi, bool refresh)
{
	struct walk *w = xcalloc(1, sizeof *w);
	unsigned ncls = 0;
	uint16_t only = 0;

	memcpy(w->cls, cls, sizeof w->cls);
	memcpy(w->fams, fams, fam_count * sizeof fams[0]);
	w->fam_count = fam_count;
	FOR_EACH_RIB_AID(aid)
		if (cls[aid] != NULL)
			ncls++, only = bgp_af(aid)->afi;
	if (afi == 0 && ncls == 1)
		afi = only;
	w->afi = afi;
	w->empty = ncls == 0;
	w->refresh = refresh;
	feed_cursor_init(&w->cursor, afi);
	return w;
}

void walk_free(struct walk *w)
{
	if (w == NULL)
		return;
	FOR_EACH_RIB_AID(aid)
		free(w->buf[aid]);
	free(w->members);
	free(w->dst);
	free(w);
}

bool walk_joinable(const struct walk *w, struct fanout_class *const cls[AID_RIB_MAX],
    const struct bgp_family *fams, uint8_t fam_count)
{
	return !w->started && !w->refresh &&
	    memcmp(w->cls, cls, sizeof w->cls) == 0 && w->fam_count == fam_count &&
	    memcmp(w->fams, fams, fam_count * sizeof fams[0]) == 0;
}

void walk_add(struct walk *w, struct client *c)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4;
		w->members = xreallocarray(w->members, w->cap, sizeof *w->members);
		w->dst = xreallocarray(w->dst, w->cap, sizeof *w->dst);
	}
	w->members[w->n++] = c;
}

bool walk_remove(struct walk *w, struct client *c)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->members[i] == c) {
			w->members[i] = w->members[--w->n];
			return true;
		}
	}
	return false;
}

size_t walk_member_count(const struct walk *w) { return w->n; }
struct client *walk_member(const struct walk *w, size_t i) { return w->members[i]; }
bool walk_refresh(const struct walk *w) { return w->refresh; }
uint16_t walk_afi(const struct walk *w) { return w->afi; }

const char *walk_afi_text(uint16_t afi)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);

	return aid == AID_NONE ? "every family" : bgp_af(aid)->afi_name;
}

/* Whether the walk sends the family aid: negotiated, and the one asked
 * for (afi 0: every family). */
static bool walks_family(const struct walk *w, enum bgp_aid aid)
{
	return w->cls[aid] != NULL && (w->afi == 0 || w->afi == bgp_af(aid)->afi);
}

bool walk_done(const struct walk *w)
{
	return w->empty || feed_cursor_done(&w->cursor);
}

struct walk *walk_split(struct walk *w, struct client *c)
{
	struct walk *s = walk_new(w->cls, w->fams, w->fam_count, w->afi, w->refresh);

	s->cursor = w->cursor;
	s->last = w->last;
	s->has_last = w->has_last;
	s->started = w->started;
	s->routes = w->routes;
	s->eor_held = w->eor_held;
	walk_remove(w, c);
	walk_add(s, c);
	return s;
}

static size_t member_sessions(struct walk *w)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++)
		if (w->members[i]->session != NULL)
			w->dst[n++] = w->members[i]->session;
	return n;
}

/* ---- the chunks -------------------------------------------------------- */

static bool addpath(const struct walk *w, enum bgp_aid aid)
{
	return fanout_class_key(w->cls[aid])->addpath;
}

static int step_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct walk *w = arg;
	enum bgp_aid aid = bgp_aid_unicast(p->afi);

	if (!bgp_aid_is_rib(aid) || w->cls[aid] == NULL)
		return 0;
	struct fanout_route *r = &w->buf[aid][w->bufn[aid]];
	r->p = *p;
	if (!addpath(w, aid)) {
		/* One path per prefix: the first the walk meets, the lowest id. */
		if (w->has_last && w->last.afi == p->afi && w->last.len == p->len &&
		    memcmp(w->last.addr, p->addr, sizeof p->addr) == 0)
			return 0;
		w->last = *p;
		w->has_last = true;
		r->p.path_id = 0;
	}
	r->set = set;
	w->bufn[aid]++;
	return 0;
}

static int route_by_set(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct fanout_route *)a)->set;
	uintptr_t y = (uintptr_t)((const struct fanout_route *)b)->set;
	return x < y ? -1 : x > y;
}

/*
 * A refresh walk's demarcation (RFC 7313 §4): BoRR before its first
 * route, EoRR after its last, for each family it walks, to each member
 * that negotiated enhanced route refresh. The receiver marks its routes
 * of the family stale at BoRR and drops those still stale at EoRR; live
 * changes in between are announcements (no longer stale) or withdrawals,
 * so what it holds at EoRR is the view as it is then. Sent outside any
 * fanout_out, so the session's queue keeps them in order with the chunks.
 */
static void members_demarcate(struct walk *w, uint8_t subtype)
{
	uint8_t buf[2 * (BGP_HEADER_LEN + 4)];

	for (size_t i = 0; i < w->n; i++) {
		struct session *s = w->members[i]->session;
		if (s == NULL || !session_negotiated(s)->enhanced_rr)
			continue;
		struct wbuf b = wbuf_make(buf, sizeof buf);
		FOR_EACH_RIB_AID(aid) {
			struct bgp_route_refresh rr = { bgp_af(aid)->afi, subtype,
				bgp_af(aid)->safi };
			if (walks_family(w, aid))
				bgp_route_refresh_encode(&b, &rr);
		}
		if (b.len)
			session_send(s, buf, b.len);
	}
}

static void members_refreshed(struct walk *w)
{
	members_demarcate(w, BGP_RR_EORR);
	for (size_t i = 0; i < w->n; i++) {
		struct client *c = w->members[i];
		if (c->session == NULL)
			continue;
		log_peer_info(client_label(c), "ROUTE-REFRESH answered: sent the view "
		    "again (%llu routes of %s%s)", (unsigned long long)w->routes,
		    walk_afi_text(w->afi),
		    session_negotiated(c->session)->enhanced_rr ?
		    ", between Beginning and End of Route Refresh" : "");
	}
}

void walk_hold_eor(struct walk *w, const bool held[AID_RIB_MAX])
{
	w->eor_held = held;
}

static bool eor_held(const struct walk *w, struct bgp_family f)
{
	enum bgp_aid aid = bgp_aid_rib(f.afi, f.safi);

	return w->eor_held && bgp_aid_is_rib(aid) && w->eor_held[aid];
}

static void members_steady(struct walk *w, bool held)
{
	for (size_t i = 0; i < w->n; i++) {
		struct client *c = w->members[i];
		if (c->session == NULL)
			continue;
		c->state = CLIENT_STEADY;
		log_peer_info(client_label(c), "sent the whole view (%llu routes%s) and "
		    "End-of-RIB%s", (unsigned long long)w->routes,
		    w->n > 1 ? ", one walk shared by clients joining together" : "",
		    held ? " (of some families only after the upstream's: muxd restarted)" : "");
	}
}

/* The client routes of the families walked, current: from now on every
 * change of them is passed. */
static void members_c2c(struct walk *w, const struct c2c *c2c)
{
	FOR_EACH_RIB_AID(aid) {
		const struct fanout_route *r;
		char *const *owner;
		if (!walks_family(w, aid))
			continue;
		size_t n = c2c_routes(c2c, bgp_af(aid)->afi, &r, &owner);
		export_send(w->cls[aid], w->members, w->n, r, owner, n, NULL);
	}
}

size_t walk_step(struct walk *w, const struct feed *f, const struct c2c *c2c, size_t max)
{
	struct fanout_out out;
	size_t sent = 0;

	if (max > WALK_CHUNK)
		max = WALK_CHUNK;
	size_t ndst = member_sessions(w);
	if (w->refresh && !w->started)
		members_demarcate(w, BGP_RR_BORR);
	if (c2c && !w->started)
		members_c2c(w, c2c);
	w->started = true;
	memset(w->bufn, 0, sizeof w->bufn);
	if (!w->empty) {
		FOR_EACH_RIB_AID(aid)
			if (w->cls[aid] && w->buf[aid] == NULL)
				w->buf[aid] = xmalloc(WALK_CHUNK * sizeof *w->buf[aid]);
		feed_cursor_next(f, &w->cursor, max, step_cb, w);
	}
	fanout_out_init(&out, w->dst, ndst);
	FOR_EACH_RIB_AID(aid) {
		size_t n = w->bufn[aid];
		if (n == 0)
			continue;
		/* Within a chunk order is free: grouped by set, it packs better. */
		qsort(w->buf[aid], n, sizeof *w->buf[aid], route_by_set);
		fanout_encode(w->cls[aid], &out, w->buf[aid], n);
		sent += n;
	}
	w->routes += sent;
	if (walk_done(w) && !w->refresh) {
		bool held = false;
		for (uint8_t i = 0; i < w->fam_count; i++) {
			if (eor_held(w, w->fams[i]))
				held = true;
			else
				fanout_eor(&out, w->fams[i].afi, w->fams[i].safi);
		}
		members_steady(w, held);
	}
	fanout_out_finish(&out);
	if (walk_done(w) && w->refresh)
		members_refreshed(w);
	for (size_t i = 0; i < w->n; i++)
		w->members[i]->st.walked += sent;
	return sent;
}

void walk_live(struct walk *w, enum bgp_aid aid, const struct fanout_route *r,
    char *const *owner, size_t n)
{
	size_t m = 0;

	if (w->refresh || w->cls[aid] == NULL || !w->started)
		return;         /* before the first chunk nothing is passed */
	if (n > live_cap) {
		live_cap = n < 1024 ? 1024 : n;
		free(live_buf);
		free(live_owner);
		live_buf = xmalloc(live_cap * sizeof *live_buf);
		live_owner = xmalloc(live_cap * sizeof *live_owner);
	}
	for (size_t i = 0; i < n; i++) {
		/* a client route is passed: the first chunk sent them all */
		if ((owner && owner[i]) || feed_cursor_passed(&w->cursor, &r[i].p)) {
			live_owner[m] = owner ? owner[i] : NULL;
			live_buf[m++] = r[i];
		}
	}
	if (m == 0)
		return;
	export_send(w->cls[aid], w->members, w->n, live_buf, owner ? live_owner : NULL, m,
	    NULL);
	for (size_t i = 0; i < w->n; i++)
		w->members[i]->st.live += m;
}
