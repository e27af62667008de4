/*
 * knl_int.h — what the files of the kernel room share: the socket's
 * state, the error text, the batch sender.
 */
#ifndef BGPMUX_KNL_INT_H
#define BGPMUX_KNL_INT_H

#include <stdarg.h>

#include "muxd/kernel/knl.h"

/* Receive buffer of one recv: a dump's datagrams are up to 32 KiB. */
#define KNL_RX_SIZE (64 * 1024)

struct mnl_socket;

struct knl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint8_t *rx;                 /* KNL_RX_SIZE */
	uint8_t *tx;                 /* KNL_BATCH_MAX * KMSG_MAX */
	char err[256];
};

/* Sets knl_error to "WHAT: strerror(err)[ (ext)]"; returns -err. */
int knl_fail(struct knl *nl, int err, const char *ext, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Message i of a batch, built at buf (KMSG_MAX bytes). */
typedef struct nlmsghdr *knl_build_fn(void *buf, size_t i, void *arg);
/* Message i was refused. */
typedef void knl_fail_fn(size_t i, int err, const char *ext, void *arg);
/* Sends n messages, KNL_BATCH_MAX per sendmsg, and reports each refusal
 * by index (knl_routes_apply's contract, *done included). */
int knl_batch(struct knl *nl, size_t n, knl_build_fn *build, knl_fail_fn *fail,
              void *arg, size_t *failed, size_t *done);

#endif
