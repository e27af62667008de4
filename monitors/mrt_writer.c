/*
 * mrt_writer.c — update files through a writer thread, RIB dumps from a
 * forked child (see mrt_writer.h).
 */
#include "monitors/mrt_writer.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "monitors/monpeer.h"
#include "muxd/bgp/mrt_codec.h"
#include "monitors/mrt_sink.h"
#include "muxd/bgp/bgp.h"
#include "muxd/lib/log.h"

/* Update records waiting for the disk before new ones are dropped. */
#define MAX_QUEUED (256u << 20)
/* A BGP4MP record: header, AS and addresses, the largest message. */
#define RECORD_MAX (MRT_HEADER_LEN + 12 + 32 + BGP_EXT_MAX_LEN)
#define DUMP_BUF (2u << 20)

struct mrt_view {
	struct mrt_writer *m;
	struct mon_peer peer;
	struct feed_sub *sub;
	struct mrt_view *next;
};

struct mrt_writer {
	struct event_base *base;
	struct mrt_config cfg;
	char *dir;                      /* state_dir/mrt */
	uint32_t router_id;
	struct mrt_sink *sink;
	struct event *rotate_ev, *dump_ev;
	pid_t dump_pid;
	time_t rotate_at, dump_at;      /* when the timers are due */
	struct mrt_view *views;
	uint64_t logged_drops;
	uint64_t records;               /* in the current updates file */
	bool updates_open;              /* the first one opens with its first record */
	uint8_t record[RECORD_MAX];
};

/* ---- names and times ------------------------------------------------------ */

static double now_secs(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* "DIR/KIND.YYYYMMDD.HHMM[SS][.gz]" and its temporary ".KIND…​.tmp". */
static void file_names(const struct mrt_writer *m, const char *kind, time_t t,
    uint32_t interval, char *final, char *tmp, size_t len)
{
	struct tm tm;
	char stamp[32];

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, interval % 60 ? "%Y%m%d.%H%M%S" : "%Y%m%d.%H%M", &tm);
	snprintf(final, len, "%s/%s.%s%s", m->dir, kind, stamp, m->cfg.gzip ? ".gz" : "");
	snprintf(tmp, len, "%s/.%s.%s%s.tmp", m->dir, kind, stamp, m->cfg.gzip ? ".gz" : "");
}

/*
 * Arm ev for the next multiple of interval seconds since the epoch after
 * *at (or after now, when that is already past); *at becomes that time.
 * The callback names its file after *at, not after the clock: a timer may
 * fire a few milliseconds early, and the clock would then name the
 * previous interval again.
 */
static void arm_at_boundary(struct event *ev, uint32_t interval, time_t *at)
{
	double now = now_secs();
	time_t next = *at + interval;

	if (*at == 0 || next <= (time_t)now)
		next = ((time_t)now / interval + 1) * interval;
	*at = next;
	double wait = next - now;
	struct timeval tv = { (time_t)wait, (suseconds_t)((wait - (time_t)wait) * 1e6) };
	evtimer_add(ev, &tv);
}

/* ---- update files ------------------------------------------------------------ */

/* The updates file of the interval that starts at start. */
static void open_updates(struct mrt_writer *m, time_t start)
{
	char final[4200], tmp[4200];

	file_names(m, "updates", start, m->cfg.updates_interval, final, tmp, sizeof final);
	log_debug("mrt: next updates file %s (%llu records in the previous one)", final,
	    (unsigned long long)m->records);
	m->records = 0;
	m->updates_open = true;
	mrt_sink_open(m->sink, tmp, final, m->cfg.gzip);
}

static void log_drops(struct mrt_writer *m)
{
	struct mrt_sink_stats st;

	mrt_sink_stats(m->sink, &st);
	if (st.dropped > m->logged_drops) {
		log_warnx("mrt: dropped %llu update records: the disk under %s does not "
		    "keep up (%llu dropped since start)",
		    (unsigned long long)(st.dropped - m->logged_drops), m->dir,
		    (unsigned long long)st.dropped);
		m->logged_drops = st.dropped;
	}
}

static void rotate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mrt_writer *m = arg;
	(void)fd;
	(void)what;

	log_drops(m);
	open_updates(m, m->rotate_at);  /* finishes the previous file */
	arm_at_boundary(m->rotate_ev, m->cfg.updates_interval, &m->rotate_at);
}

