/*
 * bgp_open.c — the OPEN message (RFC 4271 §4.2, §6.2), its capabilities
 * (RFC 5492) and the extended optional parameters length (RFC 9072).
 *
 * Each capability is one row of cap_table: code, name, decoder, encoder.
 * Adding a capability is adding a row and its two small functions.
 */
#include "muxd/bgp/bgp_open.h"

#include <stdio.h>
#include <string.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_multisession.h"
#include "muxd/lib/rbuf.h"

#define OPEN_FIXED_LEN          10      /* version .. opt param length */
#define OPT_PARAM_CAPABILITIES  2       /* RFC 5492 */
#define OPT_PARAM_EXTENDED      255     /* RFC 9072 marker, in both octets */
#define NONEXT_OPT_MAX          255
#define NONEXT_PARAM_HDR        2       /* type, 1-octet length */
#define EXT_PARAM_HDR           3       /* type, 2-octet length */
#define CAP_MAX_VALUE           255
#define MP_VALUE_LEN            4       /* AFI, reserved, SAFI */
#define AS4_VALUE_LEN           4
#define GR_HEAD_LEN             2       /* flags + restart time */
#define FAMILY_ENTRY_LEN        4       /* AFI, SAFI, one octet more */
#define GR_TIME_MASK            0x0fff
#define GR_FLAGS_SHIFT          12
#define HOLD_TIME_MIN           3       /* RFC 4271 §6.2: 1 and 2 refused */

/* All capabilities of an OPEN fit in this; an OPEN is at most 4096. */
#define CAPS_SCRATCH (BGP_MAX_LEN - BGP_HEADER_LEN - OPEN_FIXED_LEN)

/* ---- errors ---------------------------------------------------------- */

static bool open_fail(struct bgp_err *err, uint8_t subcode, const void *data,
    size_t data_len, const char *why)
{
	bgp_err_set(err, BGP_TIER_RESET, BGP_ERR_OPEN, subcode, data, data_len,
	    why);
	return false;
}

/* Anything whose lengths do not add up: OPEN Message Error, Unspecific
 * (RFC 4271 §6.2 names no subcode for it, and RFC 5492 none either). */
static bool open_malformed(struct bgp_err *err, const char *why)
{
	return open_fail(err, 0, NULL, 0, why);
}

/* ---- family lists ----------------------------------------------------- */

static bool family_read(struct rbuf *v, struct bgp_family *f, uint8_t *extra)
{
	return rbuf_u16(v, &f->afi) && rbuf_u8(v, &f->safi) &&
	    rbuf_u8(v, extra);
}

static void family_put(struct wbuf *w, const struct bgp_family *f,
    uint8_t extra)
{
	wbuf_u16(w, f->afi);
	wbuf_u8(w, f->safi);
	wbuf_u8(w, extra);
}

static bool family_eq(const struct bgp_family *a, const struct bgp_family *b)
{
	return a->afi == b->afi && a->safi == b->safi;
}

/* ---- capability decoders: v holds exactly the capability value -------- */

static bool cap_empty_decode(struct rbuf *v, struct bgp_caps *c)
{
	(void)c;
	return rbuf_empty(v);
}

/* One MP capability per family (RFC 4760 §8). A family announced twice
 * is kept once; past BGP_MAX_FAMILIES the rest are not kept, so those
 * families are simply not negotiated. */
static bool cap_mp_decode(struct rbuf *v, struct bgp_caps *c)
{
	struct bgp_family f;
	uint8_t reserved;

	if (v->len != MP_VALUE_LEN || !rbuf_u16(v, &f.afi) ||
	    !rbuf_u8(v, &reserved) || !rbuf_u8(v, &f.safi))
		return false;
	for (size_t i = 0; i < c->mp_count; i++)
		if (family_eq(&c->mp[i], &f))
			return true;
	if (c->mp_count < BGP_MAX_FAMILIES)
		c->mp[c->mp_count++] = f;
	return true;
}

