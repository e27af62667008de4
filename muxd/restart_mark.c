/*
 * restart_mark.c — the mark of a running muxd in its state_dir, to tell a
 * restart after a crash from a start after a clean stop.
 */
#include "muxd/restart_mark.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "muxd/lib/log.h"

static void mark_path(const char *state_dir, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", state_dir, name);
}

bool state_mark_take(const char *state_dir, const char *name, const char *lost)
{
	char path[4096];

	mark_path(state_dir, name, path, sizeof path);
	bool found = access(path, F_OK) == 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		log_warnx("cannot write %s: %s; %s", path, strerror(errno), lost);
	else
		close(fd);
	return found;
}

bool restart_mark_take(const char *state_dir)
{
	return state_mark_take(state_dir, RESTART_MARK_FILE, "a crash of this muxd "
	    "will not be taken for a restart at its next start");
}

void restart_mark_clear(const char *state_dir)
{
	char path[4096];

	mark_path(state_dir, RESTART_MARK_FILE, path, sizeof path);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warnx("cannot remove %s: %s; the next start will be taken for a "
		    "graceful restart", path, strerror(errno));
}
