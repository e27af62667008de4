/*
 * log.h — logging to stderr (and syslog with --syslog).
 *
 * Every line a peer caused names the peer: log_peer_warnx(peer-label, …).
 * fatal() is for out-of-memory and broken invariants only; it exits.
 * Lines are escaped before they are written (control characters and
 * octets that are not UTF-8 become \xNN), so arguments may be untrusted.
 */
#ifndef BGPMUX_LOG_H
#define BGPMUX_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* xmalloc, xcalloc, xstrdup (fatal() on out-of-memory) come with this
 * header: a file that logs may allocate without including xalloc.h. */
#include "muxd/lib/xalloc.h"

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, bool use_syslog);
void log_set_level(enum log_level lvl);

void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "who" is the peer label, e.g. "peer isp-a 127.0.10.1". */
void log_peer_warnx(const char *who, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_peer_info(const char *who, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