/* The first updates file is opened by its first record, in the event
 * loop: after muxd has dropped root (muxd/privdrop.c), so that every file
 * in mrt/ is the configured user's. */
static void put_record(struct mrt_writer *m, size_t n)
{
	if (n && !m->updates_open)
		open_updates(m, m->rotate_at - (time_t)m->cfg.updates_interval);
	if (n && mrt_sink_write(m->sink, m->record, n))
		m->records++;
}

static void session_of(const struct mon_peer *p, struct mrt_session *s)
{
	memset(s, 0, sizeof *s);
	s->peer_as = p->remote_as;
	s->local_as = p->local_as;
	s->peer.afi = mon_addr_bytes(&p->remote, s->peer.a) == 16 ? 2 : 1;
	s->local.afi = s->peer.afi;
	if (p->local.len && sockaddr_family(&p->local) == sockaddr_family(&p->remote))
		mon_addr_bytes(&p->local, s->local.a);
}

/* RFC 8050: the _ADDPATH subtypes for messages whose NLRI carry path ids. */
static bool path_ids(const bool addpath[AID_RIB_MAX], uint16_t afi, uint8_t safi)
{
	enum bgp_aid aid = bgp_aid_rib(afi, safi);

	return bgp_aid_is_rib(aid) && addpath[aid];
}

static bool update_has_path_ids(const struct bgp_update *u,
    const bool addpath[AID_RIB_MAX])
{
	const struct bgp_attrs *a = &u->attrs;

	if ((u->withdrawn.len || u->nlri.len) && addpath[AID_IPV4_UNICAST])
		return true;
	if ((a->present & BGP_ATTR_BIT(14)) && a->mp_reach.nlri.len &&
	    path_ids(addpath, a->mp_reach.afi, a->mp_reach.safi))
		return true;
	return (a->present & BGP_ATTR_BIT(15)) && a->mp_unreach.nlri.len &&
	    path_ids(addpath, a->mp_unreach.afi, a->mp_unreach.safi);
}

/* The UPDATE as it came, from the feed (an UPDATE that came from no
 * session has no message to record). */
static void record_update(struct mrt_view *mv, const struct feed_event *ev)
{
	struct mrt_writer *m = mv->m;
	struct wbuf w = wbuf_make(m->record, sizeof m->record);
	struct mrt_session s;

	if (ev->raw == NULL)
		return;
	session_of(&mv->peer, &s);
	put_record(m, mrt_bgp4mp_message_encode(&w, (uint32_t)time(NULL), &s, mv->peer.as4,
	    update_has_path_ids(ev->update, mv->peer.addpath), ev->raw, ev->raw_len));
}

static void record_state(struct mrt_view *mv, uint16_t from, uint16_t to)
{
	struct mrt_writer *m = mv->m;
	struct wbuf w = wbuf_make(m->record, sizeof m->record);
	struct mrt_session s;

	session_of(&mv->peer, &s);
	put_record(m, mrt_bgp4mp_state_encode(&w, (uint32_t)time(NULL), &s, from, to));
}

static void view_cb(const struct feed_event *ev, void *arg)
{
	struct mrt_view *mv = arg;
	struct mon_down d;

	switch (ev->type) {
	case FEED_UPDATE:
		record_update(mv, ev);
		break;
	case FEED_SESSION_UP:
		mon_peer_up(&mv->peer, ev);
		record_state(mv, MRT_STATE_OPENCONFIRM, MRT_STATE_ESTABLISHED);
		break;
	case FEED_SESSION_DOWN:
		record_state(mv, MRT_STATE_ESTABLISHED, MRT_STATE_IDLE);
		mon_peer_down(&mv->peer, ev, &d);
		break;
	default:
		break;
	}
}

/* ---- RIB dumps (in a forked child) ---------------------------------------------- */

struct dump {
	gzFile gz;
	size_t routes;
	struct wbuf w;
	uint32_t ts, seq;
	const struct mon_peer *peer;
	struct mrt_rib rib;
	bool open;                      /* a RIB record is being built */
	struct bgp_prefix cur;
	bool ok;
};

