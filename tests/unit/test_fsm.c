/*
 * test_fsm.c — the RFC 4271 §8.2.2 state machine, checked against a table
 * written out by hand from the RFC text (with the resolutions fsm.h
 * documents), plus hold time, collision, names and whole sessions.
 *
 * The table is data, not a second implementation: every row says the next
 * state, the exact action bits and the NOTIFICATION, so a change in the FSM
 * shows up as a failing row.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "muxd/engine/fsm.h"
#include "tests/unit/check_run.h"

/* Short names so that one row fits on a line. */
#define CRX FSM_A_STOP_CONNECT_RETRY
#define CRS FSM_A_START_CONNECT_RETRY
#define HX  FSM_A_STOP_HOLD
#define KX  FSM_A_STOP_KEEPALIVE
#define NTF FSM_A_SEND_NOTIFICATION
#define DRP FSM_A_DROP_TCP
#define REL FSM_A_RELEASE
#define CON FSM_A_CONNECT
#define LSN FSM_A_LISTEN
#define OPN FSM_A_SEND_OPEN
#define HLG FSM_A_START_HOLD_LARGE
#define HLD FSM_A_START_HOLD
#define KAS FSM_A_SEND_KEEPALIVE
#define KAT FSM_A_START_KEEPALIVE
#define UPD FSM_A_PROCESS_UPDATE
#define EST FSM_A_ESTABLISHED
#define INC FSM_A_INC_RETRY_COUNT
#define ZRO FSM_A_ZERO_RETRY_COUNT

#define ID FSM_IDLE
#define CN FSM_CONNECT
#define AC FSM_ACTIVE
#define OS FSM_OPENSENT
#define OC FSM_OPENCONFIRM
#define ES FSM_ESTABLISHED

enum pas { PF = 1, PT = 2, PB = 3 };    /* passive false, true, both */

struct row {
	enum fsm_state state;
	enum fsm_event ev;
	enum pas pas;
	enum fsm_state next;
	uint32_t actions;
	uint8_t code, sub, type;        /* NOTIFICATION, RFC 6608 Data type */
};

/*
 * The error events carry what a decoder would have found: 21 Bad Message
 * Length (1/2), 22 Bad Peer AS (2/2), 28 Malformed AS_PATH (3/11). Stop
 * events carry 0, i.e. the default Cease subcodes. See err_args().
 */
