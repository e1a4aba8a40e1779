/*
 * Host tests of scheduling-context donation (kernel/thread/donation.c) through its API:
 * a Call lends the caller's context to a passive server, loans stack when a passive
 * server calls another, and the context comes back on the reply, when the server waits
 * again, when an older reply in the chain is answered, when the server is stopped (the
 * caller's Call ends with CANCELLED), and never to a server that has a context of its
 * own. After every step: each context is held by exactly the thread that points at it,
 * and its loan chain is exactly the replies that record it, newest first.
 */
#include "support.h"

#include <ipc/ipc.h>
#include <object/objects.h>
#include <thread/budget.h>
#include <thread/donation.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>

#include <string.h>

enum { CLIENT, SERVER1, SERVER2, OTHER, N_THREADS };
enum { R1, R2, N_REPLIES };

static struct tcb *threads; /* in host "physical memory" */
static struct sched_context sc, other_sc;
static struct reply replies[N_REPLIES];

static struct tcb *T(unsigned i)
{
    return &threads[i];
}

/* The client runs on `sc` (unlimited); the servers are passive; OTHER has its own. */
static void reset(void)
{
    for (unsigned i = 0; i < N_THREADS; i++) {
        sc_unbind_tcb(T(i));
        sched_forget(T(i));
    }
    memset(threads, 0, N_THREADS * sizeof(*threads));
    memset(&sc, 0, sizeof(sc));
    memset(&other_sc, 0, sizeof(other_sc));
    memset(replies, 0, sizeof(replies));
    budget_sc_configure(&sc, 1000, 1000);
    budget_sc_configure(&other_sc, 1000, 1000);
    sc_attach(&sc, T(CLIENT));
    sc_attach(&other_sc, T(OTHER));
    for (unsigned i = 0; i < N_THREADS; i++) {
        T(i)->arch.ctx.rip = 0x400000;
    }
}

/* `caller` calls `server` through reply r (the IPC layer's part: caller waits on r). */
static void call(unsigned caller, unsigned server, unsigned r)
{
    struct tcb *c = T(caller);
    replies[r].caller = c;
    c->state = THREAD_BLOCKED_REPLY;
    c->blocked_on = &replies[r];
    c->ipc_flags = IPC_CALL;
    donation_lend(c, T(server), &replies[r]);
    T(server)->state = THREAD_RUNNABLE;
}

/* The reply through r (the IPC layer's part: the context first, then the caller). */
static void reply(unsigned r)
{
    struct tcb *c = replies[r].caller;
    donation_return(&replies[r]);
    replies[r].caller = NULL;
    c->state = THREAD_RUNNABLE;
    c->blocked_on = NULL;
    c->ipc_flags = 0;
}

/* Holder and chain consistency for one context. */
static const char *check_sc(const struct sched_context *s)
{
    if (s->tcb != NULL && s->tcb->sc != s) {
        return "a context's thread does not point back at it";
    }
    for (unsigned i = 0; i < N_THREADS; i++) {
        if (T(i)->sc == s && s->tcb != T(i)) {
            return "a thread holds a context that names another thread";
        }
    }
    unsigned in_chain = 0;
    for (const struct reply *r = s->reply; r != NULL; r = r->sc_prev) {
        if (r->sc != s || ++in_chain > N_REPLIES) {
            return "a reply in a context's loan chain does not record it (or the chain loops)";
        }
    }
    unsigned recording = 0;
    for (unsigned i = 0; i < N_REPLIES; i++) {
        recording += replies[i].sc == s;
    }
    return recording == in_chain ? NULL : "a reply records a loan not in the chain";
}