static bool cap_as4_decode(struct rbuf *v, struct bgp_caps *c)
{
	return v->len == AS4_VALUE_LEN && rbuf_u32(v, &c->as4);
}

/* RFC 4724 §3: 4 bits of flags, 12 of restart time, then a 4-octet entry
 * per family. A later GR capability replaces an earlier one. */
static bool cap_gr_decode(struct rbuf *v, struct bgp_caps *c)
{
	uint16_t head;

	if (v->len < GR_HEAD_LEN ||
	    (v->len - GR_HEAD_LEN) % FAMILY_ENTRY_LEN != 0 ||
	    !rbuf_u16(v, &head))
		return false;
	c->gr.flags = (uint8_t)(head >> GR_FLAGS_SHIFT);
	c->gr.restart_time = head & GR_TIME_MASK;
	c->gr.count = 0;
	while (!rbuf_empty(v)) {
		struct bgp_gr_family g;
		if (!family_read(v, &g.fam, &g.flags))
			return false;
		if (c->gr.count < BGP_MAX_FAMILIES)
			c->gr.fam[c->gr.count++] = g;
	}
	return true;
}

static void addpath_add(struct bgp_caps *c, const struct bgp_addpath_family *a)
{
	for (size_t i = 0; i < c->addpath_count; i++)
		if (family_eq(&c->addpath[i].fam, &a->fam)) {
			c->addpath[i].mode = a->mode;
			return;
		}
	if (c->addpath_count < BGP_MAX_FAMILIES)
		c->addpath[c->addpath_count++] = *a;
}

/* RFC 7911 §4: AFI, SAFI, Send/Receive (1, 2 or 3) per family. */
static bool cap_addpath_decode(struct rbuf *v, struct bgp_caps *c)
{
	if (v->len % FAMILY_ENTRY_LEN != 0)
		return false;
	while (!rbuf_empty(v)) {
		struct bgp_addpath_family a;
		if (!family_read(v, &a.fam, &a.mode) ||
		    a.mode < BGP_ADDPATH_RECEIVE || a.mode > BGP_ADDPATH_BOTH)
			return false;
		addpath_add(c, &a);
	}
	return true;
}

/* A length octet and that many octets, into a NUL-terminated string.
 * dst has 256 bytes, so any length fits. */
static bool name_read(struct rbuf *v, char *dst)
{
	uint8_t len;

	if (!rbuf_u8(v, &len) || !rbuf_copy(v, dst, len))
		return false;
	dst[len] = '\0';
	return true;
}

/* draft-walton-bgp-hostname-capability §3: host name, then domain name,
 * each behind a length octet. Octets after them are ignored. */
static bool cap_fqdn_decode(struct rbuf *v, struct bgp_caps *c)
{
	return name_read(v, c->fqdn_host) && name_read(v, c->fqdn_domain);
}

/* The -06/-07 session-defining capability codes, from wherever they
 * come; beyond BGP_MS_MAX_SESSION_CAPS they are read and dropped. */
static void ms_session_caps_read(struct rbuf *v, struct bgp_cap_multisession *ms)
{
	uint8_t code;

	while (rbuf_u8(v, &code))
		if (ms->session_caps_count < BGP_MS_MAX_SESSION_CAPS)
			ms->session_caps[ms->session_caps_count++] = code;
}

/* IETF multisession (docs/multisession.md): a flags octet; with R a
 * 2-octet port follows; then (-06/-07) the codes of the capabilities
 * that define the session. A further capability 68 in the same OPEN (how
 * ExaBGP sends the list: `44 01 00` then `44 01 01`) adds codes. */
static bool cap_ms_ietf_decode(struct rbuf *v, struct bgp_caps *c)
{
	struct bgp_cap_multisession *ms = &c->ms_ietf;

	if (ms->present) {
		if (rbuf_empty(v))
			return false;
		ms->tlv_count++;
		ms_session_caps_read(v, ms);
		return true;
	}
	memset(ms, 0, sizeof *ms);
	if (!rbuf_u8(v, &ms->flags))
		return false;
	ms->present = true;
	ms->tlv_count = 1;
	ms->grouping = (ms->flags & BGP_MS_FLAG_GROUPING) != 0;
	ms->redirect = (ms->flags & BGP_MS_FLAG_REDIRECT) != 0;
	if (ms->redirect && !rbuf_u16(v, &ms->redirect_port))
		return false;
	ms_session_caps_read(v, ms);
	return true;
}

