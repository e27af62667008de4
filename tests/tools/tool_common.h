/*
 * tool_common.h — what every test tool needs: log lines ("PROG: message"
 * on stderr, warnings always, progress unless --quiet), a stop flag set by
 * SIGTERM/SIGINT, and strict number parsing. Header-only because
 * the Makefile builds each tool source as a program of its own; the
 * includer defines PROG first.
 */
#ifndef BGPMUX_TOOL_COMMON_H
#define BGPMUX_TOOL_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tool_vlog(const char *fmt, va_list ap)
{
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_vlog(fmt, ap);
	va_end(ap);
}

/* Progress and details: what --quiet silences. */
static void tool_say(bool quiet, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), unused));
static void tool_say(bool quiet, const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	tool_vlog(fmt, ap);
	va_end(ap);
}

#define say(o, ...) tool_say((o)->quiet, __VA_ARGS__)

/* The signal that asked the tool to stop, 0 while running. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* No SA_RESTART: a signal must wake poll() and accept(). */
static void __attribute__((unused)) signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* A decimal number no larger than max, nothing else. */
static bool __attribute__((unused)) parse_ulong(const char *s, unsigned long max,
    unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && s[0] != '-' && *v <= max;
}

#endif
