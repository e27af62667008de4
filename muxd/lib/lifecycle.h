/*
 * lifecycle.h — how every object with an owner ends. No code: the one
 * statement of the convention, which the headers of the objects that
 * follow it point to.
 *
 * An object that outlives a call and reports to an owner (session,
 * peer, view, instance, client) is created with X_new(..., ops, arg)
 * and ends in three steps:
 *
 *   1. X_shutdown(x, ...) begins leaving. It is idempotent: a second call
 *      does nothing. Where BGP is spoken it takes the NOTIFICATION to send
 *      (code, subcode). From then on x starts nothing new (no connection,
 *      no walk) and its other upcalls stop as soon as it can stop them.
 *   2. ops->gone(x, arg) is called once, from the event loop — a deferred
 *      event, never inline from X_shutdown nor from any other call the
 *      owner makes — and it is the last upcall x makes. The owner forgets
 *      x there (and may free itself there: x touches nothing of the owner
 *      after gone returns). A NULL ops or gone: nobody is told.
 *   3. x frees its own memory right after gone returns, in that same
 *      event. The owner never frees x and never touches it after gone.
 *
 * The session's BGP-meaning entries (session_close, session_close_data,
 * session_drop, session_abort, and the FSM reaching Idle) are its
 * X_shutdown: each begins leaving, and gone follows as above.
 *
 * An object without an owner upcall — a plain container its owner frees
 * when it wants (listener, accept guard, gateway, feed, monitors, the
 * BMP exporter, the MRT writer and sink, the stream, the API) — has
 * X_free(x) instead, which frees it before it returns and makes no
 * upcall. Each object's header says which of the two it is.
 *
 * docs/architecture.md (Teardown) shows the daemon's shutdown as a
 * cascade of these.
 */
