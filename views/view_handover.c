/*
 * view_handover.c — a view across an upgrade in place (muxd/upgrade.h):
 * its table as bytes for the process after, and what the process after
 * takes over (the table, filled quietly, and the upstream's session).
 */
#include <stdio.h>

#include "muxd/lib/log.h"
#include "muxd/rib/rib_snapshot.h"
#include "views/feed.h"
#include "views/view.h"
#include "views/view_int.h"

uint8_t *view_table_bytes(const struct view *v, size_t *len)
{
	return rib_snapshot_write(v->rib, len);
}

/* Filled quietly: whoever follows the feed had these routes from the
 * process before. */
bool view_load_table(struct view *v, const uint8_t *p, size_t len, char *why,
    size_t why_len)
{
	size_t paths = 0;

	if (adjrib_count(v->rib, 0) || feed_session_up(v->feed)) {
		snprintf(why, why_len, "the view has routes or a session already");
		return false;
	}
	if (!rib_snapshot_read(v->rib, v->store, p, len, &paths, why, why_len))
		return false;
	log_info("view %s: %zu paths taken over from the process before", v->name, paths);
	return true;
}

bool view_adopt_session(struct view *v, const struct session_handover *h, char *why,
    size_t why_len)
{
	struct session *s = peer_adopt(v->peer, h, why, why_len);

	if (s == NULL)
		return false;
	view_publish_up(v, session_negotiated(s), s);
	return true;
}
