/*
 * upgrade.h — upgrade in place (SIGUSR2, POST /api/v1/upgrade): this muxd
 * hands its listening sockets and its state to a new muxd started from
 * the same binary path (typically a newly installed version) by the
 * launcher (muxd/upgrade_launcher.h), and leaves once that one serves.
 *
 * The old process stops accepting, freezes its sessions (they read
 * nothing and write out what they queued: upgrade_ops), writes the state
 * (muxd/handover_state.h) into a sealed memfd and sends the launcher, in
 * this order: the memfd, the write end of a "ready" pipe, the state lock,
 * every listening socket, then every Established session's connection.
 * The new process (muxd/upgrade_takeover.h) answers on the pipe with
 * "ready" or "refused: WHY". If it refuses, exits, or says nothing
 * within UPGRADE_READY_SECS, this process kills it if it still runs,
 * thaws its sessions, accepts again, logs why and goes on serving.
 */
#ifndef BGPMUX_UPGRADE_H
#define BGPMUX_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UPGRADE_READY_SECS 30
/* How long the sessions have to write what they queued before they go. */
#define UPGRADE_FLUSH_SECS 5
/* The handed-over descriptors, counted from the first. */
#define UPGRADE_FD_STATE 0
#define UPGRADE_FD_READY 1
#define UPGRADE_FD_LOCK 2
#define UPGRADE_FD_FIRST_LISTENER 3

struct event_base;
struct upgrade;

/* The descriptors handed over, in order; upgrade_fds_add returns the
 * index the new process knows one by. */
struct upgrade_fds {
	int *fds;
	size_t n, cap;
};
uint16_t upgrade_fds_add(struct upgrade_fds *l, int fd);

struct handover_state;

/* The sessions go with the listeners: frozen first, given up to
 * UPGRADE_FLUSH_SECS to write what they queued, then handed over with
 * what they still hold. */
struct upgrade_ops {
	/* The new process (pid) serves: leave now, without a word on any
	 * session handed over. */
	void (*served)(pid_t pid, void *arg);
	/* Every session frozen (true), or thawed (false: the upgrade failed). */
	void (*freeze)(bool freeze, void *arg);
	/* Bytes the frozen sessions have still to write. */
	size_t (*queued)(void *arg);
	/* The frozen sessions write no more; each one's record and
	 * descriptor, and each view's table, into st and fds. */
	void (*export)(struct handover_state *st, struct upgrade_fds *fds, void *arg);
	/* Frees what export put in st. */
	void (*release)(struct handover_state *st, void *arg);
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
/* An upgrade is under way (its sessions frozen): nothing may close or
 * restart them until it ends. */
bool upgrade_busy(const struct upgrade *u);
/* A child was reaped: true if it was the launcher (upgrades end). */
bool upgrade_reaped(struct upgrade *u, pid_t pid, int status);

#endif