static const struct row table[] = {
	/* Idle: 1/3 → Connect, 4/5 → Active; 6/7/13 as 3/5; rest ignored */
	{ ID,  1, PF, CN, ZRO|CRS|CON|LSN, 0, 0, 0 },
	{ ID,  1, PT, AC, ZRO|CRS|LSN, 0, 0, 0 },
	{ ID,  2, PB, ID, 0, 0, 0, 0 },
	{ ID,  3, PF, CN, ZRO|CRS|CON|LSN, 0, 0, 0 },
	{ ID,  3, PT, AC, ZRO|CRS|LSN, 0, 0, 0 },
	{ ID,  4, PB, AC, ZRO|CRS|LSN, 0, 0, 0 },
	{ ID,  5, PB, AC, ZRO|CRS|LSN, 0, 0, 0 },
	{ ID,  6, PF, CN, ZRO|CRS|CON|LSN, 0, 0, 0 },
	{ ID,  6, PT, AC, ZRO|CRS|LSN, 0, 0, 0 },
	{ ID,  7, PB, AC, ZRO|CRS|LSN, 0, 0, 0 },
	{ ID,  8, PB, ID, 0, 0, 0, 0 },
	{ ID,  9, PB, ID, 0, 0, 0, 0 },
	{ ID, 10, PB, ID, 0, 0, 0, 0 },
	{ ID, 11, PB, ID, 0, 0, 0, 0 },
	{ ID, 12, PB, ID, 0, 0, 0, 0 },
	{ ID, 13, PF, CN, ZRO|CRS|CON|LSN, 0, 0, 0 },
	{ ID, 13, PT, AC, ZRO|CRS|LSN, 0, 0, 0 },
	{ ID, 14, PB, ID, 0, 0, 0, 0 },
	{ ID, 15, PB, ID, 0, 0, 0, 0 },
	{ ID, 16, PB, ID, 0, 0, 0, 0 },
	{ ID, 17, PB, ID, 0, 0, 0, 0 },
	{ ID, 18, PB, ID, 0, 0, 0, 0 },
	{ ID, 19, PB, ID, 0, 0, 0, 0 },
	{ ID, 20, PB, ID, 0, 0, 0, 0 },
	{ ID, 21, PB, ID, 0, 0, 0, 0 },
	{ ID, 22, PB, ID, 0, 0, 0, 0 },
	{ ID, 23, PB, ID, 0, 0, 0, 0 },
	{ ID, 24, PB, ID, 0, 0, 0, 0 },
	{ ID, 25, PB, ID, 0, 0, 0, 0 },
	{ ID, 26, PB, ID, 0, 0, 0, 0 },
	{ ID, 27, PB, ID, 0, 0, 0, 0 },
	{ ID, 28, PB, ID, 0, 0, 0, 0 },
	{ ID, 29, PB, ID, 0, 0, 0, 0 },

	/* Connect */
	{ CN,  1, PB, CN, 0, 0, 0, 0 },
	{ CN,  2, PB, ID, DRP|REL|ZRO|CRX, 0, 0, 0 },
	{ CN,  3, PB, CN, 0, 0, 0, 0 },
	{ CN,  4, PB, CN, 0, 0, 0, 0 },
	{ CN,  5, PB, CN, 0, 0, 0, 0 },
	{ CN,  6, PB, CN, 0, 0, 0, 0 },
	{ CN,  7, PB, CN, 0, 0, 0, 0 },
	{ CN,  8, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN,  9, PB, CN, DRP|CRS|CON|LSN, 0, 0, 0 },
	{ CN, 10, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 11, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 12, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 13, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 14, PB, CN, 0, 0, 0, 0 },
	{ CN, 15, PB, CN, 0, 0, 0, 0 },
	{ CN, 16, PB, OS, CRX|OPN|HLG, 0, 0, 0 },
	{ CN, 17, PB, OS, CRX|OPN|HLG, 0, 0, 0 },
	{ CN, 18, PB, ID, CRX|DRP|REL, 0, 0, 0 },
	{ CN, 19, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 20, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 21, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 22, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 23, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 24, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 25, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 26, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 27, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 28, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ CN, 29, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },

	/* Active */
	{ AC,  1, PB, AC, 0, 0, 0, 0 },
	{ AC,  2, PB, ID, REL|DRP|ZRO|CRX, 0, 0, 0 },
	{ AC,  3, PB, AC, 0, 0, 0, 0 },
	{ AC,  4, PB, AC, 0, 0, 0, 0 },
	{ AC,  5, PB, AC, 0, 0, 0, 0 },
	{ AC,  6, PB, AC, 0, 0, 0, 0 },
	{ AC,  7, PB, AC, 0, 0, 0, 0 },
	{ AC,  8, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC,  9, PF, CN, CRS|CON|LSN, 0, 0, 0 },
	{ AC,  9, PT, AC, CRS|LSN, 0, 0, 0 },
	{ AC, 10, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 11, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 12, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 13, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 14, PB, AC, 0, 0, 0, 0 },
	{ AC, 15, PB, AC, 0, 0, 0, 0 },
	{ AC, 16, PB, OS, CRX|OPN|HLG, 0, 0, 0 },
	{ AC, 17, PB, OS, CRX|OPN|HLG, 0, 0, 0 },
	{ AC, 18, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 19, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 20, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 21, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 22, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 23, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 24, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 25, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 26, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 27, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 28, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },
	{ AC, 29, PB, ID, CRX|REL|DRP|INC, 0, 0, 0 },

	/* OpenSent */
	{ OS,  1, PB, OS, 0, 0, 0, 0 },
	{ OS,  2, PB, ID, NTF|CRX|HX|KX|REL|DRP|ZRO, 6, 2, 0 },
	{ OS,  3, PB, OS, 0, 0, 0, 0 },
	{ OS,  4, PB, OS, 0, 0, 0, 0 },
	{ OS,  5, PB, OS, 0, 0, 0, 0 },
	{ OS,  6, PB, OS, 0, 0, 0, 0 },
	{ OS,  7, PB, OS, 0, 0, 0, 0 },
	{ OS,  8, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 6, 0, 0 },
	{ OS,  9, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ OS, 10, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 4, 0, 0 },
	{ OS, 11, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ OS, 12, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ OS, 13, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ OS, 14, PB, OS, 0, 0, 0, 0 },
	{ OS, 15, PB, OS, 0, 0, 0, 0 },
	{ OS, 16, PB, OS, 0, 0, 0, 0 },
	{ OS, 17, PB, OS, 0, 0, 0, 0 },
	{ OS, 18, PB, AC, HX|KX|DRP|CRS|LSN, 0, 0, 0 },
	{ OS, 19, PB, OC, CRX|KAS|KAT|HLD, 0, 0, 0 },
	{ OS, 20, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 1, 1 },
	{ OS, 21, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 1, 2, 0 },
	{ OS, 22, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 2, 2, 0 },
	{ OS, 23, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 6, 7, 0 },
	{ OS, 24, PB, ID, CRX|HX|KX|REL|DRP, 0, 0, 0 },
	{ OS, 25, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 1, 3 },
	{ OS, 26, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 1, 4 },
	{ OS, 27, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 1, 2 },
	{ OS, 28, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 1, 2 },
	{ OS, 29, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 1, 5 },

	/* OpenConfirm */
	{ OC,  1, PB, OC, 0, 0, 0, 0 },
	{ OC,  2, PB, ID, NTF|CRX|HX|KX|REL|DRP|ZRO, 6, 2, 0 },
	{ OC,  3, PB, OC, 0, 0, 0, 0 },
	{ OC,  4, PB, OC, 0, 0, 0, 0 },
	{ OC,  5, PB, OC, 0, 0, 0, 0 },
	{ OC,  6, PB, OC, 0, 0, 0, 0 },
	{ OC,  7, PB, OC, 0, 0, 0, 0 },
	{ OC,  8, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 6, 0, 0 },
	{ OC,  9, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ OC, 10, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 4, 0, 0 },
	{ OC, 11, PB, OC, KAS|KAT, 0, 0, 0 },
	{ OC, 12, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ OC, 13, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ OC, 14, PB, OC, 0, 0, 0, 0 },
	{ OC, 15, PB, OC, 0, 0, 0, 0 },
	{ OC, 16, PB, OC, 0, 0, 0, 0 },
	{ OC, 17, PB, OC, 0, 0, 0, 0 },
	{ OC, 18, PB, ID, CRX|HX|KX|REL|DRP|INC, 0, 0, 0 },
	{ OC, 19, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 2, 1 },
	{ OC, 20, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 2, 1 },
	{ OC, 21, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 1, 2, 0 },
	{ OC, 22, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 2, 2, 0 },
	{ OC, 23, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 6, 7, 0 },
	{ OC, 24, PB, ID, CRX|HX|KX|REL|DRP, 0, 0, 0 },
	{ OC, 25, PB, ID, CRX|HX|KX|REL|DRP|INC, 0, 0, 0 },
	{ OC, 26, PB, ES, HLD|EST, 0, 0, 0 },
	{ OC, 27, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 2, 2 },
	{ OC, 28, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 2, 2 },
	{ OC, 29, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 2, 5 },

	/* Established */
	{ ES,  1, PB, ES, 0, 0, 0, 0 },
	{ ES,  2, PB, ID, NTF|CRX|HX|KX|REL|DRP|ZRO, 6, 2, 0 },
	{ ES,  3, PB, ES, 0, 0, 0, 0 },
	{ ES,  4, PB, ES, 0, 0, 0, 0 },
	{ ES,  5, PB, ES, 0, 0, 0, 0 },
	{ ES,  6, PB, ES, 0, 0, 0, 0 },
	{ ES,  7, PB, ES, 0, 0, 0, 0 },
	{ ES,  8, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 6, 0, 0 },
	{ ES,  9, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ ES, 10, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 4, 0, 0 },
	{ ES, 11, PB, ES, KAS|KAT, 0, 0, 0 },
	{ ES, 12, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ ES, 13, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 0, 0 },
	{ ES, 14, PB, ES, 0, 0, 0, 0 },
	{ ES, 15, PB, ES, 0, 0, 0, 0 },
	{ ES, 16, PB, ES, 0, 0, 0, 0 },
	{ ES, 17, PB, ES, 0, 0, 0, 0 },
	{ ES, 18, PB, ID, CRX|HX|KX|REL|DRP|INC, 0, 0, 0 },
	{ ES, 19, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 3, 1 },
	{ ES, 20, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 3, 1 },
	{ ES, 21, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 1, 2, 0 },
	{ ES, 22, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 5, 3, 1 },
	{ ES, 23, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 6, 7, 0 },
	{ ES, 24, PB, ID, CRX|HX|KX|REL|DRP|INC, 0, 0, 0 },
	{ ES, 25, PB, ID, CRX|HX|KX|REL|DRP|INC, 0, 0, 0 },
	{ ES, 26, PB, ES, HLD, 0, 0, 0 },
	{ ES, 27, PB, ES, UPD|HLD, 0, 0, 0 },
	{ ES, 28, PB, ID, NTF|CRX|HX|KX|REL|DRP|INC, 3, 11, 0 },
	{ ES, 29, PB, ES, HLD, 0, 0, 0 },
};

