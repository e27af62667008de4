/*
 * tool.c — log lines, the stop flag, option parsing and clocks shared by
 * the test tools (tool.h).
 */
#include "tests/tools/lib/tool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

volatile sig_atomic_t stop_signal;

static const char *prog = "tool";

void tool_init(const char *name)
{
	prog = name;
}

const char *tool_prog(void)
{
	return prog;
}

static void tool_vlog(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_vlog(fmt, ap);
	va_end(ap);
}

void tool_say(bool quiet, const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	tool_vlog(fmt, ap);
	va_end(ap);
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

void signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

volatile sig_atomic_t go_signal;

static void on_go(int sig)
{
	(void)sig;
	go_signal = 1;
}

void go_signal_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_go;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

void go_ready(void)
{
	fprintf(stderr, "%s: ready\n", prog);
	fflush(stderr);
}

/* The signals stay blocked between the test and sigsuspend, so that one
 * arriving in between is not missed. */
bool go_wait(void)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!go_signal && !stop_signal)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return !stop_signal;
}

bool parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && s[0] != '-' && *v <= max;
}

bool parse_secs(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *v >= 0 && *v < 1e6;
}

bool parse_ipv4(const char *s, uint32_t *v)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*v = ntohl(a.s_addr);
	return true;
}

bool opt_ulong(const char *name, const char *arg, unsigned long max, unsigned long *v)
{
	if (parse_ulong(arg, max, v))
		return true;
	warnx_("--%s %s: want a number up to %lu", name, arg, max);
	return false;
}

bool opt_secs(const char *name, const char *arg, double *v)
{
	if (parse_secs(arg, v))
		return true;
	warnx_("--%s %s: want seconds", name, arg);
	return false;
}

bool opt_ipv4(const char *name, const char *arg, uint32_t *v)
{
	if (parse_ipv4(arg, v) && *v)
		return true;
	warnx_("--%s %s: want a non-zero IPv4 address", name, arg);
	return false;
}

bool opt_endpoint(const char *connect_to, const char *bind_addr, const char *listen_on)
{
	if (!connect_to == !listen_on) {
		warnx_("give --connect ADDR or --listen ADDR");
		return false;
	}
	if (bind_addr && listen_on) {
		warnx_("--bind goes with --connect; --listen names its own address");
		return false;
	}
	return true;
}

static double clock_secs(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double secs_mono(void) { return clock_secs(CLOCK_MONOTONIC); }
double secs_wall(void) { return clock_secs(CLOCK_REALTIME); }
double secs_cpu(void) { return clock_secs(CLOCK_PROCESS_CPUTIME_ID); }

double rusage_cpu(long *maxrss_kb)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	if (maxrss_kb)
		*maxrss_kb = ru.ru_maxrss;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
