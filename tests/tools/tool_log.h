/*
 * tool_log.h — the log lines every test tool prints: "PROG: message" on
 * stderr, warnings always, progress unless --quiet. Header-only because
 * the Makefile builds each tool source as a program of its own; the
 * includer defines PROG first.
 */
#ifndef BGPMUX_TOOL_LOG_H
#define BGPMUX_TOOL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

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

#endif