#define TABLE_ROWS ((int)(sizeof(table) / sizeof(table[0])))

/* What the session would pass with each event (see the table comment). */
static void
err_args(enum fsm_event ev, uint8_t *code, uint8_t *sub)
{
	*code = 0;
	*sub = 0;
	if (ev == FSM_EV_HEADER_ERR) {
		*code = 1;
		*sub = 2;
	} else if (ev == FSM_EV_OPEN_ERR) {
		*code = 2;
		*sub = 2;
	} else if (ev == FSM_EV_UPDATE_ERR) {
		*code = 3;
		*sub = 11;
	}
}

static bool
uses_err_args(enum fsm_event ev)
{
	return ev == FSM_EV_HEADER_ERR || ev == FSM_EV_OPEN_ERR ||
	    ev == FSM_EV_UPDATE_ERR || ev == FSM_EV_MANUAL_STOP ||
	    ev == FSM_EV_AUTO_STOP;
}

static void
check_row(const struct row *w, bool passive, uint8_t code, uint8_t sub)
{
	struct fsm_result r = fsm_step(w->state, w->ev, passive, code, sub);
	const char *sn = fsm_state_name(w->state);
	const char *en = fsm_event_name(w->ev);

	ck_assert_msg(r.state == w->next, "%s/%d %s passive=%d: state %s, want %s",
	    sn, w->ev, en, passive, fsm_state_name(r.state),
	    fsm_state_name(w->next));
	ck_assert_msg(r.actions == w->actions,
	    "%s/%d %s passive=%d: actions %#x, want %#x", sn, w->ev, en,
	    passive, r.actions, w->actions);
	ck_assert_msg(r.notify_code == w->code && r.notify_subcode == w->sub,
	    "%s/%d %s passive=%d: NOTIFICATION %u/%u, want %u/%u", sn, w->ev,
	    en, passive, r.notify_code, r.notify_subcode, w->code, w->sub);
	ck_assert_msg(r.unexpected_msg_type == w->type,
	    "%s/%d %s passive=%d: data type %u, want %u", sn, w->ev, en,
	    passive, r.unexpected_msg_type, w->type);
}

