/*
 * tool.h — what every test tool needs: log lines ("PROG: message" on
 * stderr, warnings always, progress unless --quiet), a stop flag set by
 * SIGTERM/SIGINT, strict parsing of numbers, seconds and IPv4 addresses,
 * and the clocks the tools time things with.
 */
#ifndef BGPMUX_TOOLS_TOOL_H
#define BGPMUX_TOOLS_TOOL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* Names the program in every log line; main calls it first. */
void tool_init(const char *prog);
const char *tool_prog(void);

void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress and details: what --quiet silences. */
void tool_say(bool quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define say(o, ...) tool_say((o)->quiet, __VA_ARGS__)

/* The signal that asked the tool to stop, 0 while running. */
extern volatile sig_atomic_t stop_signal;

/* SIGTERM and SIGINT set stop_signal (without SA_RESTART, so they wake
 * poll() and accept()); SIGPIPE is ignored. */
void signals_init(void);

/* --wait-go: many tools started one after the other act together. The
 * go signal (SIGUSR1) sets go_signal, without SA_RESTART (it wakes poll);
 * install it before saying "ready". go_ready prints "PROG: ready" (even
 * with --quiet: the script that started the tool waits for it). */
extern volatile sig_atomic_t go_signal;
void go_signal_init(void);
void go_ready(void);
/* Blocks until the go signal or a stop signal; false on a stop. */
bool go_wait(void);

/* A decimal number no larger than max, nothing else. */
bool parse_ulong(const char *s, unsigned long max, unsigned long *v);
/* Seconds: a decimal fraction from 0 up to a million. */
bool parse_secs(const char *s, double *v);
/* Dotted IPv4, host byte order. */
bool parse_ipv4(const char *s, uint32_t *v);

/* Option values: false with a warning that names the option
 * ("--NAME ARG: want ..."). opt_ipv4 wants a non-zero address. */
bool opt_ulong(const char *name, const char *arg, unsigned long max, unsigned long *v);
bool opt_secs(const char *name, const char *arg, double *v);
bool opt_ipv4(const char *name, const char *arg, uint32_t *v);
/* Where the session goes: --connect ADDR [--bind ADDR] or --listen ADDR,
 * exactly one. False with a warning. */
bool opt_endpoint(const char *connect_to, const char *bind_addr, const char *listen_on);

/* Seconds on CLOCK_MONOTONIC (for deadlines), CLOCK_REALTIME (for times
 * that several processes compare) and CPU time of this process. */
double secs_mono(void);
double secs_wall(void);
double secs_cpu(void);
/* User + system time so far, and the peak resident set (KiB). */
double rusage_cpu(long *maxrss_kb);

#endif
