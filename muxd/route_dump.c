/*
 * route_dump.c — routes.json, one forked writer at a time (route_dump.h).
 */
#include "muxd/route_dump.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "muxd/lib/log.h"

#define FINAL_NAME "routes.json"
#define TEMP_PREFIX ".routes.json."
#define WRITE_BUFFER (1 << 20)

struct route_dump {
	char *dir;
	route_dump_write_fn write;
	void *arg;
	pid_t pid;                      /* the running writer, 0 if none */
	bool again;                     /* asked for while one ran */
	unsigned long started;
	struct timespec t0;
};

static double secs_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Temporary files of a dump that an earlier run did not finish (a crash,
 * a kill -9): incomplete, so they go. No other muxd writes here
 * (statelock.h). */
static void remove_stale(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	char path[4400];

	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (strncmp(e->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (unlink(path) == 0)
			log_info("removed %s, left incomplete by an earlier route dump", path);
	}
	closedir(dp);
}

struct route_dump *route_dump_new(const char *dir, route_dump_write_fn write, void *arg)
{
	struct route_dump *rd = xcalloc(1, sizeof *rd);

	rd->dir = xstrdup(dir);
	rd->write = write;
	rd->arg = arg;
	remove_stale(dir);
	return rd;
}

void route_dump_free(struct route_dump *rd)
{
	if (rd == NULL)
		return;
	free(rd->dir);
	free(rd);
}

/* The child's work: the temporary file, written, on disk, renamed. On
 * failure, errno says why (0: the writer failed without saying). */
static bool write_file(struct route_dump *rd, const char *tmp, const char *final,
    int fd, size_t *routes)
{
	FILE *f = fdopen(fd, "w");
	int err = 0;

	if (f == NULL) {
		err = errno;
		close(fd);
		errno = err;
		return false;
	}
	setvbuf(f, NULL, _IOFBF, WRITE_BUFFER);
	errno = 0;
	if (fchmod(fd, 0644) < 0 || !rd->write(f, rd->arg, routes) || fflush(f) != 0 ||
	    fsync(fd) < 0)
		err = errno ? errno : EIO;
	if (fclose(f) != 0 && err == 0)
		err = errno;
	if (err == 0 && rename(tmp, final) < 0)
		err = errno;
	errno = err;
	return err == 0;
}

static _Noreturn void child_run(struct route_dump *rd)
{
	char tmp[4400], final[4400];
	size_t routes = 0;
	struct timespec t0;

	/* The daemon's sockets stay the daemon's: a session it closes
	 * meanwhile must not linger open in here. */
	close_range(3, ~0u, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(final, sizeof final, "%s/%s", rd->dir, FINAL_NAME);
	snprintf(tmp, sizeof tmp, "%s/%sXXXXXX", rd->dir, TEMP_PREFIX);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		log_warnx("cannot create a temporary file in %s for the route dump: %s "
		    "(is state_dir writable?)", rd->dir, strerror(errno));
		_exit(1);
	}
	if (!write_file(rd, tmp, final, fd, &routes)) {
		int err = errno;
		unlink(tmp);
		log_warnx("cannot write %s: %s (is state_dir's disk full?): the temporary "
		    "file is removed, the previous routes.json stays", final, strerror(err));
		_exit(1);
	}
	log_info("wrote %zu routes of every peer and view to %s in %.2f s", routes, final,
	    secs_since(&t0));
	_exit(0);
}

static void dump_start(struct route_dump *rd)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_warnx("route dump: cannot fork its writer: %s; not written (send "
		    "SIGUSR1 again)", strerror(errno));
		return;
	}
	if (pid == 0)
		child_run(rd);
	rd->pid = pid;
	rd->started++;
	clock_gettime(CLOCK_MONOTONIC, &rd->t0);
	log_info("route dump %lu: writing %s/%s (writer pid %ld)", rd->started, rd->dir,
	    FINAL_NAME, (long)pid);
}

void route_dump_request(struct route_dump *rd)
{
	if (rd->pid == 0) {
		dump_start(rd);
	} else if (!rd->again) {
		rd->again = true;
		log_info("route dump %lu still running: one more follows it (further "
		    "requests until then are the same one)", rd->started);
	}
}

bool route_dump_reaped(struct route_dump *rd, pid_t pid, int status,
    const struct rusage *ru)
{
	if (rd == NULL || pid <= 0 || pid != rd->pid)
		return false;
	rd->pid = 0;
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	log_info("route dump %lu %s after %.2f s (the writer's peak memory: %ld MiB)",
	    rd->started, ok ? "done" : "failed", secs_since(&rd->t0),
	    ru ? ru->ru_maxrss / 1024 : 0);
	if (rd->again) {
		rd->again = false;
		dump_start(rd);
	}
	return true;
}
