/*
 * statelock.c — STATE_DIR/muxd.lock (statelock.h).
 */
#include "muxd/lib/statelock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_NAME "muxd.lock"

/* The PID the holder wrote, 0 if the file does not say. */
static long holder_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static void write_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return;         /* the lock holds all the same; the PID is a courtesy */
}

int statelock_take(const char *dir, char *why, size_t why_len)
{
	char path[4200];

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(why, why_len, "cannot create state_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(why, why_len, "cannot open %s: %s (is state_dir writable?)", path,
		    strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		write_pid(fd);
		return fd;
	}
	int err = errno;
	long pid = holder_pid(fd);
	close(fd);
	if (err == EWOULDBLOCK && pid > 0)
		snprintf(why, why_len, "state_dir %s is in use by another muxd (pid %ld holds "
		    "%s): stop it first, or give this one a state_dir of its own", dir, pid, path);
	else if (err == EWOULDBLOCK)
		snprintf(why, why_len, "state_dir %s is in use by another muxd (it holds %s): "
		    "stop it first, or give this one a state_dir of its own", dir, path);
	else
		snprintf(why, why_len, "cannot lock %s: %s", path, strerror(err));
	return -1;
}

void statelock_adopt(int fd)
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	write_pid(fd);
}