#define CHECK_SCS()                                                                                \
    do {                                                                                           \
        const char *why_ = check_sc(&sc);                                                          \
        if (why_ == NULL) {                                                                        \
            why_ = check_sc(&other_sc);                                                            \
        }                                                                                          \
        if (why_ != NULL) {                                                                        \
            test_fail(__FILE__, __LINE__, why_);                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void test_lend_and_return(void)
{
    reset();
    call(CLIENT, SERVER1, R1);
    CHECK_SCS();
    CHECK(T(CLIENT)->sc == NULL && T(SERVER1)->sc == &sc && sc.reply == &replies[R1]);
    reply(R1);
    CHECK_SCS();
    CHECK(T(CLIENT)->sc == &sc && T(SERVER1)->sc == NULL && sc.reply == NULL);
    CHECK(replies[R1].sc == NULL && replies[R1].sc_prev == NULL);
}

static void test_chain_in_order(void)
{
    reset();
    call(CLIENT, SERVER1, R1);
    call(SERVER1, SERVER2, R2);
    CHECK_SCS();
    CHECK(T(SERVER2)->sc == &sc && sc.reply == &replies[R2] && replies[R2].sc_prev == &replies[R1]);
    reply(R2);
    CHECK_SCS();
    CHECK(T(SERVER1)->sc == &sc && T(SERVER2)->sc == NULL && sc.reply == &replies[R1]);
    reply(R1);
    CHECK_SCS();
    CHECK(T(CLIENT)->sc == &sc && sc.reply == NULL);
}

/* Answering the older reply ends the newer loan too: the context goes home. */
static void test_older_reply_ends_newer_loans(void)
{
    reset();
    call(CLIENT, SERVER1, R1);
    call(SERVER1, SERVER2, R2);
    reply(R1);
    CHECK_SCS();
    CHECK(T(CLIENT)->sc == &sc && T(SERVER2)->sc == NULL && T(SERVER1)->sc == NULL);
    CHECK(replies[R2].sc == NULL && sc.reply == NULL);
    /* The server's later reply through R2 finds no loan: harmless. */
    reply(R2);
    CHECK_SCS();
    CHECK(T(CLIENT)->sc == &sc && T(SERVER1)->sc == NULL);
}

/* A server that waits again without replying gives its caller's time back. */
static void test_wait_returns(void)
{
    reset();
    call(CLIENT, SERVER1, R1);
    call(SERVER1, SERVER2, R2);
    donation_return_on_wait(T(SERVER2));
    CHECK_SCS();
    CHECK(T(SERVER1)->sc == &sc && T(SERVER2)->sc == NULL && sc.reply == &replies[R1]);
    donation_return_on_wait(T(SERVER1));
    CHECK_SCS();
    CHECK(T(CLIENT)->sc == &sc && sc.reply == NULL);
    donation_return_on_wait(T(CLIENT)); /* its own context: nothing happens */
    CHECK(T(CLIENT)->sc == &sc);
}

/* A server stopped while it holds a lent context: the caller's Call ends with
 * CANCELLED and the caller runs on its own context again. */
static void test_abandon_cancels_the_call(void)
{
    reset();
    call(CLIENT, SERVER1, R1);
    donation_abandon(T(SERVER1));
    CHECK_SCS();
    CHECK(T(CLIENT)->sc == &sc && T(SERVER1)->sc == NULL && replies[R1].caller == NULL);
    CHECK(T(CLIENT)->state == THREAD_RUNNABLE &&
          arch_syscall_error(&T(CLIENT)->arch.ctx) == BST_CANCELLED);
}

/* A server with its own context is not lent one; deleting a lent context forgets the
 * loans. */
static void test_active_server_and_forget(void)
{
    reset();
    call(CLIENT, OTHER, R1);
    CHECK_SCS();
    CHECK(T(CLIENT)->sc == &sc && T(OTHER)->sc == &other_sc && replies[R1].sc == NULL);
    reply(R1);
    call(CLIENT, SERVER1, R2);
    donation_forget_loans(&sc);
    sc_unbind_tcb(T(SERVER1));
    CHECK_SCS();
    CHECK(replies[R2].sc == NULL && sc.tcb == NULL && T(SERVER1)->sc == NULL);
}

static const struct test tests[] = {
    {"lend_and_return", test_lend_and_return},
    {"chain_in_order", test_chain_in_order},
    {"older_reply_ends_newer_loans", test_older_reply_ends_newer_loans},
    {"wait_returns_the_loan", test_wait_returns},
    {"abandon_cancels_the_call", test_abandon_cancels_the_call},
    {"active_server_and_forget", test_active_server_and_forget},
};

int main(void)
{
    objects_init();
    threads = kmem_ptr(PHYS_BASE);
    int rc = run_tests("donation", tests, ARRAY_SIZE(tests));
    reset();
    return rc;
}
