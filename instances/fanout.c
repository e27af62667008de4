/*
 * fanout.c — attribute blocks per encoding class, UPDATE packing, shared
 * output chunks.
 *
 * The attribute block for a (set, class) is found in one of three ways,
 * cheapest first:
 *   stored     4-octet AS class and the stored bytes already say what the
 *              client must get (NEXT_HOP right, nothing to leave out):
 *              the set's own bytes, no copy;
 *   rewritten  4-octet AS class otherwise: the stored attributes copied
 *              one by one, NEXT_HOP replaced or dropped, internal-only
 *              ones dropped for an external client — no decoding;
 *   encoded    2-octet AS class: decoded and encoded again for the old
 *              AS_PATH form; kept in a small direct-mapped cache per class
 *              (it holds a reference on each cached set).
 */
#include "instances/fanout.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/lib/log.h"
#include "muxd/lib/rbuf.h"

/* A chunk holds many UPDATEs; one ext. message must fit, and it stays
 * below glibc's mmap threshold so chunks come from the heap. */
#define CHUNK_CAP (96 * 1024)
/* Cached 2-octet encodings per class (a power of two). */
#define AS2_CACHE_SLOTS 1024
/* Room for one re-encoded attribute block. */
#define SCRATCH_CAP (2 * BGP_EXT_MAX_LEN + 64)

struct fanout_chunk {
	uint32_t refs;
	uint32_t cap;
	uint8_t data[];
};

struct as2_slot {
	struct attrset *set;            /* a reference */
	uint8_t *bytes;
	size_t len;
};

struct fanout_class {
	struct fanout_key key;
	struct fanout_nh nh;
	uint8_t *scratch;               /* SCRATCH_CAP, allocated on first use */
	struct as2_slot *as2;           /* AS2_CACHE_SLOTS, 2-octet classes */
	struct fanout_class_stats st;
};

static size_t chunks_alive, chunk_bytes_alive;

/* ---- keys and next hops ------------------------------------------------ */

void fanout_nh_init(struct fanout_nh *nh, const struct sockaddr_mux *addr, bool self)
{
	memset(nh, 0, sizeof *nh);
	nh->self = self;
	if (sockaddr_family(addr) == AF_INET) {
		nh->has_v4 = true;
		memcpy(nh->v4, &addr->u.sin.sin_addr, 4);
	} else if (sockaddr_family(addr) == AF_INET6) {
		nh->has_v6 = true;
		memcpy(nh->v6, &addr->u.sin6.sin6_addr, 16);
	}
}

void fanout_key_from(struct fanout_key *k, enum bgp_aid aid,
    const struct session_negotiated *n)
{
	memset(k, 0, sizeof *k);
	k->aid = aid;
	k->as4 = n->tx.as4;
	k->addpath = n->tx.addpath[aid];
	k->ebgp = n->tx.ebgp;
	k->max_len = (uint32_t)n->tx.max_len;
}

bool fanout_key_equal(const struct fanout_key *a, const struct fanout_key *b)
{
	return a->aid == b->aid && a->as4 == b->as4 && a->addpath == b->addpath &&
	    a->ebgp == b->ebgp && a->max_len == b->max_len;
}

struct fanout_class *fanout_class_new(const struct fanout_key *k,
    const struct fanout_nh *nh)
{
	struct fanout_class *c = xcalloc(1, sizeof *c);
	c->key = *k;
	c->nh = *nh;
	if (!k->as4)
		c->as2 = xcalloc(AS2_CACHE_SLOTS, sizeof *c->as2);
	return c;
}

void fanout_class_free(struct fanout_class *c)
{
	if (c == NULL)
		return;
	if (c->as2) {
		for (size_t i = 0; i < AS2_CACHE_SLOTS; i++) {
			attrset_put(c->as2[i].set);
			free(c->as2[i].bytes);
		}
		free(c->as2);
	}
	free(c->scratch);
	free(c);
}

