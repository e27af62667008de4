/*
 * ms_policy.h — what a peer offers a multisession neighbor, and what each
 * refused offer teaches it (docs/multisession.md, "What a refusal
 * teaches").
 *
 * Pure: no sockets, no events; it writes log lines, never logs them.
 * Families are bits over the
 * neighbor's configured families, in configuration order (bit i is
 * cfg.families[i]); the peer turns them into sessions and log lines.
 */
#ifndef BGPMUX_MS_POLICY_H
#define BGPMUX_MS_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "muxd/config/config.h"
#include "muxd/engine/session.h"

typedef uint32_t ms_fams;       /* one bit per configured family */

struct ms_policy {
	/* Active side. */
	enum ms_dialect auto_offer;     /* "auto": the dialect offered next */
	bool narrow;                    /* IETF: one family per connection */
	ms_fams want;                   /* the group the neighbor's OPEN named */
	uint8_t rotate;                 /* one family at a time: start here */
	uint8_t tried;                  /* single families refused in a row */
	bool no_more;                   /* a further connection was refused */
	/* Passive side, IETF: answer with every family the neighbor offers
	 * (a -06/-07 speaker such as ExaBGP wants its own set back). */
	bool answer_all;
};

/* A connection that the neighbor ended with a NOTIFICATION after our
 * OPEN (offer or answer) went out and before it was Established. */
struct ms_refusal {
	bool ours;                      /* we opened it: our OPEN was an offer */
	enum ms_dialect offered;        /* the capability our OPEN carried */
	ms_fams fams;                   /* the families our OPEN carried */
	bool got_open;                  /* the neighbor's OPEN arrived first */
	ms_fams theirs;                 /* configured families its OPEN named */
	uint8_t code, subcode;          /* its NOTIFICATION; 0: it closed the
					 * connection before its OPEN */
	bool others_up;                 /* another session is Established */
};

/* What a refusal changed; the peer says it in the log. */
enum ms_lesson {
	MS_LESSON_NONE = 0,
	MS_LESSON_DIALECT,              /* auto_offer moved on */
	MS_LESSON_WANT,                 /* offer exactly the neighbor's group */
	MS_LESSON_NARROW,               /* one family per connection from now on */
	MS_LESSON_ROTATE,               /* try the next family first */
	MS_LESSON_NO_MORE,              /* open no further connection for now */
	MS_LESSON_ANSWER_ALL,           /* passive: answer with its whole set */
};

void ms_policy_init(struct ms_policy *p);
/* The neighbor's families changed: forget what was learnt about them
 * (the dialect learnt stays). */
void ms_policy_families_changed(struct ms_policy *p);
/* A session came up: the refusals in a row are over. */
void ms_policy_established(struct ms_policy *p);
/* A session went down: further connections may be tried again. */
void ms_policy_session_down(struct ms_policy *p);

enum ms_lesson ms_policy_learn(struct ms_policy *p, enum ms_mode mode, uint8_t nfam,
    const struct ms_refusal *r);

/* Active side: the families the next connection offers in dialect d,
 * from those without a session (open); 0 for none. Cisco's dialect and a
 * narrowed IETF offer carry one family; otherwise all that are open, or
 * exactly the group the neighbor asked for while all of it is open. */
ms_fams ms_policy_offer(const struct ms_policy *p, enum ms_dialect d, ms_fams open,
    uint8_t nfam);

/* Passive side: the answer in the neighbor's dialect d to an OPEN that
 * offers `offered` (configured families without a session). lists_caps:
 * its capability 68 names the capabilities that define its session
 * (-06/-07, ExaBGP): it wants the same families back. 0 for none. */
ms_fams ms_policy_answer(const struct ms_policy *p, enum ms_dialect d, ms_fams offered,
    bool lists_caps);

/* The log line for lesson l: "multisession: the neighbor refused our
 * offer (IETF, ipv4-unicast+ipv6-unicast) with NOTIFICATION 2/8 (...):
 * its own OPEN named ipv4-unicast: offering exactly that group next".
 * fams/nfam: the configured families the bits stand for. Returns buf. */
const char *ms_lesson_text(const struct ms_policy *p, const struct ms_refusal *r,
    enum ms_lesson l, const struct bgp_family *fams, uint8_t nfam, char *buf, size_t len);

#endif