/* One loop iteration per row, for both passive values the row covers. */
START_TEST(test_table_row)
{
	const struct row *w = &table[_i];
	uint8_t code, sub;

	err_args(w->ev, &code, &sub);
	if (w->pas & PF)
		check_row(w, false, code, sub);
	if (w->pas & PT)
		check_row(w, true, code, sub);
}
END_TEST

/* Events that take no err arguments ignore whatever is passed. */
START_TEST(test_table_row_ignores_args)
{
	const struct row *w = &table[_i];

	if (uses_err_args(w->ev))
		return;
	if (w->pas & PF)
		check_row(w, false, 0xee, 0xee);
	if (w->pas & PT)
		check_row(w, true, 0xee, 0xee);
}
END_TEST

/* The table names every (state, event, passive) exactly once. */
START_TEST(test_table_complete)
{
	int seen[FSM_STATE_COUNT][FSM_EVENT_COUNT][2] = { 0 };
	int s, e, p, i;

	for (i = 0; i < TABLE_ROWS; i++) {
		if (table[i].pas & PF)
			seen[table[i].state][table[i].ev][0]++;
		if (table[i].pas & PT)
			seen[table[i].state][table[i].ev][1]++;
	}
	for (s = FSM_IDLE; s < FSM_STATE_COUNT; s++)
		for (e = 1; e < FSM_EVENT_COUNT; e++)
			for (p = 0; p < 2; p++)
				ck_assert_msg(seen[s][e][p] == 1,
				    "state %d event %d passive %d: %d rows",
				    s, e, p, seen[s][e][p]);
}
END_TEST

/* Properties that hold over the whole machine (fsm.h, actions comment). */
static void
check_invariants(enum fsm_state s, enum fsm_event e, bool p,
    struct fsm_result r)
{
	uint32_t starts = CRS | CON | OPN | HLG | HLD | KAS | KAT;

	ck_assert((r.notify_code != 0) == ((r.actions & NTF) != 0));
	ck_assert(!((r.actions & INC) && (r.actions & ZRO)));
	if (r.unexpected_msg_type != 0)
		ck_assert(r.notify_code == 5 && r.notify_subcode >= 1 &&
		    r.notify_subcode <= 3);
	if (s == ID || s == CN || s == AC)
		ck_assert_msg(!(r.actions & NTF), "%d/%d: NOTIFICATION "
		    "before an OPEN was sent", s, e);
	if (r.state == ID && s != ID) {
		ck_assert_msg((r.actions & (CRX | REL | DRP)) ==
		    (CRX | REL | DRP), "%d/%d p=%d: into Idle", s, e, p);
		ck_assert_msg(!(r.actions & starts), "%d/%d: starts in Idle",
		    s, e);
		if (s >= OS)
			ck_assert((r.actions & (HX | KX)) == (HX | KX));
	}
	ck_assert(((r.actions & EST) != 0) == (s == OC && r.state == ES));
}