const struct fanout_key *fanout_class_key(const struct fanout_class *c) { return &c->key; }
const struct fanout_class_stats *fanout_class_stats(const struct fanout_class *c) { return &c->st; }

static uint8_t *class_scratch(struct fanout_class *c)
{
	if (c->scratch == NULL)
		c->scratch = xmalloc(SCRATCH_CAP);
	return c->scratch;
}

/* ---- attribute blocks -------------------------------------------------- */

struct tlv {
	uint8_t flags, type;
	const uint8_t *hdr;             /* the whole attribute, header included */
	size_t hdr_len, len;
	const uint8_t *val;
};

/* The next attribute of a well-formed section (the store's own bytes). */
static bool tlv_next(struct rbuf *r, struct tlv *t)
{
	const uint8_t *start = r->p;
	uint8_t len8;
	uint16_t len16;

	if (!rbuf_u8(r, &t->flags) || !rbuf_u8(r, &t->type))
		return false;
	if (t->flags & BGP_ATTR_F_EXTLEN) {
		if (!rbuf_u16(r, &len16))
			return false;
		t->len = len16;
	} else {
		if (!rbuf_u8(r, &len8))
			return false;
		t->len = len8;
	}
	t->val = r->p;
	t->hdr = start;
	t->hdr_len = (size_t)(t->val - start);
	return rbuf_skip(r, t->len);
}

static bool internal_only(uint8_t type)
{
	return type == BGP_ATTR_LOCAL_PREF || type == BGP_ATTR_ORIGINATOR_ID ||
	    type == BGP_ATTR_CLUSTER_LIST;
}

/* Whether the stored bytes can go as they are. nh4: the NEXT_HOP value
 * IPv4 routes need (NULL for other families: no NEXT_HOP at all). */
static bool wire_fits(const uint8_t *wire, size_t len, const uint8_t *nh4, bool ebgp)
{
	struct rbuf r = rbuf_make(wire, len);
	struct tlv t;
	bool nh_ok = nh4 == NULL;

	while (!rbuf_empty(&r)) {
		if (!tlv_next(&r, &t))
			return false;
		if (t.type == BGP_ATTR_NEXT_HOP) {
			if (nh4 == NULL || t.len != 4 || memcmp(t.val, nh4, 4) != 0)
				return false;
			nh_ok = true;
		} else if (ebgp && internal_only(t.type)) {
			return false;
		}
	}
	return nh_ok;
}

static void put_next_hop(struct wbuf *w, const uint8_t *nh4)
{
	bgp_attr_put_header(w, BGP_ATTR_F_TRANSITIVE, BGP_ATTR_NEXT_HOP, 4);
	wbuf_bytes(w, nh4, 4);
}

/* The stored attributes with NEXT_HOP set to nh4 (or dropped when NULL)
 * and, for an external client, the internal-only ones dropped. Order by
 * type is kept: NEXT_HOP goes before the first attribute above it. */
static bool wire_rewrite(struct wbuf *w, const uint8_t *wire, size_t len,
    const uint8_t *nh4, bool ebgp)
{
	struct rbuf r = rbuf_make(wire, len);
	struct tlv t;
	bool nh_done = nh4 == NULL;

	while (!rbuf_empty(&r)) {
		if (!tlv_next(&r, &t))
			return false;
		if (!nh_done && t.type >= BGP_ATTR_NEXT_HOP) {
			put_next_hop(w, nh4);
			nh_done = true;
		}
		if (t.type == BGP_ATTR_NEXT_HOP || (ebgp && internal_only(t.type)))
			continue;
		wbuf_bytes(w, t.hdr, t.hdr_len + t.len);
	}
	if (!nh_done)
		put_next_hop(w, nh4);
	return !w->overflow;
}