/* Cisco multisession: one flags octet; longer values keep the first. */
static bool cap_ms_cisco_decode(struct rbuf *v, struct bgp_caps *c)
{
	return rbuf_u8(v, &c->ms_cisco_flags);
}

/* ---- capability encoders: each writes whole TLVs --------------------- */

static size_t cap_begin(struct wbuf *w, uint8_t code)
{
	wbuf_u8(w, code);
	return wbuf_mark(w, 1);
}

static void cap_end(struct wbuf *w, size_t len_at)
{
	size_t len = w->len - len_at - 1;

	if (len > CAP_MAX_VALUE)
		w->overflow = true;     /* a value no length octet can say */
	wbuf_patch8(w, len_at, (uint8_t)len);
}

static void cap_empty_encode(struct wbuf *w, const struct bgp_caps *c,
    uint8_t code)
{
	(void)c;
	cap_end(w, cap_begin(w, code));
}

static void cap_mp_encode(struct wbuf *w, const struct bgp_caps *c,
    uint8_t code)
{
	for (size_t i = 0; i < c->mp_count && i < BGP_MAX_FAMILIES; i++) {
		size_t at = cap_begin(w, code);
		wbuf_u16(w, c->mp[i].afi);
		wbuf_u8(w, 0);          /* reserved */
		wbuf_u8(w, c->mp[i].safi);
		cap_end(w, at);
	}
}

static void cap_as4_encode(struct wbuf *w, const struct bgp_caps *c,
    uint8_t code)
{
	size_t at = cap_begin(w, code);
	wbuf_u32(w, c->as4);
	cap_end(w, at);
}

static void cap_gr_encode(struct wbuf *w, const struct bgp_caps *c,
    uint8_t code)
{
	size_t at = cap_begin(w, code);
	wbuf_u16(w, (uint16_t)((c->gr.flags & 0x0f) << GR_FLAGS_SHIFT |
	    (c->gr.restart_time & GR_TIME_MASK)));
	for (size_t i = 0; i < c->gr.count && i < BGP_MAX_FAMILIES; i++)
		family_put(w, &c->gr.fam[i].fam, c->gr.fam[i].flags);
	cap_end(w, at);
}

static void cap_addpath_encode(struct wbuf *w, const struct bgp_caps *c,
    uint8_t code)
{
	size_t at = cap_begin(w, code);
	for (size_t i = 0; i < c->addpath_count && i < BGP_MAX_FAMILIES; i++)
		family_put(w, &c->addpath[i].fam, c->addpath[i].mode);
	cap_end(w, at);
}

static void name_put(struct wbuf *w, const char *name)
{
	size_t len = strnlen(name, CAP_MAX_VALUE + 1);

	if (len > CAP_MAX_VALUE) {
		w->overflow = true;
		return;
	}
	wbuf_u8(w, (uint8_t)len);
	wbuf_bytes(w, name, len);
}

static void cap_fqdn_encode(struct wbuf *w, const struct bgp_caps *c,
    uint8_t code)
{
	size_t at = cap_begin(w, code);
	name_put(w, c->fqdn_host);
	name_put(w, c->fqdn_domain);
	cap_end(w, at);
}

/* The flags octet as given, with G and R following the booleans, so the
 * reserved bits of a decoded capability go back out unchanged; then the
 * session-defining codes, in one TLV (the draft's form, not ExaBGP's). */