START_TEST(test_invariants)
{
	int s, e, p;

	for (s = FSM_IDLE; s < FSM_STATE_COUNT; s++)
		for (e = 1; e < FSM_EVENT_COUNT; e++)
			for (p = 0; p < 2; p++)
				check_invariants(s, e, p,
				    fsm_step(s, e, p, 1, 1));
}
END_TEST

START_TEST(test_stop_subcodes)
{
	enum fsm_state s;
	struct fsm_result r;

	for (s = OS; s <= ES; s++) {
		r = fsm_step(s, FSM_EV_MANUAL_STOP, false, 0, 4);
		ck_assert_uint_eq(r.notify_code, 6);
		ck_assert_uint_eq(r.notify_subcode, 4);     /* Admin Reset */
		r = fsm_step(s, FSM_EV_MANUAL_STOP, false, 3, 0);
		ck_assert_uint_eq(r.notify_code, 6);        /* code ignored */
		ck_assert_uint_eq(r.notify_subcode, 2);
		r = fsm_step(s, FSM_EV_AUTO_STOP, false, 0, 8);
		ck_assert_uint_eq(r.notify_code, 6);
		ck_assert_uint_eq(r.notify_subcode, 8);     /* Out of Resources */
		r = fsm_step(s, FSM_EV_AUTO_STOP, false, 6, 1);
		ck_assert_uint_eq(r.notify_code, 6);
		ck_assert_uint_eq(r.notify_subcode, 1);     /* Max Prefixes */
		ck_assert_uint_eq(r.actions, NTF|CRX|HX|KX|REL|DRP|INC);
		ck_assert_int_eq(r.state, ID);
	}
	/* No OPEN sent yet: a stop sends nothing, whatever the subcode. */
	r = fsm_step(CN, FSM_EV_AUTO_STOP, false, 6, 8);
	ck_assert_uint_eq(r.actions & NTF, 0);
	ck_assert_uint_eq(r.notify_code, 0);
}
END_TEST

START_TEST(test_error_default_codes)
{
	struct fsm_result r;

	r = fsm_step(OS, FSM_EV_HEADER_ERR, false, 0, 1);
	ck_assert_uint_eq(r.notify_code, 1);
	ck_assert_uint_eq(r.notify_subcode, 1);
	r = fsm_step(OC, FSM_EV_OPEN_ERR, false, 0, 6);
	ck_assert_uint_eq(r.notify_code, 2);
	ck_assert_uint_eq(r.notify_subcode, 6);
	r = fsm_step(ES, FSM_EV_UPDATE_ERR, false, 0, 1);
	ck_assert_uint_eq(r.notify_code, 3);
	ck_assert_uint_eq(r.notify_subcode, 1);
	r = fsm_step(ES, FSM_EV_HEADER_ERR, false, 0, 3);
	ck_assert_uint_eq(r.notify_code, 1);
	ck_assert_uint_eq(r.notify_subcode, 3);
	/* A collision dump is Cease 6/7 whatever the caller passes. */
	r = fsm_step(OC, FSM_EV_COLLISION_DUMP, false, 3, 3);
	ck_assert_uint_eq(r.notify_code, 6);
	ck_assert_uint_eq(r.notify_subcode, 7);
}
END_TEST

START_TEST(test_out_of_range)
{
	struct fsm_result r;

	r = fsm_step((enum fsm_state)0, FSM_EV_MANUAL_START, false, 0, 0);
	ck_assert_int_eq(r.state, 0);
	ck_assert_uint_eq(r.actions, 0);
	r = fsm_step((enum fsm_state)7, FSM_EV_MANUAL_START, true, 0, 0);
	ck_assert_int_eq(r.state, 7);
	ck_assert_uint_eq(r.actions, 0);
	r = fsm_step(ES, (enum fsm_event)0, false, 0, 0);
	ck_assert_int_eq(r.state, ES);
	ck_assert_uint_eq(r.actions, 0);
	r = fsm_step(ID, (enum fsm_event)30, false, 0, 0);
	ck_assert_int_eq(r.state, ID);
	ck_assert_uint_eq(r.actions, 0);
	r = fsm_step(OS, (enum fsm_event)255, false, 0, 0);
	ck_assert_int_eq(r.state, OS);
	ck_assert_uint_eq(r.actions | r.notify_code, 0);
}
END_TEST

