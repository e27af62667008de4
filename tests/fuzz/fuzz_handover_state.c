/*
 * fuzz_handover_state.c — the upgrade's state (muxd/handover_state.h)
 * from any bytes: refused with a reason, or read into indices within the
 * descriptors it claims, and then written again to a state that reads
 * back the same (listeners, sessions, views).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/handover_state.c"
#include "muxd/lib/sockaddr.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct handover_state s, again;
	char why[200];

	why[0] = '\0';
	if (!handover_state_decode(data, size, &s, why, sizeof why)) {
		if (why[0] == '\0' || strlen(why) >= sizeof why)
			abort();
		return 0;
	}
	for (size_t i = 0; i < s.nlisteners; i++)
		if (s.listeners[i].fd_index == 0 || s.listeners[i].fd_index >= s.nfds)
			abort();
	size_t len = handover_state_size(&s);
	uint8_t *buf = malloc(len);
	if (buf == NULL || handover_state_encode(&s, buf, len) != len ||
	    !handover_state_decode(buf, len, &again, why, sizeof why))
		abort();
	if (again.generation != s.generation || again.started != s.started ||
	    again.nfds != s.nfds || again.nlisteners != s.nlisteners ||
	    again.nsessions != s.nsessions || again.nviews != s.nviews)
		abort();
	for (size_t i = 0; i < s.nsessions; i++)
		if (again.sessions[i].fd_index != s.sessions[i].fd_index ||
		    again.sessions[i].unread_len != s.sessions[i].unread_len ||
		    strcmp(again.sessions[i].owner, s.sessions[i].owner) != 0)
			abort();
	for (size_t i = 0; i < s.nviews; i++)
		if (again.views[i].table_len != s.views[i].table_len ||
		    strcmp(again.views[i].name, s.views[i].name) != 0)
			abort();
	for (size_t i = 0; i < s.nlisteners; i++)
		if (again.listeners[i].fd_index != s.listeners[i].fd_index ||
		    !sockaddr_equal(&again.listeners[i].addr, &s.listeners[i].addr))
			abort();
	handover_state_release(&again);
	handover_state_release(&s);
	free(buf);
	return 0;
}
