/*
 * rib_vpn.c — a view's table as VPN routes and back (rib_vpn.h).
 */
#include "muxd/rib/rib_vpn.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/xalloc.h"

/* One route of a step: borrowed set, its place in prefix order. */
struct vpn_route {
	struct bgp_prefix p;
	const struct attrset *set;
	size_t order;
};

/* An export in progress: the packer, the UPDATE being filled and where
 * it goes. */
struct vpn_out {
	const struct rib_vpn_spec *spec;
	rib_vpn_emit emit;
	void *arg;
	struct rib_vpn_stats *st;
	struct wbuf w;
	struct bgp_packer pk;
	struct bgp_pack_spec ps;
	uint8_t nh[BGP_VPN_NH_MAX];
	int rc;                 /* emit's non-zero result: stop */
};

/* ---- packing ----------------------------------------------------------- */

/* Finish the UPDATE in hand and hand it on. */
static void out_flush(struct vpn_out *o)
{
	size_t len = bgp_packer_finish(&o->pk);

	if (len > 0 && o->rc == 0) {
		o->st->updates++;
		o->rc = o->emit(o->w.p, len, o->arg);
	}
	o->w.len = 0;
	o->w.overflow = false;
}

static void out_route(const struct vpn_out *o, const struct bgp_prefix *p,
    struct bgp_vpn_prefix *vp)
{
	memset(vp, 0, sizeof *vp);
	vp->p = *p;
	vp->rd = o->spec->rd;
	vp->nlabels = 1;
	vp->labels[0] = BGP_VPN_LABEL(o->spec->label & 0xfffff);
}

/* Pack n prefixes, stride bytes apart (a plain array, or the prefixes of
 * a step's routes), under the packer spec o->ps: as many UPDATEs as they
 * need. False when not even one route fits an UPDATE (attributes longer
 * than max_len allows). */
static bool out_pack(struct vpn_out *o, const struct bgp_prefix *routes,
    size_t n, size_t stride)
{
	struct bgp_vpn_prefix vp;

	if (!bgp_packer_begin(&o->pk, &o->w, &o->ps))
		return false;
	for (size_t i = 0; i < n && o->rc == 0; i++) {
		const struct bgp_prefix *p =
		    (const struct bgp_prefix *)((const char *)routes + i * stride);
		out_route(o, p, &vp);
		if (!bgp_vpn_packer_add(&o->pk, &vp)) {
			out_flush(o);
			bgp_packer_begin(&o->pk, &o->w, &o->ps);
			bgp_vpn_packer_add(&o->pk, &vp);
		}
		o->st->routes++;
	}
	out_flush(o);
	return true;
}

static void out_init(struct vpn_out *o, uint16_t afi,
    const struct rib_vpn_spec *spec, rib_vpn_emit emit, void *arg,
    struct rib_vpn_stats *st)
{
	memset(o, 0, sizeof *o);
	o->spec = spec;
	o->emit = emit;
	o->arg = arg;
	o->st = st;
	o->w = wbuf_make(xmalloc(BGP_EXT_MAX_LEN), BGP_EXT_MAX_LEN);
	o->ps.afi = afi;
	o->ps.safi = BGP_SAFI_VPN;
	o->ps.addpath = spec->addpath;
	o->ps.max_len = spec->max_len;
}

/* ---- export ------------------------------------------------------------ */

/* The routes of a step that share a set go together; the step's prefix
 * order is kept within each set. */