START_TEST(test_names)
{
	static const char *const states[] = { NULL, "Idle", "Connect",
	    "Active", "OpenSent", "OpenConfirm", "Established" };
	static const char *const events[] = { NULL,
	    "ManualStart", "ManualStop", "AutomaticStart",
	    "ManualStart_with_PassiveTcpEstablishment",
	    "AutomaticStart_with_PassiveTcpEstablishment",
	    "AutomaticStart_with_DampPeerOscillations",
	    "AutomaticStart_with_DampPeerOscillations_and_"
	    "PassiveTcpEstablishment",
	    "AutomaticStop", "ConnectRetryTimer_Expires", "HoldTimer_Expires",
	    "KeepaliveTimer_Expires", "DelayOpenTimer_Expires",
	    "IdleHoldTimer_Expires", "TcpConnection_Valid", "Tcp_CR_Invalid",
	    "Tcp_CR_Acked", "TcpConnectionConfirmed", "TcpConnectionFails",
	    "BGPOpen", "BGPOpen with DelayOpenTimer running", "BGPHeaderErr",
	    "BGPOpenMsgErr", "OpenCollisionDump", "NotifMsgVerErr",
	    "NotifMsg", "KeepAliveMsg", "UpdateMsg", "UpdateMsgErr",
	    "RouteRefreshMsg" };
	int i;

	for (i = 1; i < FSM_STATE_COUNT; i++)
		ck_assert_str_eq(fsm_state_name(i), states[i]);
	for (i = 1; i < FSM_EVENT_COUNT; i++)
		ck_assert_str_eq(fsm_event_name(i), events[i]);
	ck_assert_str_eq(fsm_state_name(0), "Unknown");
	ck_assert_str_eq(fsm_state_name(7), "Unknown");
	ck_assert_str_eq(fsm_state_name((enum fsm_state)-1), "Unknown");
	ck_assert_str_eq(fsm_event_name(0), "Unknown");
	ck_assert_str_eq(fsm_event_name(30), "Unknown");
	ck_assert_str_eq(fsm_event_name((enum fsm_event)-1), "Unknown");
}
END_TEST

static void
check_hold(uint16_t local, uint16_t remote, bool ok, uint16_t want)
{
	uint16_t out = 0xbeef;

	ck_assert_msg(fsm_hold_time_negotiate(local, remote, &out) == ok,
	    "hold %u/%u: want %s", local, remote, ok ? "ok" : "rejected");
	ck_assert_msg(out == (ok ? want : 0xbeef), "hold %u/%u: got %u",
	    local, remote, out);
}

START_TEST(test_hold_time)
{
	check_hold(90, 180, true, 90);          /* the smaller one */
	check_hold(180, 90, true, 90);
	check_hold(90, 90, true, 90);
	check_hold(90, 0, true, 0);             /* 0: no keepalives */
	check_hold(0, 90, true, 0);
	check_hold(0, 0, true, 0);
	check_hold(90, 3, true, 3);             /* 3 is the least allowed */
	check_hold(3, 90, true, 3);
	check_hold(65535, 65535, true, 65535);
	check_hold(90, 1, false, 0);            /* §6.2 MUST reject 1, 2 */
	check_hold(90, 2, false, 0);
	check_hold(0, 1, false, 0);
	check_hold(0, 2, false, 0);
	check_hold(1, 90, false, 0);            /* ours must not be 1, 2 */
	check_hold(2, 0, false, 0);
}
END_TEST

START_TEST(test_collision)
{
	ck_assert(fsm_collision_keep_local(2, 1));
	ck_assert(!fsm_collision_keep_local(1, 2));
	ck_assert(!fsm_collision_keep_local(7, 7));
	/* unsigned: 128.0.0.0 beats 127.255.255.255 */
	ck_assert(fsm_collision_keep_local(0x80000000u, 0x7fffffffu));
	ck_assert(!fsm_collision_keep_local(0x7fffffffu, 0x80000000u));
	ck_assert(fsm_collision_keep_local(0xffffffffu, 0));
	/* host order: 10.0.0.10 > 10.0.0.2 (byte-wise memcmp of the wire
	 * form would agree here, but 1.0.0.2 > 2.0.0.1 would not on LE) */
	ck_assert(fsm_collision_keep_local(0x0a00000au, 0x0a000002u));
	ck_assert(!fsm_collision_keep_local(0x01000002u, 0x02000001u));
}
END_TEST

/* A tiny session: applies each step and checks the state it lands in. */
struct step {
	enum fsm_event ev;
	enum fsm_state want;
};

struct run {
	enum fsm_state state;
	int retry_count;
	struct fsm_result last;
};

static void
run_steps(struct run *run, bool passive, const struct step *steps, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		run->last = fsm_step(run->state, steps[i].ev, passive, 0, 0);
		ck_assert_msg(run->last.state == steps[i].want,
		    "step %d %s in %s: got %s, want %s", i,
		    fsm_event_name(steps[i].ev), fsm_state_name(run->state),
		    fsm_state_name(run->last.state),
		    fsm_state_name(steps[i].want));
		if (run->last.actions & ZRO)
			run->retry_count = 0;
		if (run->last.actions & INC)
			run->retry_count++;
		run->state = run->last.state;
	}
}

