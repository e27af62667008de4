/*
 * msgtap.h — a tap on the raw BGP messages every session receives and
 * sends, for monitors (the live stream's OPEN, KEEPALIVE, NOTIFICATION and
 * includeRaw). One place, two calls in session.c; nothing else changes.
 *
 * Taps run synchronously in the event loop: a received message is tapped
 * before it is handled (so a tap sees an UPDATE's bytes just before the
 * view publishes it), a sent one as it is queued. A tap must be quick and
 * must not close or free the session. With no tap added, the cost is one
 * test per message.
 */
#ifndef BGPMUX_MSGTAP_H
#define BGPMUX_MSGTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct session;
struct msgtap;

/* msg is the whole message, header included, len bytes (borrowed). */
typedef void (*msgtap_cb)(struct session *s, bool sent, const uint8_t *msg,
    size_t len, void *arg);

/* NULL when MSGTAP_MAX taps are in place. */
#define MSGTAP_MAX 8
struct msgtap *msgtap_add(msgtap_cb cb, void *arg);
void msgtap_remove(struct msgtap *t);

/* For session.c. */
extern unsigned msgtap_count;
static inline bool msgtap_active(void) { return msgtap_count > 0; }
void msgtap_run(struct session *s, bool sent, const uint8_t *msg, size_t len);

#endif
