/*
 * mrt_updates.c — one recorded peer's UPDATEs, from an MRT file
 * (mrt_updates.h).
 */
#include "tests/tools/lib/mrt_updates.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "tests/tools/lib/mrt_read.h"
#include "tests/tools/lib/tool.h"

struct load {
	const struct mrt_updates_spec *spec;
	struct update_list *l;
	bool have_encoding;
	bool have_peer;
	uint16_t peer_afi;              /* the recorded peer */
	uint8_t peer_ip[16];
	uint32_t peer_as;
	unsigned long bad_records, skipped_addpath, skipped_big,
	    skipped_bad, skipped_encoding, treat_as_withdraw;
};

static bool peer_matches(struct load *ld, const struct mrt_bgp4mp_msg *m)
{
	size_t alen = m->afi == BGP_AFI_IPV4 ? 4 : 16;

	if (!ld->have_peer) {
		/* No --peer: the first peer seen is the one. */
		ld->have_peer = true;
		ld->peer_afi = m->afi;
		memcpy(ld->peer_ip, m->peer_ip, alen);
	}
	if (m->afi != ld->peer_afi || memcmp(m->peer_ip, ld->peer_ip, alen))
		return false;
	if (!ld->peer_as)
		ld->peer_as = m->peer_as;
	return true;
}

/* A BGP message the peer sent: keep it if it is an UPDATE we can send. */
static bool load_message(struct load *ld, const struct mrt_bgp4mp_msg *m)
{
	struct bgp_header h;
	struct bgp_err err = { 0 };
	struct update_ref ref = { 0 };
	bool taw = false;
	int n = bgp_header_decode(m->msg, m->msg_len, BGP_EXT_MAX_LEN, &h, &err);

	if (n <= 0 || (size_t)n != m->msg_len) {
		ld->skipped_bad++;
		return true;
	}
	if (h.type != BGP_UPDATE)
		return true;
	if (!ld->have_encoding) {
		/* The first UPDATE's, not the OPEN's: a recorder may file the
		 * OPEN as MESSAGE before it knows the session is 4-octet. */
		ld->have_encoding = true;
		ld->l->as4 = m->as4;
	}
	if (m->as4 != ld->l->as4) {
		/* One session speaks one encoding; a later one may differ. */
		ld->skipped_encoding++;
		return true;
	}
	if (n > BGP_MAX_LEN) {
		ld->skipped_big++;      /* we do not negotiate extended messages */
		return true;
	}
	if (!update_account(m->msg, (size_t)n, ld->l->as4, &ref, &taw)) {
		ld->skipped_bad++;
		return true;
	}
	ld->treat_as_withdraw += taw;
	return update_list_add(ld->l, m->msg, (size_t)n, ref);
}

static bool load_record(struct load *ld, const struct mrt_record *rec)
{
	struct mrt_bgp4mp_msg m;
	const char *why;

	if (!mrt_read_bgp4mp(rec, &m, &why)) {
		ld->bad_records += why != NULL;
		return true;
	}
	/* What the recorder itself sent is not the peer's session. */
	if (m.local || !peer_matches(ld, &m))
		return true;
	if (m.addpath) {
		ld->skipped_addpath++;  /* we do not negotiate ADD-PATH */
		return true;
	}
	return load_message(ld, &m);
}

static bool load_peer_option(struct load *ld)
{
	const char *peer = ld->spec->peer;

	if (!peer)
		return true;
	ld->have_peer = true;
	if (inet_pton(AF_INET, peer, ld->peer_ip) == 1)
		ld->peer_afi = BGP_AFI_IPV4;
	else if (inet_pton(AF_INET6, peer, ld->peer_ip) == 1)
		ld->peer_afi = BGP_AFI_IPV6;
	else {
		warnx_("--peer %s: not an IPv4 or IPv6 address", peer);
		return false;
	}
	return true;
}

static void load_report(const struct load *ld)
{
	const char *file = ld->spec->path;
	const struct update_list *l = ld->l;
	char peer[INET6_ADDRSTRLEN];
	int af = ld->peer_afi == BGP_AFI_IPV4 ? AF_INET : AF_INET6;

	if (!ld->have_peer || !inet_ntop(af, ld->peer_ip, peer, sizeof peer))
		snprintf(peer, sizeof peer, "(none)");
	tool_say(ld->spec->quiet, "%s: %zu UPDATE messages from peer %s AS%" PRIu32
	    " (%s AS_PATH): %lu prefixes announced, %lu withdrawn, %zu bytes",
	    file, l->n, peer, ld->peer_as, l->as4 ? "4-octet" : "2-octet",
	    l->announced, l->withdrawn, l->len);
	if (ld->bad_records || ld->skipped_addpath || ld->skipped_big ||
	    ld->skipped_bad || ld->skipped_encoding)
		warnx_("%s: not replayed: %lu malformed records, %lu ADD-PATH, "
		    "%lu over 4096 bytes, %lu malformed UPDATEs, %lu of another "
		    "AS encoding", file, ld->bad_records, ld->skipped_addpath,
		    ld->skipped_big, ld->skipped_bad, ld->skipped_encoding);
	if (ld->treat_as_withdraw)
		warnx_("%s: %lu UPDATEs will be treated as withdraw (RFC 7606)",
		    file, ld->treat_as_withdraw);
}

bool mrt_updates_load(const struct mrt_updates_spec *spec, struct update_list *l,
    uint32_t *peer_as)
{
	struct load ld = { .spec = spec, .l = l };
	struct mrt_reader r;
	struct mrt_record rec;
	int rc = 1;
	bool ok = true;

	if (!load_peer_option(&ld))
		return false;
	if (!mrt_read_open(&r, spec->path)) {
		warnx_("%s", r.err);
		return false;
	}
	while (ok && (!spec->limit || l->n < spec->limit) && (rc = mrt_read_next(&r, &rec)) > 0)
		ok = load_record(&ld, &rec);
	if (rc < 0)
		warnx_("%s: %s", spec->path, r.err);
	mrt_read_close(&r);
	if (!ok || rc < 0)
		return false;
	load_report(&ld);
	*peer_as = ld.peer_as;
	if (l->n == 0) {
		warnx_("%s: no UPDATE message to replay%s%s", spec->path,
		    spec->peer ? " from peer " : "", spec->peer ? spec->peer : "");
		return false;
	}
	return true;
}