static void cap_ms_ietf_encode(struct wbuf *w, const struct bgp_caps *c,
    uint8_t code)
{
	const struct bgp_cap_multisession *ms = &c->ms_ietf;
	uint8_t flags = ms->flags & ~(BGP_MS_FLAG_GROUPING | BGP_MS_FLAG_REDIRECT);

	if (ms->grouping)
		flags |= BGP_MS_FLAG_GROUPING;
	if (ms->redirect)
		flags |= BGP_MS_FLAG_REDIRECT;
	size_t at = cap_begin(w, code);
	wbuf_u8(w, flags);
	if (ms->redirect)
		wbuf_u16(w, ms->redirect_port);
	for (uint8_t i = 0; i < ms->session_caps_count && i < BGP_MS_MAX_SESSION_CAPS; i++)
		wbuf_u8(w, ms->session_caps[i]);
	cap_end(w, at);
}

static void cap_ms_cisco_encode(struct wbuf *w, const struct bgp_caps *c,
    uint8_t code)
{
	size_t at = cap_begin(w, code);
	wbuf_u8(w, c->ms_cisco_flags);
	cap_end(w, at);
}

/* ---- the table -------------------------------------------------------- */

struct cap_row {
	uint8_t code;
	uint32_t flag;                  /* BGP_CAPF_* */
	const char *name;
	bool (*decode)(struct rbuf *v, struct bgp_caps *c);
	void (*encode)(struct wbuf *w, const struct bgp_caps *c, uint8_t code);
};

static const struct cap_row cap_table[] = {
	{ BGP_CAP_MP, BGP_CAPF_MP, "multiprotocol",
	  cap_mp_decode, cap_mp_encode },
	{ BGP_CAP_ROUTE_REFRESH, BGP_CAPF_ROUTE_REFRESH, "route refresh",
	  cap_empty_decode, cap_empty_encode },
	{ BGP_CAP_ROUTE_REFRESH_CISCO, BGP_CAPF_ROUTE_REFRESH_CISCO,
	  "route refresh (Cisco)", cap_empty_decode, cap_empty_encode },
	{ BGP_CAP_EXT_MESSAGE, BGP_CAPF_EXT_MESSAGE, "extended message",
	  cap_empty_decode, cap_empty_encode },
	{ BGP_CAP_GRACEFUL_RESTART, BGP_CAPF_GRACEFUL_RESTART,
	  "graceful restart", cap_gr_decode, cap_gr_encode },
	{ BGP_CAP_AS4, BGP_CAPF_AS4, "4-octet AS",
	  cap_as4_decode, cap_as4_encode },
	{ BGP_CAP_MULTISESSION_IETF, BGP_CAPF_MULTISESSION_IETF,
	  "multisession", cap_ms_ietf_decode, cap_ms_ietf_encode },
	{ BGP_CAP_ADD_PATH, BGP_CAPF_ADD_PATH, "ADD-PATH",
	  cap_addpath_decode, cap_addpath_encode },
	{ BGP_CAP_ENHANCED_RR, BGP_CAPF_ENHANCED_RR, "enhanced route refresh",
	  cap_empty_decode, cap_empty_encode },
	{ BGP_CAP_FQDN, BGP_CAPF_FQDN, "FQDN",
	  cap_fqdn_decode, cap_fqdn_encode },
	{ BGP_CAP_MULTISESSION_CISCO, BGP_CAPF_MULTISESSION_CISCO,
	  "multisession (Cisco)", cap_ms_cisco_decode, cap_ms_cisco_encode },
};

#define CAP_TABLE_LEN (sizeof cap_table / sizeof cap_table[0])

static const struct cap_row *cap_find(unsigned code)
{
	for (size_t i = 0; i < CAP_TABLE_LEN; i++)
		if (cap_table[i].code == code)
			return &cap_table[i];
	return NULL;
}

const char *bgp_cap_name(unsigned code)
{
	const struct cap_row *row = cap_find(code);
	return row ? row->name : "unknown capability";
}

/* ---- decoding -------------------------------------------------------- */

/* RFC 5492 §4: a capability we do not know is ignored; we keep its bytes
 * (up to BGP_MAX_UNKNOWN_CAPS of them) for logs and re-export. */