static int route_cmp(const void *a, const void *b)
{
	const struct vpn_route *x = a, *y = b;

	if (x->set != y->set)
		return (uintptr_t)x->set < (uintptr_t)y->set ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

struct vpn_step {
	struct vpn_route *r;
	size_t n;
};

static int step_add(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct vpn_step *s = arg;

	s->r[s->n] = (struct vpn_route){ *p, set, s->n };
	s->n++;
	return 0;
}

/* The packer spec's attributes for set: its bytes, its next hop in VPN
 * form. False when the next hop is none a VPN route can carry. */
static bool out_attrs(struct vpn_out *o, const struct attrset *set)
{
	size_t nh_len, wire_len;
	const uint8_t *nh = attrset_next_hop(set, &nh_len);

	o->ps.attrs = attrset_wire(set, &wire_len);
	o->ps.attrs_len = wire_len;
	/* 4 → 12, 16 → 24, 32 (global, link-local) → 48 */
	o->ps.next_hop_len = nh_len == 32 ?
	    bgp_vpn_nh_make(o->nh, nh, 16, nh + 16) :
	    bgp_vpn_nh_make(o->nh, nh, nh_len, NULL);
	o->ps.next_hop = o->nh;
	return o->ps.next_hop_len != 0;
}

/* One set's routes. */
static void export_run(struct vpn_out *o, const struct vpn_route *run, size_t n)
{
	if (!out_attrs(o, run[0].set) || !out_pack(o, &run[0].p, n, sizeof run[0]))
		o->st->skipped += n;
}

void rib_vpn_walk_init(struct rib_vpn_walk *w, uint16_t afi,
    const struct rib_vpn_spec *spec)
{
	memset(w, 0, sizeof *w);
	adjrib_cursor_init(&w->cursor, afi);
	w->spec = *spec;
	w->afi = afi;
}

bool rib_vpn_walk_done(const struct rib_vpn_walk *w)
{
	return adjrib_cursor_done(&w->cursor);
}

int rib_vpn_walk_step(const struct adjrib *rib, struct rib_vpn_walk *w,
    size_t max_routes, rib_vpn_emit emit, void *arg, struct rib_vpn_stats *st)
{
	struct rib_vpn_stats local = { 0 };
	struct vpn_out o;
	struct vpn_step step = { NULL, 0 };

	if (max_routes == 0 || rib_vpn_walk_done(w))
		return 0;
	step.r = xcalloc(max_routes, sizeof *step.r);
	out_init(&o, w->afi, &w->spec, emit, arg, st ? st : &local);
	adjrib_cursor_next(rib, &w->cursor, max_routes, step_add, &step);
	qsort(step.r, step.n, sizeof *step.r, route_cmp);
	for (size_t i = 0, j; i < step.n && o.rc == 0; i = j) {
		for (j = i + 1; j < step.n && step.r[j].set == step.r[i].set; j++)
			;
		export_run(&o, step.r + i, j - i);
	}
	free(step.r);
	free(o.w.p);
	return o.rc;
}

int rib_vpn_export(const struct adjrib *rib, uint16_t afi,
    const struct rib_vpn_spec *spec, rib_vpn_emit emit, void *arg,
    struct rib_vpn_stats *st)
{
	struct rib_vpn_stats local;
	struct rib_vpn_walk w;
	int rc = 0;

	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof *st);
	rib_vpn_walk_init(&w, afi, spec);
	while (rc == 0 && !rib_vpn_walk_done(&w))
		rc = rib_vpn_walk_step(rib, &w, RIB_VPN_CHUNK, emit, arg, st);
	return rc;
}

int rib_vpn_announce(const struct bgp_prefix *p, const struct attrset *set,
    uint16_t afi, const struct rib_vpn_spec *spec, rib_vpn_emit emit, void *arg,
    struct rib_vpn_stats *st)
{
	struct rib_vpn_stats local = { 0 };
	struct vpn_route r = { *p, set, 0 };
	struct vpn_out o;

	out_init(&o, afi, spec, emit, arg, st ? st : &local);
	export_run(&o, &r, 1);
	free(o.w.p);
	return o.rc;
}

int rib_vpn_withdraw(const struct bgp_prefix *routes, size_t n, uint16_t afi,
    const struct rib_vpn_spec *spec, rib_vpn_emit emit, void *arg,
    struct rib_vpn_stats *st)
{
	struct rib_vpn_stats local;
	struct vpn_out o;

	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof *st);
	out_init(&o, afi, spec, emit, arg, st);
	o.ps.withdraw = true;
	if (n > 0 && !out_pack(&o, routes, n, sizeof *routes))
		o.st->skipped += n;
	free(o.w.p);
	return o.rc;
}

/* ---- live changes, batched --------------------------------------------- */

struct rib_vpn_batch {
	struct vpn_out o;               /* o.w: one buffer for the batch's life */
	struct rib_vpn_stats st;        /* since rib_vpn_batch_new */
	struct rib_vpn_spec spec;       /* the open UPDATE's view */
	struct attrset *set;            /* its set, held until it is sent;
	                                 * NULL: it withdraws */
	uint16_t afi;
	bool open;                      /* an UPDATE is begun in o.w */
};

struct rib_vpn_batch *rib_vpn_batch_new(rib_vpn_emit emit, void *arg)
{
	struct rib_vpn_batch *b = xcalloc(1, sizeof *b);

	b->o.emit = emit;
	b->o.arg = arg;
	b->o.st = &b->st;
	b->o.spec = &b->spec;
	b->o.w = wbuf_make(xmalloc(BGP_EXT_MAX_LEN), BGP_EXT_MAX_LEN);
	return b;
}

void rib_vpn_batch_free(struct rib_vpn_batch *b)
{
	if (b == NULL)
		return;
	attrset_put(b->set);
	free(b->o.w.p);
	free(b);
}

int rib_vpn_batch_flush(struct rib_vpn_batch *b)
{
	if (b->open)
		out_flush(&b->o);
	b->open = false;
	attrset_put(b->set);
	b->set = NULL;
	return b->o.rc;
}

bool rib_vpn_batch_pending(const struct rib_vpn_batch *b)
{
	return b->open;
}

const struct rib_vpn_stats *rib_vpn_batch_stats(const struct rib_vpn_batch *b)
{
	return &b->st;
}

