/*
 * untrusted_json.h — bytes that came from outside (a URL, a header, a
 * query value, a peer's NOTIFICATION text or host name) as a JSON string.
 *
 * jansson refuses a string that is not UTF-8 (json_string gives NULL,
 * json_pack fails whole), so an octet that is not part of valid UTF-8
 * becomes U+FFFD, as browsers decode it (muxd/lib/untrusted.h).
 */
#ifndef BGPMUX_UNTRUSTED_JSON_H
#define BGPMUX_UNTRUSTED_JSON_H

#include <jansson.h>

/* s as a JSON string, invalid octets replaced: NULL only when memory runs
 * out or s is NULL. */
json_t *untrusted_json(const char *s);

#endif