static void cap_unknown_keep(struct bgp_caps *c, uint8_t code,
    const struct rbuf *v)
{
	if (c->unknown_count >= BGP_MAX_UNKNOWN_CAPS)
		return;
	struct bgp_unknown_cap *u = &c->unknown[c->unknown_count++];
	u->code = code;
	u->len = (uint8_t)v->len;
	u->data = v->p;
}

static bool cap_decode_one(struct rbuf *param, struct bgp_caps *c,
    struct bgp_err *err)
{
	uint8_t code, len;
	struct rbuf v;

	if (!rbuf_u8(param, &code) || !rbuf_u8(param, &len) ||
	    !rbuf_sub(param, len, &v))
		return open_malformed(err, "capability overruns its parameter");
	const struct cap_row *row = cap_find(code);
	if (row == NULL) {
		cap_unknown_keep(c, code, &v);
		return true;
	}
	if (!row->decode(&v, c))
		return open_malformed(err, "capability value malformed");
	c->present |= row->flag;
	return true;
}

static bool caps_decode(struct rbuf param, struct bgp_caps *c,
    struct bgp_err *err)
{
	while (!rbuf_empty(&param))
		if (!cap_decode_one(&param, c, err))
			return false;
	return true;
}

static bool param_decode(uint8_t type, struct rbuf value, struct bgp_open *o,
    struct bgp_err *err)
{
	if (type != OPT_PARAM_CAPABILITIES)
		return open_fail(err, BGP_ERR_OPEN_OPT_PARAM, NULL, 0,
		    "optional parameter other than capabilities");
	return caps_decode(value, &o->caps, err);
}

/* The parameters as RFC 4271 has them: type, 1-octet length, value. */
static bool params_decode_short(struct rbuf *r, struct bgp_open *o,
    struct bgp_err *err)
{
	while (!rbuf_empty(r)) {
		uint8_t type, len;
		struct rbuf value;
		if (!rbuf_u8(r, &type) || !rbuf_u8(r, &len) ||
		    !rbuf_sub(r, len, &value))
			return open_malformed(err, "optional parameter overruns");
		if (!param_decode(type, value, o, err))
			return false;
	}
	return true;
}

/* RFC 9072 §2: type, 2-octet length, value. */
static bool params_decode_ext(struct rbuf *r, struct bgp_open *o,
    struct bgp_err *err)
{
	while (!rbuf_empty(r)) {
		uint8_t type;
		uint16_t len;
		struct rbuf value;
		if (!rbuf_u8(r, &type) || !rbuf_u16(r, &len) ||
		    !rbuf_sub(r, len, &value))
			return open_malformed(err, "optional parameter overruns");
		if (!param_decode(type, value, o, err))
			return false;
	}
	return true;
}

/* RFC 9072 §2: a parameters length of 255 followed by a parameter type
 * of 255 announces the extended form and its 2-octet length. */
static bool is_ext_params(uint8_t opt_len, const struct rbuf *r)
{
	struct rbuf peek = *r;
	uint8_t type;

	return opt_len == OPT_PARAM_EXTENDED && rbuf_u8(&peek, &type) &&
	    type == OPT_PARAM_EXTENDED;
}

static bool params_decode(struct rbuf *r, uint8_t opt_len, struct bgp_open *o,
    struct bgp_err *err)
{
	if (!is_ext_params(opt_len, r)) {
		if (r->len != opt_len)
			return open_malformed(err,
			    "optional parameters length does not match");
		return params_decode_short(r, o, err);
	}
	uint8_t marker;
	uint16_t ext_len;
	if (!rbuf_u8(r, &marker) || !rbuf_u16(r, &ext_len) ||
	    r->len != ext_len)
		return open_malformed(err,
		    "extended optional parameters length does not match");
	o->ext_params = true;
	return params_decode_ext(r, o, err);
}

