/*
 * msgtap.c — the raw message tap: a small fixed table of callbacks.
 */
#include "muxd/msgtap.h"

struct msgtap {
	msgtap_cb cb;
	void *arg;
};

static struct msgtap taps[MSGTAP_MAX];
unsigned msgtap_count;

struct msgtap *msgtap_add(msgtap_cb cb, void *arg)
{
	for (size_t i = 0; i < MSGTAP_MAX; i++) {
		if (taps[i].cb == NULL) {
			taps[i] = (struct msgtap){ cb, arg };
			msgtap_count++;
			return &taps[i];
		}
	}
	return NULL;
}

void msgtap_remove(struct msgtap *t)
{
	if (t == NULL || t->cb == NULL)
		return;
	t->cb = NULL;
	t->arg = NULL;
	msgtap_count--;
}

void msgtap_run(struct session *s, bool sent, const uint8_t *msg, size_t len)
{
	for (size_t i = 0; i < MSGTAP_MAX; i++)
		if (taps[i].cb)
			taps[i].cb(s, sent, msg, len, taps[i].arg);
}
