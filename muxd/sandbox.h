/*
 * sandbox.h — muxd's seccomp filter: once it has started (sockets bound,
 * state open, privileges dropped), only the system calls muxd makes are
 * allowed; any other kills the whole process (SIGSYS), so code that takes
 * over muxd through a decoder cannot exec, ptrace, mount, make namespaces
 * or load kernel modules. It cannot tell one path from another: which
 * files muxd may open is the user's and systemd's business
 * (docs/security.md).
 */
#ifndef BGPMUX_SANDBOX_H
#define BGPMUX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/* Installs the filter on every thread of the process (no_new_privs is set
 * on the way). False with why when the kernel or libseccomp refuses. */
bool sandbox_apply(char *why, size_t why_len);

#endif
