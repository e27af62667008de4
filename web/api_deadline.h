/*
 * api_deadline.h — every request on an API connection gets header_secs
 * to deliver its headers and then body_secs for its body; a connection
 * that misses either is closed (and counted in api_refusals). Time spent
 * answering does not count; the next request on a kept-alive connection
 * starts a new count when the answer is written. A connection the live
 * stream takes over (web/stream.c) is the stream's from then on.
 *
 * evhttp's own timeout (evhttp_set_timeout) is an idle timeout per read:
 * a client that sends a header line every 5 s holds a connection forever.
 */
#ifndef BGPMUX_API_DEADLINE_H
#define BGPMUX_API_DEADLINE_H

struct bufferevent;
struct event_base;
struct api_refusals;
struct api_deadlines;

struct api_deadlines *api_deadlines_new(struct event_base *base, struct api_refusals *rf,
    unsigned header_secs, unsigned body_secs);
/* Makes the bufferevent of a connection the API server accepts, watched
 * (an evhttp_set_bevcb callback; arg: the api_deadlines). */
struct bufferevent *api_deadlines_bev(struct event_base *base, void *arg);
/* New limits, for the requests that begin from now on. */
void api_deadlines_set(struct api_deadlines *d, unsigned header_secs, unsigned body_secs);
/* After evhttp_free (which closes every connection) and once the loop
 * runs no more (a connection accepted in its last turn is not attached
 * yet). NULL is fine. */
void api_deadlines_free(struct api_deadlines *d);

#endif
