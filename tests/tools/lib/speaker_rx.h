/*
 * speaker_rx.h — between the two halves of the tools' speaker: the socket
 * side (speaker.c) hands what it read to the message side (speaker_rx.c),
 * which ends the session through speaker_end_as. Not for the tools.
 */
#ifndef BGPMUX_TOOLS_SPEAKER_RX_H
#define BGPMUX_TOOLS_SPEAKER_RX_H

#include "tests/tools/lib/speaker.h"

/* Handles every whole message in sp->in; the rest waits for more. */
void speaker_dispatch(struct speaker *sp);

/* Ends the session (once: the first reason wins). */
void speaker_end_as(struct speaker *sp, enum speaker_end end, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