/* The 2-octet AS encoding, from the cache or made and cached. */
static bool as2_block(struct fanout_class *c, struct attrset *set, const uint8_t *nh4,
    const uint8_t **attrs, size_t *attrs_len)
{
	struct as2_slot *slot = &c->as2[attrset_hash(set) & (AS2_CACHE_SLOTS - 1)];
	struct bgp_attrs a;

	if (slot->set == set) {
		c->st.attrs_cached++;
		*attrs = slot->bytes;
		*attrs_len = slot->len;
		return true;
	}
	if (!attrset_attrs(set, &a))
		return false;
	if (nh4) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		memcpy(a.next_hop, nh4, 4);
	} else {
		a.present &= ~BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	}
	struct bgp_codec_ctx ctx = { .as4 = false, .ebgp = c->key.ebgp,
		.max_len = c->key.max_len };
	struct wbuf w = wbuf_make(class_scratch(c), SCRATCH_CAP);
	bgp_attrs_encode(&w, &a, &ctx);
	if (w.overflow)
		return false;
	attrset_put(slot->set);
	free(slot->bytes);
	slot->set = attrset_get(set);
	slot->bytes = xmalloc(w.len ? w.len : 1);
	memcpy(slot->bytes, w.p, w.len);
	slot->len = w.len;
	c->st.attrs_encoded++;
	*attrs = slot->bytes;
	*attrs_len = slot->len;
	return true;
}

/* The next hop the class sends: nh4 (IPv4: the NEXT_HOP value) or the
 * MP_REACH next hop (IPv6). "self" of the other family keeps the original. */
static bool class_next_hop(const struct fanout_class *c, struct attrset *set,
    const uint8_t **nh4, const uint8_t **mp_nh, size_t *mp_nh_len)
{
	size_t len;
	const uint8_t *orig = attrset_next_hop(set, &len);

	*nh4 = NULL;
	*mp_nh = NULL;
	*mp_nh_len = 0;
	if (c->key.aid == AID_IPV4_UNICAST) {
		if (c->nh.self && c->nh.has_v4)
			*nh4 = c->nh.v4;
		else if (len == 4)
			*nh4 = orig;
		return *nh4 != NULL;
	}
	if (c->nh.self && c->nh.has_v6) {
		*mp_nh = c->nh.v6;
		*mp_nh_len = 16;
	} else if (len == 16 || len == 32) {
		*mp_nh = orig;
		*mp_nh_len = len;
	}
	return *mp_nh != NULL;
}

bool fanout_attrs(struct fanout_class *c, struct attrset *set,
    const uint8_t **attrs, size_t *attrs_len, const uint8_t **nh, size_t *nh_len)
{
	const uint8_t *nh4;
	size_t wire_len;
	const uint8_t *wire = attrset_wire(set, &wire_len);

	if (!class_next_hop(c, set, &nh4, nh, nh_len))
		return false;
	if (!c->key.as4)
		return as2_block(c, set, nh4, attrs, attrs_len);
	if (wire_fits(wire, wire_len, nh4, c->key.ebgp)) {
		c->st.attrs_stored++;
		*attrs = wire;
		*attrs_len = wire_len;
		return true;
	}
	struct wbuf w = wbuf_make(class_scratch(c), SCRATCH_CAP);
	if (!wire_rewrite(&w, wire, wire_len, nh4, c->key.ebgp))
		return false;
	c->st.attrs_rewritten++;
	*attrs = w.p;
	*attrs_len = w.len;
	return true;
}

/* ---- chunks and output ------------------------------------------------- */

static void chunk_put(struct fanout_chunk *ch)
{
	if (--ch->refs > 0)
		return;
	chunks_alive--;
	chunk_bytes_alive -= ch->cap;
	free(ch);
}

static void chunk_release(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	chunk_put(arg);
}

size_t fanout_chunks_alive(void) { return chunks_alive; }
size_t fanout_chunk_bytes_alive(void) { return chunk_bytes_alive; }

void fanout_out_init(struct fanout_out *o, struct session *const *dst, size_t ndst)
{
	memset(o, 0, sizeof *o);
	o->dst = dst;
	o->ndst = ndst;
}

void fanout_out_init_sink(struct fanout_out *o,
    void (*sink)(const uint8_t *msgs, size_t len, void *arg), void *arg)
{
	memset(o, 0, sizeof *o);
	o->sink = sink;
	o->sink_arg = arg;
}