static void dump_flush(struct dump *d)
{
	if (d->w.len && gzwrite(d->gz, d->w.p, (unsigned)d->w.len) != (int)d->w.len)
		d->ok = false;
	d->w.len = 0;
	d->w.overflow = false;
}

static void dump_finish_record(struct dump *d)
{
	if (!d->open)
		return;
	if (mrt_rib_finish(&d->rib) == 0)
		d->ok = false;
	d->open = false;
	if (d->w.len > DUMP_BUF / 2)
		dump_flush(d);
}

static bool same_prefix(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->afi == b->afi && a->len == b->len &&
	    memcmp(a->addr, b->addr, (a->len + 7u) / 8) == 0;
}

static void dump_begin_record(struct dump *d, const struct bgp_prefix *p)
{
	mrt_rib_begin(&d->rib, &d->w, d->ts, d->seq++, p->afi,
	    mon_peer_addpath(d->peer, p->afi), p->addr, p->len);
	d->cur = *p;
	d->open = true;
}

static int dump_route(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct dump *d = arg;
	size_t alen, nhlen;
	const uint8_t *attrs = attrset_wire(set, &alen);
	const uint8_t *nh = attrset_next_hop(set, &nhlen);
	size_t need = 16 + alen + 4 + nhlen;

	if (d->open && (!same_prefix(&d->cur, p) || d->w.len + need + 64 > d->w.cap)) {
		dump_finish_record(d);
		if (d->w.len + need + 64 > d->w.cap)
			dump_flush(d);
	}
	if (!d->open)
		dump_begin_record(d, p);
	mrt_rib_entry(&d->rib, 0, (uint32_t)d->peer->up_at.tv_sec, p->path_id, attrs,
	    alen, nh, nhlen);
	d->routes++;
	return 0;
}

static void dump_view(struct dump *d, const struct mrt_writer *m, const struct mon_peer *p)
{
	struct mrt_peer peer = { p->remote_id, p->remote_as, { 1, { 0 } } };
	struct feed_cursor c;

	peer.addr.afi = mon_addr_bytes(&p->remote, peer.addr.a) == 16 ? 2 : 1;
	if (mrt_peer_index_encode(&d->w, d->ts, m->router_id, p->view, &peer, 1) == 0)
		d->ok = false;
	d->peer = p;
	feed_cursor_init(&c, 0);
	feed_cursor_next(p->feed, &c, SIZE_MAX, dump_route, d);
	dump_finish_record(d);
	dump_flush(d);
}

static bool dump_write(const struct mrt_writer *m, const char *tmp, time_t ts,
    size_t *routes)
{
	struct dump d = { .ts = (uint32_t)ts, .ok = true };

	d.gz = gzopen(tmp, m->cfg.gzip ? "wb6" : "wbT");
	if (d.gz == NULL)
		return false;
	gzbuffer(d.gz, 256 * 1024);
	d.w = wbuf_make(xmalloc(DUMP_BUF), DUMP_BUF);
	for (const struct mrt_view *mv = m->views; mv; mv = mv->next)
		dump_view(&d, m, &mv->peer);
	free(d.w.p);
	*routes = d.routes;
	return gzclose(d.gz) == Z_OK && d.ok;
}

static bool dump_running(struct mrt_writer *m)
{
	if (m->dump_pid <= 0)
		return false;
	if (waitpid(m->dump_pid, NULL, WNOHANG) == 0)
		return true;
	m->dump_pid = 0;                /* ended (or reaped by the daemon) */
	return false;
}

/* A RIB dump named after ts. */
static bool dump_start(struct mrt_writer *m, time_t ts)
{
	char final[4200], tmp[4200];

	if (dump_running(m)) {
		log_warnx("mrt: the previous RIB dump is still being written: skipping "
		    "this one (rib_interval %u s may be too short)", m->cfg.rib_interval);
		return false;
	}
	file_names(m, "bview", ts, m->cfg.rib_interval, final, tmp, sizeof final);
	pid_t pid = fork();
	if (pid < 0) {
		log_warnx("mrt: cannot fork for the RIB dump: %s", strerror(errno));
		return false;
	}
	if (pid > 0) {
		m->dump_pid = pid;
		return true;
	}
	/* The child must not hold the daemon's sockets open: a session or a
	 * collector connection the daemon closes meanwhile would linger. */
	close_range(3, ~0u, 0);
	double t0 = now_secs();
	size_t routes = 0;
	bool ok = dump_write(m, tmp, ts, &routes) && rename(tmp, final) == 0;
	if (ok) {
		log_info("mrt: wrote %s: %zu routes in %.3f s", final, routes, now_secs() - t0);
	} else {
		log_warnx("mrt: cannot write %s: %s (is state_dir writable?)", final,
		    strerror(errno));
		unlink(tmp);
	}
	_exit(ok ? 0 : 1);
}