static bool spec_equal(const struct rib_vpn_spec *a, const struct rib_vpn_spec *b)
{
	return memcmp(a->rd.b, b->rd.b, sizeof a->rd.b) == 0 && a->label == b->label &&
	    a->addpath == b->addpath && a->max_len == b->max_len;
}

/* Begin the UPDATE a route of set (NULL: a withdrawal) goes in. False
 * when it cannot: a next hop no VPN route carries, or attributes longer
 * than max_len allows. */
static bool batch_begin(struct rib_vpn_batch *b, struct attrset *set, uint16_t afi,
    const struct rib_vpn_spec *spec)
{
	struct vpn_out *o = &b->o;

	b->spec = *spec;
	b->afi = afi;
	memset(&o->ps, 0, sizeof o->ps);
	o->ps.afi = afi;
	o->ps.safi = BGP_SAFI_VPN;
	o->ps.addpath = spec->addpath;
	o->ps.max_len = spec->max_len;
	o->ps.withdraw = set == NULL;
	if ((set && !out_attrs(o, set)) || !bgp_packer_begin(&o->pk, &o->w, &o->ps))
		return false;
	b->set = set ? attrset_get(set) : NULL;
	b->open = true;
	return true;
}

int rib_vpn_batch_add(struct rib_vpn_batch *b, const struct bgp_prefix *p,
    struct attrset *set, uint16_t afi, const struct rib_vpn_spec *spec)
{
	struct vpn_out *o = &b->o;
	struct bgp_vpn_prefix vp;

	if (o->rc)
		return o->rc;
	/* Anything the open UPDATE cannot carry finishes it: order is kept. */
	if (b->open && (b->set != set || b->afi != afi || !spec_equal(&b->spec, spec)))
		rib_vpn_batch_flush(b);
	if (!b->open && !batch_begin(b, set, afi, spec)) {
		b->st.skipped++;
		return o->rc;
	}
	out_route(o, p, &vp);
	if (!bgp_vpn_packer_add(&o->pk, &vp)) {
		out_flush(o);
		bgp_packer_begin(&o->pk, &o->w, &o->ps);
		bgp_vpn_packer_add(&o->pk, &vp);
	}
	b->st.routes++;
	return o->rc;
}

/* ---- import ------------------------------------------------------------ */

/* A VPN next hop in the form attrset_intern takes: 4, 16 or 32 bytes. */
static size_t import_nh(struct bgp_bytes vnh, uint16_t afi, uint8_t out[32])
{
	size_t addr_len;
	bool has_ll;

	if (!bgp_vpn_nh_read(vnh, afi, out, &addr_len, out + 16, &has_ll))
		return 0;
	return has_ll ? 32 : addr_len;
}

static size_t import_block(struct bgp_bytes nlri, uint16_t afi, bool addpath,
    bool withdraw, const struct bgp_attrs *a, const uint8_t *nh,
    size_t nh_len, const struct rib_vpn_import_ops *ops, void *arg)
{
	struct rbuf r = rbuf_make(nlri.p, nlri.len);
	struct bgp_vpn_prefix vp;
	size_t n = 0;

	/* bgp_update_decode checked the block whole: a false is the end. */
	while (bgp_vpn_next(&r, afi, addpath, withdraw, &vp)) {
		if (a == NULL)
			ops->withdraw(&vp, arg);
		else
			ops->announce(&vp, a, nh, nh_len, arg);
		n++;
	}
	return n;
}

size_t rib_vpn_import(const struct bgp_update *u, const struct bgp_codec_ctx *ctx,
    const struct rib_vpn_import_ops *ops, void *arg)
{
	const struct bgp_attrs *a = &u->attrs;
	const uint64_t mp = BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI) |
	    BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI);
	size_t n = 0;

	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI)) &&
	    a->mp_unreach.safi == BGP_SAFI_VPN) {
		uint16_t afi = a->mp_unreach.afi;
		n += import_block(a->mp_unreach.nlri, afi,
		    bgp_ctx_addpath_vpn(ctx, afi), true, NULL, NULL, 0, ops, arg);
	}
	if (!(a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) ||
	    a->mp_reach.safi != BGP_SAFI_VPN)
		return n;
	uint16_t afi = a->mp_reach.afi;
	uint8_t nh[32];
	size_t nh_len = import_nh(a->mp_reach.next_hop, afi, nh);
	if (u->treat_as_withdraw || nh_len == 0)
		return n + import_block(a->mp_reach.nlri, afi,
		    bgp_ctx_addpath_vpn(ctx, afi), false, NULL, NULL, 0, ops, arg);
	struct bgp_attrs plain = *a;
	plain.present &= ~mp;
	return n + import_block(a->mp_reach.nlri, afi, bgp_ctx_addpath_vpn(ctx, afi),
	    false, &plain, nh, nh_len, ops, arg);
}