static void out_ensure(struct fanout_out *o)
{
	if (o->chunk != NULL)
		return;
	o->chunk = xmalloc(sizeof *o->chunk + CHUNK_CAP);
	o->chunk->refs = 1;
	o->chunk->cap = CHUNK_CAP;
	o->w = wbuf_make(o->chunk->data, CHUNK_CAP);
	o->msgs = 0;
}

/* Hand the chunk's UPDATEs to every destination; the chunk lives until
 * the last one has written it. A mostly empty chunk is shrunk first: a
 * slow client must not pin 96 KB for every few bytes it is behind. */
static void out_seal(struct fanout_out *o)
{
	struct fanout_chunk *ch = o->chunk;
	size_t len = o->w.len;

	o->chunk = NULL;
	if (ch == NULL)
		return;
	if (len == 0) {
		free(ch);
		return;
	}
	if (len < ch->cap / 2) {
		struct fanout_chunk *small = realloc(ch, sizeof *ch + len);
		if (small != NULL) {
			ch = small;
			ch->cap = (uint32_t)len;
		}
	}
	chunks_alive++;
	chunk_bytes_alive += ch->cap;
	if (o->sink)
		o->sink(ch->data, len, o->sink_arg);
	for (size_t i = 0; i < o->ndst; i++) {
		ch->refs++;
		if (!session_send_ref(o->dst[i], ch->data, len, o->msgs, chunk_release, ch)) {
			ch->refs--;
			o->refused++;
		}
	}
	o->sent_bytes += len;
	o->sent_updates += o->msgs;
	chunk_put(ch);
}

void fanout_out_finish(struct fanout_out *o)
{
	out_seal(o);
}

void fanout_eor(struct fanout_out *o, uint16_t afi, uint8_t safi)
{
	out_ensure(o);
	if (o->w.cap - o->w.len < BGP_HEADER_LEN + 16) {
		out_seal(o);
		out_ensure(o);
	}
	if (bgp_eor_encode(&o->w, afi, safi) > 0)
		o->msgs++;
}

/* ---- packing ------------------------------------------------------------ */

/* One run of routes sharing a set (or all withdrawals). */
static size_t encode_run(struct fanout_class *c, struct fanout_out *o,
    const struct fanout_route *run, size_t m)
{
	struct bgp_pack_spec spec = {
		.afi = bgp_af(c->key.aid)->afi, .safi = bgp_af(c->key.aid)->safi,
		.addpath = c->key.addpath, .withdraw = run[0].set == NULL,
		.max_len = c->key.max_len,
	};
	struct bgp_packer pk;
	size_t k = 0;

	if (!spec.withdraw && !fanout_attrs(c, run[0].set, &spec.attrs,
	    &spec.attrs_len, &spec.next_hop, &spec.next_hop_len)) {
		c->st.skipped += m;
		return m;
	}
	while (k < m) {
		out_ensure(o);
		if (!bgp_packer_begin(&pk, &o->w, &spec)) {
			if (o->w.len > 0) {     /* the chunk is full */
				out_seal(o);
				continue;
			}
			c->st.skipped += m - k; /* attributes too long for max_len */
			return m - k;
		}
		size_t first = k;
		while (k < m && bgp_packer_add(&pk, &run[k].p))
			k++;
		size_t n = bgp_packer_finish(&pk);
		if (n > 0) {
			o->msgs++;
			c->st.updates++;
			c->st.bytes += n;
			c->st.routes += k - first;
		}
	}
	return 0;
}

size_t fanout_encode(struct fanout_class *c, struct fanout_out *o,
    const struct fanout_route *r, size_t n)
{
	size_t skipped = 0, i = 0;

	while (i < n) {
		size_t j = i + 1;
		while (j < n && r[j].set == r[i].set)
			j++;
		skipped += encode_run(c, o, r + i, j - i);
		i = j;
	}
	return skipped;
}