START_TEST(test_session_active_then_hold_expiry)
{
	static const struct step steps[] = {
		{ FSM_EV_MANUAL_START, CN },
		{ FSM_EV_TCP_ACKED, OS },
		{ FSM_EV_OPEN, OC },
		{ FSM_EV_KEEPALIVE, ES },
		{ FSM_EV_UPDATE, ES },
		{ FSM_EV_KEEPALIVE_EXPIRES, ES },
		{ FSM_EV_ROUTE_REFRESH, ES },
		{ FSM_EV_KEEPALIVE, ES },
		{ FSM_EV_HOLD_EXPIRES, ID },
	};
	struct run run = { .state = ID, .retry_count = 5 };

	run_steps(&run, false, steps, 9);
	ck_assert_uint_eq(run.last.actions, NTF|CRX|HX|KX|REL|DRP|INC);
	ck_assert_uint_eq(run.last.notify_code, 4);
	ck_assert_uint_eq(run.last.notify_subcode, 0);
	ck_assert_int_eq(run.retry_count, 1);   /* zeroed by start, then +1 */
}
END_TEST

START_TEST(test_session_passive_start)
{
	static const struct step by_event[] = {
		{ FSM_EV_MANUAL_START_PASSIVE, AC },
		{ FSM_EV_CONNECT_RETRY_EXPIRES, AC },   /* passive: no connect */
		{ FSM_EV_TCP_CONFIRMED, OS },
		{ FSM_EV_OPEN, OC },
		{ FSM_EV_KEEPALIVE, ES },
		{ FSM_EV_MANUAL_STOP, ID },
	};
	static const struct step by_attr[] = {
		{ FSM_EV_AUTO_START, AC },              /* passive attribute */
		{ FSM_EV_TCP_CONFIRMED, OS },
		{ FSM_EV_TCP_FAILS, AC },
		{ FSM_EV_TCP_CONFIRMED, OS },
		{ FSM_EV_OPEN, OC },
		{ FSM_EV_KEEPALIVE, ES },
	};
	struct run run = { .state = ID };

	run_steps(&run, true, by_event, 6);
	ck_assert_uint_eq(run.last.notify_code, 6);
	ck_assert_uint_eq(run.last.notify_subcode, 2);
	ck_assert_int_eq(run.retry_count, 0);
	run = (struct run){ .state = ID };
	run_steps(&run, true, by_attr, 6);
	ck_assert_uint_eq(run.last.actions, HLD|EST);
}
END_TEST

/* Two connections to one peer; the peer layer decides with
 * fsm_collision_keep_local which one gets OpenCollisionDump. */
START_TEST(test_session_collision_dump)
{
	static const struct step outgoing[] = {
		{ FSM_EV_MANUAL_START, CN },
		{ FSM_EV_TCP_ACKED, OS },
		{ FSM_EV_OPEN, OC },
	};
	static const struct step incoming[] = {
		{ FSM_EV_AUTO_START_PASSIVE, AC },
		{ FSM_EV_TCP_CONFIRMED, OS },
	};
	static const struct step dump[] = { { FSM_EV_COLLISION_DUMP, ID } };
	static const struct step win[] = {
		{ FSM_EV_OPEN, OC },
		{ FSM_EV_KEEPALIVE, ES },
	};
	struct run out = { .state = ID }, in = { .state = ID };

	run_steps(&out, false, outgoing, 3);
	run_steps(&in, true, incoming, 2);
	/* local ID 10.0.0.1 < remote 10.0.0.2: the remote's connection,
	 * our incoming one, stays; the one we initiated goes */
	ck_assert(!fsm_collision_keep_local(0x0a000001u, 0x0a000002u));
	run_steps(&out, false, dump, 1);
	ck_assert_uint_eq(out.last.actions, NTF|CRX|HX|KX|REL|DRP|INC);
	ck_assert_uint_eq(out.last.notify_code, 6);
	ck_assert_uint_eq(out.last.notify_subcode, 7);
	run_steps(&in, true, win, 2);
	ck_assert_int_eq(in.state, ES);
	/* And the dump from OpenSent, before our OPEN was answered. */
	in = (struct run){ .state = OS };
	run_steps(&in, true, dump, 1);
	ck_assert_uint_eq(in.last.notify_subcode, 7);
}
END_TEST

