/*
 * log.c — one line per event, to stderr with a UTC timestamp, or to syslog.
 * Every line is escaped here (muxd/lib/untrusted.h): a name, a path or a
 * peer's text holding a newline cannot start a line of its own.
 */
#include "muxd/lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "muxd/lib/untrusted.h"

static enum log_level log_threshold = LOG_LVL_INFO;
static bool log_to_syslog;

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const int level_syslog[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void log_init(const char *progname, bool use_syslog)
{
	log_to_syslog = use_syslog;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level lvl) { log_threshold = lvl; }

static void log_vline(enum log_level lvl, const char *who, const char *fmt, va_list ap)
{
	/* escaping grows an octet to four at most */
	char raw[1024], msg[4 * sizeof raw], label[4 * 128];

	if (lvl > log_threshold)
		return;
	vsnprintf(raw, sizeof raw, fmt, ap);
	untrusted_log_escape(msg, sizeof msg, raw);
	if (who)
		who = untrusted_log_escape(label, sizeof label, who);
	if (log_to_syslog) {
		syslog(level_syslog[lvl], "%s%s%s", who ? who : "", who ? ": " : "", msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %-5s %s%s%s\n", stamp, ts.tv_nsec / 1000000,
	    level_names[lvl], who ? who : "", who ? ": " : "", msg);
}

#define LOG_FN(name, lvl)                                       \
	void name(const char *fmt, ...)                         \
	{                                                       \
		va_list ap;                                     \
		va_start(ap, fmt);                              \
		log_vline(lvl, NULL, fmt, ap);                  \
		va_end(ap);                                     \
	}
LOG_FN(log_errorx, LOG_LVL_ERROR)
LOG_FN(log_warnx, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

#define LOG_PEER_FN(name, lvl)                                  \
	void name(const char *who, const char *fmt, ...)        \
	{                                                       \
		va_list ap;                                     \
		va_start(ap, fmt);                              \
		log_vline(lvl, who, fmt, ap);                   \
		va_end(ap);                                     \
	}
LOG_PEER_FN(log_peer_warnx, LOG_LVL_WARN)
LOG_PEER_FN(log_peer_info, LOG_LVL_INFO)

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vline(LOG_LVL_ERROR, "fatal", fmt, ap);
	va_end(ap);
	exit(2);
}
