/*
 * monpeer.c — a view's upstream session as monitors remember it.
 */
#include "monitors/monpeer.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/lib/log.h"

void mon_peer_init(struct mon_peer *p, const char *view, struct feed *feed)
{
	const struct session *s = feed_upstream(feed);

	memset(p, 0, sizeof *p);
	p->view = xstrdup(view);
	p->feed = feed;
	if (s && feed_session_up(feed)) {       /* joined while it is up */
		struct feed_event ev = { .type = FEED_SESSION_UP, .session = s,
			.neg = session_negotiated(s) };
		mon_peer_up(p, &ev);
		p->up_at.tv_sec -= session_uptime(s);
	}
}

static void forget_opens(struct mon_peer *p)
{
	free(p->open_sent);
	free(p->open_rcvd);
	p->open_sent = p->open_rcvd = NULL;
	p->open_sent_len = p->open_rcvd_len = 0;
}

void mon_peer_release(struct mon_peer *p)
{
	forget_opens(p);
	free(p->view);
	p->view = NULL;
}

static uint8_t *copy_msg(const uint8_t *m, size_t len)
{
	uint8_t *c;

	if (m == NULL || len == 0)
		return NULL;
	c = xmalloc(len);
	memcpy(c, m, len);
	return c;
}

void mon_peer_up(struct mon_peer *p, const struct feed_event *ev)
{
	const struct session_negotiated *n = ev->neg;
	const struct session *s = ev->session;
	const uint8_t *m;
	size_t len;

	p->up = true;
	gettimeofday(&p->up_at, NULL);
	if (n) {
		p->remote_as = n->remote_as;
		p->remote_id = n->remote_id;
		p->as4 = n->as4;
		p->ext_message = n->ext_message;
		memcpy(p->addpath, n->rx.addpath, sizeof p->addpath);
		memset(p->unicast, 0, sizeof p->unicast);
		for (uint8_t i = 0; i < n->family_count; i++) {
			enum bgp_aid aid = bgp_aid_rib(n->families[i].afi,
			    n->families[i].safi);
			if (bgp_aid_is_rib(aid))
				p->unicast[aid] = true;
		}
	}
	forget_opens(p);
	if (s == NULL)
		return;
	p->local_as = session_params(s)->local_as;
	p->local_id = session_params(s)->local_id;
	p->local = *session_local_addr(s);
	p->remote = *session_remote_addr(s);
	m = session_kept_msg(s, BGP_OPEN, true, &len);
	p->open_sent = copy_msg(m, len);
	p->open_sent_len = p->open_sent ? len : 0;
	m = session_kept_msg(s, BGP_OPEN, false, &len);
	p->open_rcvd = copy_msg(m, len);
	p->open_rcvd_len = p->open_rcvd ? len : 0;
}

void mon_peer_down(struct mon_peer *p, const struct feed_event *ev,
    struct mon_down *d)
{
	const struct session *s = ev->session;

	p->up = false;
	memset(d, 0, sizeof *d);
	d->reason = MON_DOWN_LOCAL_NO_NOTIFICATION;
	if (s == NULL)
		return;
	if ((d->notification = session_kept_msg(s, BGP_NOTIFICATION, false, &d->len)))
		d->reason = MON_DOWN_REMOTE_NOTIFICATION;
	else if ((d->notification = session_kept_msg(s, BGP_NOTIFICATION, true, &d->len)))
		d->reason = MON_DOWN_LOCAL_NOTIFICATION;
	else if (ev->reason && strstr(ev->reason, "closed by neighbor"))
		d->reason = MON_DOWN_REMOTE_NO_NOTIFICATION;
}

size_t mon_addr_bytes(const struct sockaddr_mux *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (a->len == 0)
		return 0;
	if (sockaddr_family(a) == AF_INET) {
		memcpy(out, &a->u.sin.sin_addr, 4);
		return 4;
	}
	memcpy(out, &a->u.sin6.sin6_addr, 16);
	return 16;
}