static bool open_fixed_check(const struct bgp_open *o, struct bgp_err *err)
{
	/* §6.2: the data is the largest version we support, 2 octets. */
	static const uint8_t version_data[2] = { 0, BGP_VERSION };

	if (o->version != BGP_VERSION)
		return open_fail(err, BGP_ERR_OPEN_VERSION, version_data,
		    sizeof version_data, "unsupported BGP version");
	if (o->hold_time != 0 && o->hold_time < HOLD_TIME_MIN)
		return open_fail(err, BGP_ERR_OPEN_HOLD_TIME, NULL, 0,
		    "hold time of 1 or 2 seconds");
	if (o->bgp_id == 0)     /* RFC 6286 §2: never 0 */
		return open_fail(err, BGP_ERR_OPEN_BGP_ID, NULL, 0,
		    "BGP Identifier is 0");
	return true;
}

bool bgp_open_decode(const uint8_t *body, size_t len, struct bgp_open *o,
    struct bgp_err *err)
{
	struct rbuf r = rbuf_make(body, len);
	uint8_t opt_len;

	memset(o, 0, sizeof *o);
	if (!rbuf_u8(&r, &o->version) || !rbuf_u16(&r, &o->my_as) ||
	    !rbuf_u16(&r, &o->hold_time) || !rbuf_u32(&r, &o->bgp_id) ||
	    !rbuf_u8(&r, &opt_len))
		return open_malformed(err, "OPEN shorter than its fixed part");
	return open_fixed_check(o, err) && params_decode(&r, opt_len, o, err);
}

/* ---- meaning --------------------------------------------------------- */

uint32_t bgp_open_peer_as(const struct bgp_open *o)
{
	return (o->caps.present & BGP_CAPF_AS4) ? o->caps.as4 : o->my_as;
}

const char *bgp_open_peer_as_text(const struct bgp_open *o, uint32_t configured,
    char *buf, size_t len)
{
	char as4[48] = "no 4-octet AS capability", want[32] = "any AS";

	if (o->caps.present & BGP_CAPF_AS4)
		snprintf(as4, sizeof as4, "4-octet AS capability %u", o->caps.as4);
	if (configured)
		snprintf(want, sizeof want, "AS %u", configured);
	snprintf(buf, len, "received AS %u (My AS %u, %s), configured %s",
	    bgp_open_peer_as(o), o->my_as, as4, want);
	return buf;
}

/*
 * RFC 6793 §3: with the capability, My AS is the 4-octet AS when that
 * fits in 2 octets and AS_TRANS when it does not. AS_TRANS is reserved
 * for those 2-octet fields, so it names nobody: not in the capability,
 * and not in My AS of a speaker without the capability. AS 0 is refused
 * everywhere (RFC 7607).
 */
static bool open_as_consistent(const struct bgp_open *o)
{
	if (o->my_as == 0)
		return false;
	if (!(o->caps.present & BGP_CAPF_AS4))
		return o->my_as != BGP_AS_TRANS;
	uint32_t as4 = o->caps.as4;
	if (as4 == 0 || as4 == BGP_AS_TRANS)
		return false;
	return as4 <= UINT16_MAX ? o->my_as == as4 : o->my_as == BGP_AS_TRANS;
}

bool bgp_open_check(const struct bgp_open *o, uint32_t expected_as,
    uint32_t local_id, struct bgp_err *err)
{
	if (!open_as_consistent(o))
		return open_fail(err, BGP_ERR_OPEN_PEER_AS, NULL, 0,
		    "My AS and the 4-octet AS capability disagree");
	if (expected_as != 0 && bgp_open_peer_as(o) != expected_as)
		return open_fail(err, BGP_ERR_OPEN_PEER_AS, NULL, 0,
		    "peer AS is not the configured one");
	/* Equal identifiers are only forbidden on iBGP by RFC 6286, but
	 * this function cannot tell the two apart and a gateway has no use
	 * for a neighbor that claims our own identifier. */
	if (o->bgp_id == 0 || o->bgp_id == local_id)
		return open_fail(err, BGP_ERR_OPEN_BGP_ID, NULL, 0,
		    "BGP Identifier is 0 or our own");
	return true;
}

