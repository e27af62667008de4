/*
 * upgrade.h — upgrade in place (SIGUSR2, POST /api/v1/upgrade): this muxd
 * hands its listening sockets and its state to a new muxd started from
 * the same binary path (typically a newly installed version) by the
 * launcher (muxd/upgrade_launcher.h), and leaves once that one serves.
 *
 * The old process stops accepting, writes the state (muxd/handover_state.h)
 * into a sealed memfd and sends the launcher, in this order: the memfd,
 * the write end of a "ready" pipe, the state lock, then every listening
 * socket. The new process (muxd/upgrade_takeover.h) answers on the pipe
 * with "ready" or "refused: WHY". If it refuses, exits, or says nothing
 * within UPGRADE_READY_SECS, this process kills it if it still runs,
 * accepts again, logs why and goes on serving.
 */
#ifndef BGPMUX_UPGRADE_H
#define BGPMUX_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UPGRADE_READY_SECS 30
/* The handed-over descriptors, counted from the first. */
#define UPGRADE_FD_STATE 0
#define UPGRADE_FD_READY 1
#define UPGRADE_FD_LOCK 2
#define UPGRADE_FD_FIRST_LISTENER 3

struct event_base;
struct upgrade;

struct upgrade_ops {
	/* The new process (pid) serves: leave now. */
	void (*served)(pid_t pid, void *arg);
	void *arg;
};

/* launcher_fd: muxd's end of the launcher's socketpair (-1: none, every
 * upgrade is refused); lock_fd: the state lock. generation: this
 * process's (1 at a cold start). */
struct upgrade *upgrade_new(struct event_base *base, int launcher_fd, pid_t launcher_pid,
    int lock_fd, uint32_t generation, const struct upgrade_ops *ops);
void upgrade_free(struct upgrade *u);
/* Begins an upgrade; false with why when it cannot begin (one is under
 * way, no launcher). Its outcome is logged. */
bool upgrade_start(struct upgrade *u, char *why, size_t why_len);
/* A child was reaped: true if it was the launcher (upgrades end). */
bool upgrade_reaped(struct upgrade *u, pid_t pid, int status);

#endif
