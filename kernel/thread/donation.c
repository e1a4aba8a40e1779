/*
 * Scheduling-context donation (thread/donation.h).
 */
#include <thread/budget.h>
#include <thread/donation.h>
#include <thread/schedcontext.h>

void donation_lend(struct tcb *caller, struct tcb *server, struct reply *r)
{
    struct sched_context *sc = caller->sc;
    if (sc == NULL || server->sc != NULL) {
        return;
    }
    r->sc = sc;
    r->sc_prev = sc->reply;
    sc->reply = r;
    sc_move(sc, caller, server);
}

void donation_return(struct reply *r)
{
    struct sched_context *sc = r->sc;
    if (sc == NULL) {
        return;
    }
    while (sc->reply != r && sc->reply != NULL) { /* newer loans end with this one */
        struct reply *newer = sc->reply;
        sc->reply = newer->sc_prev;
        newer->sc = NULL;
        newer->sc_prev = NULL;
    }
    sc->reply = r->sc_prev;
    r->sc = NULL;
    r->sc_prev = NULL;
    struct tcb *caller = r->caller;
    if (sc->tcb != NULL && caller != NULL && caller->sc == NULL) {
        sc_move(sc, sc->tcb, caller);
        return;
    }
    if (sc->tcb != NULL) {
        sc_unbind_tcb(sc->tcb);
    }
    if (caller != NULL && caller->sc == NULL) {
        sc_attach(sc, caller);
    }
}

void donation_return_on_wait(struct tcb *t)
{
    if (t->sc != NULL && t->sc->reply != NULL) {
        donation_return(t->sc->reply);
    }
}

void donation_abandon(struct tcb *t)
{
    if (t->sc == NULL || t->sc->reply == NULL) {
        return;
    }
    struct reply *r = t->sc->reply;
    struct tcb *caller = r->caller;
    donation_return(r);
    if (caller != NULL) {
        r->caller = NULL;
        caller->ipc_flags = 0;
        ipc_wake_with_error(caller, BST_CANCELLED);
    }
}

void donation_forget_loans(struct sched_context *sc)
{
    while (sc->reply != NULL) {
        struct reply *r = sc->reply;
        sc->reply = r->sc_prev;
        r->sc = NULL;
        r->sc_prev = NULL;
    }
}
