/*
 * untrusted.h — bytes that came from outside (a URL, a header, a query
 * value, a peer's NOTIFICATION text or host name) made safe for the two
 * places they end up: a JSON string and a log line.
 *
 * JSON: jansson refuses a string that is not UTF-8 (json_string gives
 * NULL, json_pack fails whole), so an octet that is not part of valid
 * UTF-8 becomes U+FFFD, as browsers decode it (untrusted_utf8; the JSON
 * string itself is made where JSON is, web/untrusted_json.h). Logs: one
 * event is one line, so a newline or any other control character in a
 * name must not start another; the log layer (muxd/lib/log.c) escapes
 * every line with untrusted_log_escape.
 */
#ifndef BGPMUX_UNTRUSTED_H
#define BGPMUX_UNTRUSTED_H

#include <stddef.h>
#include <stdint.h>

/* The length (1..4) of the valid UTF-8 sequence that starts p[0..len), or
 * 0 when none does (a stray continuation octet, an overlong form, a
 * surrogate, a code point past U+10FFFF, a cut sequence). */
size_t untrusted_utf8_len(const uint8_t *p, size_t len);

/* s with every octet that is not part of valid UTF-8 replaced by U+FFFD
 * (malloc'ed; NULL only when memory runs out). */
char *untrusted_utf8(const char *s);

/* s for a log line, into dst (always terminated): control characters
 * (C0, DEL, C1), U+2028/U+2029 (line breaks to some viewers) and octets
 * that are not UTF-8 become \xNN, one escape per octet. What does not fit
 * is cut at an escape's or a character's boundary. Returns dst. */
char *untrusted_log_escape(char *dst, size_t len, const char *s);

#endif