static void dump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mrt_writer *m = arg;
	(void)fd;
	(void)what;

	dump_start(m, m->dump_at);
	arm_at_boundary(m->dump_ev, m->cfg.rib_interval, &m->dump_at);
}

/* ---- set-up -------------------------------------------------------------------- */

/* Temporary files left by a crash are incomplete: remove them. */
static void remove_stale(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	char path[4400];

	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		size_t n = strlen(e->d_name);
		if ((strncmp(e->d_name, ".updates.", 9) && strncmp(e->d_name, ".bview.", 7)) ||
		    n < 4 || strcmp(e->d_name + n - 4, ".tmp"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (unlink(path) == 0)
			log_info("mrt: removed %s, left incomplete by an earlier run", path);
	}
	closedir(dp);
}

struct mrt_writer *mrt_writer_new(struct event_base *base, const struct mrt_config *cfg,
    const char *state_dir, uint32_t router_id)
{
	struct mrt_writer *m = xcalloc(1, sizeof *m);
	size_t len = strlen(state_dir) + 8;

	m->base = base;
	m->cfg = *cfg;
	m->router_id = router_id;
	m->dir = xmalloc(len);
	snprintf(m->dir, len, "%s/mrt", state_dir);
	if (mkdir(m->dir, 0755) < 0 && errno != EEXIST)
		log_warnx("mrt: cannot create %s: %s: no MRT files until it exists", m->dir,
		    strerror(errno));
	remove_stale(m->dir);
	m->sink = mrt_sink_new(MAX_QUEUED);
	m->rotate_ev = evtimer_new(base, rotate_cb, m);
	m->dump_ev = evtimer_new(base, dump_cb, m);
	arm_at_boundary(m->rotate_ev, cfg->updates_interval, &m->rotate_at);
	arm_at_boundary(m->dump_ev, cfg->rib_interval, &m->dump_at);
	log_info("mrt: writing %s/updates.* every %u s and bview.* every %u s (%s)", m->dir,
	    cfg->updates_interval, cfg->rib_interval, cfg->gzip ? "gzip" : "uncompressed");
	return m;
}

void mrt_writer_add_view(struct mrt_writer *m, const char *view, struct feed *feed)
{
	struct mrt_view *mv = xcalloc(1, sizeof *mv);

	mv->m = m;
	mon_peer_init(&mv->peer, view, feed);
	mv->sub = feed_subscribe(feed, FEED_MASK(FEED_UPDATE) | FEED_MASK(FEED_SESSION_UP) |
	    FEED_MASK(FEED_SESSION_DOWN), view_cb, mv);
	mv->next = m->views;
	m->views = mv;
}

static void view_free(struct mrt_view *mv)
{
	feed_unsubscribe(mv->sub);
	mon_peer_release(&mv->peer);
	free(mv);
}

void mrt_writer_remove_view(struct mrt_writer *m, struct feed *feed)
{
	for (struct mrt_view **pos = &m->views; *pos; pos = &(*pos)->next) {
		if ((*pos)->peer.feed == feed) {
			struct mrt_view *mv = *pos;
			*pos = mv->next;
			view_free(mv);
			return;
		}
	}
}

void mrt_writer_free(struct mrt_writer *m)
{
	if (m == NULL)
		return;
	while (m->views) {
		struct mrt_view *mv = m->views;
		m->views = mv->next;
		view_free(mv);
	}
	event_free(m->rotate_ev);
	event_free(m->dump_ev);
	log_drops(m);
	mrt_sink_free(m->sink);         /* the last updates file, complete */
	free(m->dir);
	free(m);
}