START_TEST(test_session_retry_counter)
{
	static const struct step steps[] = {
		{ FSM_EV_AUTO_START, CN },
		{ FSM_EV_CONNECT_RETRY_EXPIRES, CN },
		{ FSM_EV_TCP_ACKED, OS },
		{ FSM_EV_TCP_FAILS, AC },               /* counter kept */
		{ FSM_EV_CONNECT_RETRY_EXPIRES, CN },
		{ FSM_EV_TCP_ACKED, OS },
		{ FSM_EV_NOTIF_VERSION_ERR, ID },       /* no increment */
		{ FSM_EV_AUTO_START, CN },
		{ FSM_EV_TCP_ACKED, OS },
		{ FSM_EV_OPEN, OC },
		{ FSM_EV_NOTIF, ID },                   /* +1 */
	};
	struct run run = { .state = ID, .retry_count = 3 };

	run_steps(&run, false, steps, 7);
	ck_assert_int_eq(run.retry_count, 0);
	run_steps(&run, false, steps + 7, 4);
	ck_assert_int_eq(run.retry_count, 1);
}
END_TEST

/*
 * A random walk over all events, carrying out the timer and OPEN actions
 * in a model: in every state exactly the RFC's timers run, and nothing is
 * sent on a connection before our OPEN.
 */
struct model {
	enum fsm_state state;
	bool cr, hold, ka, open_sent;
};

static void
model_apply(struct model *m, struct fsm_result r)
{
	uint32_t a = r.actions;

	if (a & NTF)
		ck_assert_msg(m->open_sent, "NOTIFICATION before OPEN");
	if (a & KAS)
		ck_assert_msg(m->open_sent, "KEEPALIVE before OPEN");
	if (a & UPD)
		ck_assert(m->state == ES);
	if (a & CRX) m->cr = false;
	if (a & CRS) m->cr = true;
	if (a & HX) m->hold = false;
	if (a & KX) m->ka = false;
	if (a & DRP) m->open_sent = false;
	if (a & OPN) m->open_sent = true;
	if (a & (HLG | HLD)) m->hold = true;
	if (a & KAT) m->ka = true;
	m->state = r.state;
}

static void
model_check(const struct model *m)
{
	bool idle = m->state == ID;
	bool tcp = m->state == CN || m->state == AC;
	bool confirmed = m->state == OC || m->state == ES;

	ck_assert_msg(m->cr == tcp, "%s: ConnectRetryTimer %d",
	    fsm_state_name(m->state), m->cr);
	ck_assert_msg(m->hold == (!idle && !tcp), "%s: HoldTimer %d",
	    fsm_state_name(m->state), m->hold);
	ck_assert_msg(m->ka == confirmed, "%s: KeepaliveTimer %d",
	    fsm_state_name(m->state), m->ka);
	ck_assert(m->open_sent == (!idle && !tcp));
}

START_TEST(test_random_walk)
{
	struct model m = { .state = ID };
	uint32_t x = 12345u + (uint32_t)_i;
	bool passive = _i & 1;
	int n, visits[FSM_STATE_COUNT] = { 0 };

	for (n = 0; n < 50000; n++) {
		enum fsm_event ev;

		x = x * 1103515245u + 12345u;
		ev = (enum fsm_event)(1 + (x >> 16) % 29);
		/* favour the events that move a session forward */
		if ((x >> 8) % 3 == 0)
			ev = (enum fsm_event[]){ 1, 16, 17, 19, 26, 27 }
			    [(x >> 4) % 6];
		model_apply(&m, fsm_step(m.state, ev, passive, 0, 0));
		model_check(&m);
		visits[m.state]++;
	}
	/* a passive peer never connects out, so never enters Connect */
	for (n = FSM_IDLE; n < FSM_STATE_COUNT; n++)
		ck_assert_msg((visits[n] > 0) == (n != CN || !passive),
		    "%s reached %d times, passive %d", fsm_state_name(n),
		    visits[n], passive);
}
END_TEST

static Suite *
fsm_suite(void)
{
	Suite *s = suite_create("fsm");
	TCase *tc;

	tc = tcase_create("table");
	/* a row's test is short, but under ASan on a shared 2-core machine
	 * Check's default 4 s has been too little */
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_table_row, 0, TABLE_ROWS);
	tcase_add_loop_test(tc, test_table_row_ignores_args, 0, TABLE_ROWS);
	tcase_add_test(tc, test_table_complete);
	tcase_add_test(tc, test_invariants);
	tcase_add_test(tc, test_stop_subcodes);
	tcase_add_test(tc, test_error_default_codes);
	tcase_add_test(tc, test_out_of_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_hold_time);
	tcase_add_test(tc, test_collision);
	suite_add_tcase(s, tc);

	tc = tcase_create("sessions");
	tcase_add_test(tc, test_session_active_then_hold_expiry);
	tcase_add_test(tc, test_session_passive_start);
	tcase_add_test(tc, test_session_collision_dump);
	tcase_add_test(tc, test_session_retry_counter);
	tcase_add_loop_test(tc, test_random_walk, 0, 4);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(fsm_suite());
}