/* ---- encoding -------------------------------------------------------- */

static void caps_encode(struct wbuf *w, const struct bgp_caps *c)
{
	for (size_t i = 0; i < CAP_TABLE_LEN; i++)
		if (c->present & cap_table[i].flag)
			cap_table[i].encode(w, c, cap_table[i].code);
	for (size_t i = 0; i < c->unknown_count && i < BGP_MAX_UNKNOWN_CAPS; i++) {
		const struct bgp_unknown_cap *u = &c->unknown[i];
		wbuf_u8(w, u->code);
		wbuf_u8(w, u->len);
		wbuf_bytes(w, u->data, u->len);
	}
}

/* One capabilities parameter, in the short form when it fits (and the
 * extended form was not asked for), else in the RFC 9072 form. */
static void params_encode(struct wbuf *w, const struct bgp_open *o,
    const uint8_t *caps, size_t caps_len)
{
	if (!o->ext_params && caps_len + NONEXT_PARAM_HDR <= NONEXT_OPT_MAX) {
		if (caps_len == 0) {
			wbuf_u8(w, 0);
			return;
		}
		wbuf_u8(w, (uint8_t)(caps_len + NONEXT_PARAM_HDR));
		wbuf_u8(w, OPT_PARAM_CAPABILITIES);
		wbuf_u8(w, (uint8_t)caps_len);
		wbuf_bytes(w, caps, caps_len);
		return;
	}
	wbuf_u8(w, OPT_PARAM_EXTENDED);
	wbuf_u8(w, OPT_PARAM_EXTENDED);
	wbuf_u16(w, (uint16_t)(caps_len ? caps_len + EXT_PARAM_HDR : 0));
	if (caps_len == 0)
		return;
	wbuf_u8(w, OPT_PARAM_CAPABILITIES);
	wbuf_u16(w, (uint16_t)caps_len);
	wbuf_bytes(w, caps, caps_len);
}

size_t bgp_open_encode(struct wbuf *w, const struct bgp_open *o)
{
	/* The capabilities go to scratch first: their size picks the form
	 * of the parameters, which come before them. */
	uint8_t caps[CAPS_SCRATCH];
	struct wbuf cw = wbuf_make(caps, sizeof caps);

	caps_encode(&cw, &o->caps);
	if (cw.overflow)
		return 0;
	size_t start = bgp_msg_begin(w, BGP_OPEN);
	wbuf_u8(w, o->version);
	wbuf_u16(w, o->my_as);
	wbuf_u16(w, o->hold_time);
	wbuf_u32(w, o->bgp_id);
	params_encode(w, o, caps, cw.len);
	bgp_msg_finish(w, start);
	if (w->overflow || w->len - start > BGP_MAX_LEN)
		return 0;       /* RFC 8654 §4: an OPEN stays within 4096 */
	return w->len - start;
}

/* ---- lookups --------------------------------------------------------- */

/* A speaker that sends no multiprotocol capability at all speaks what
 * RFC 4271 alone gives it: IPv4 unicast. */
bool bgp_caps_has_family(const struct bgp_caps *c, uint16_t afi, uint8_t safi)
{
	struct bgp_family f = { afi, safi };

	if (!(c->present & BGP_CAPF_MP))
		return afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST;
	for (size_t i = 0; i < c->mp_count && i < BGP_MAX_FAMILIES; i++)
		if (family_eq(&c->mp[i], &f))
			return true;
	return false;
}

uint8_t bgp_caps_addpath_mode(const struct bgp_caps *c, uint16_t afi,
    uint8_t safi)
{
	struct bgp_family f = { afi, safi };

	if (!(c->present & BGP_CAPF_ADD_PATH))
		return 0;
	for (size_t i = 0; i < c->addpath_count && i < BGP_MAX_FAMILIES; i++)
		if (family_eq(&c->addpath[i].fam, &f))
			return c->addpath[i].mode;
	return 0;
}
