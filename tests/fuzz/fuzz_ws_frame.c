/*
 * fuzz_ws_frame.c — the WebSocket reader on any bytes, frame after frame
 * as the stream feeds it: it never reads past what it was given, every
 * frame it accepts is consumed whole, messages stay within the limit, and
 * every refusal carries a close code a server may send, and a text
 * message it delivers is UTF-8.
 *
 * The first input octet picks the message limit (so the too-big paths
 * are reached with small inputs).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_reader r;
	struct ws_event ev;

	if (size == 0)
		return 0;
	size_t max = 1 + (size_t)data[0] * 4;
	/* a private copy: the reader unmasks in place */
	uint8_t *buf = malloc(size - 1 + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	size_t len = size - 1, off = 0;

	ws_reader_init(&r, max);
	for (;;) {
		size_t used = ws_reader_next(&r, buf + off, len - off, &ev);
		if (ev.type == WS_EV_ERROR) {
			if (used != 0 || (ev.close_code != WS_CLOSE_PROTOCOL &&
			    ev.close_code != WS_CLOSE_TOO_BIG &&
			    ev.close_code != WS_CLOSE_INVALID_DATA))
				abort();
			break;
		}
		if (used == 0)
			break;
		if (used > len - off)
			abort();
		if (ev.type == WS_EV_MESSAGE && ev.len > max)
			abort();
		if (ev.type == WS_EV_MESSAGE && ev.opcode == WS_OP_TEXT &&
		    !ws_utf8_valid(ev.data, ev.len))
			abort();
		if ((ev.type == WS_EV_PING || ev.type == WS_EV_PONG) && ev.len > 125)
			abort();
		off += used;
	}
	ws_reader_free(&r);
	free(buf);
	return 0;
}
