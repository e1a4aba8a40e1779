/*
 * Scheduling-context donation: passive servers run on their callers' time.
 *
 * A Call (not a fault) to a thread with no scheduling context of its own lends the
 * caller's context to it: the context moves to the server and the reply object records
 * it (reply->sc), stacked on any earlier loan (reply->sc_prev, sc->reply is the newest).
 * It comes back to the caller when:
 *   - the server replies through that reply object (Reply, Reply-Recv);
 *   - the server waits in Recv again without replying (the caller, still waiting, gets
 *     its time back so the server cannot serve others on it);
 *   - the reply object is deleted or reused, or the caller is suspended or deleted
 *     (the caller gets it, if it still exists);
 *   - the server is suspended or stopped by its fault handler: the caller's Call then
 *     fails with CANCELLED and the caller runs again on its own time.
 * Returning through an older reply also returns every newer loan of the same context.
 */
#ifndef BASTION_THREAD_DONATION_H
#define BASTION_THREAD_DONATION_H

#include <ipc/ipc.h>

/* caller (blocked on r) calls server (which has no context): lend caller's context. */
void donation_lend(struct tcb *caller, struct tcb *server, struct reply *r);
/* The loan recorded in r (if any) goes back to r's caller. */
void donation_return(struct reply *r);
/* t is about to wait in Recv: a context lent to it goes back to the lender. */
void donation_return_on_wait(struct tcb *t);
/* t stops (suspended, stopped, deleted) while it may hold a lent context: the lender's
 * Call ends with CANCELLED and it gets its context back. */
void donation_abandon(struct tcb *t);

/* sc is unbound or deleted: every reply that records a loan of it forgets it. */
struct sched_context;
void donation_forget_loans(struct sched_context *sc);

#endif
