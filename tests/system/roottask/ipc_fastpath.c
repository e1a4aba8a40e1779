/*
 * The fastpaths for an active server (a context of its own) and for Yield: each counts
 * its hits (DEBUG_FASTPATH_COUNT), and bails out to the full path whenever the full path
 * would do something different. The same tests run under `nofastpath` (suite
 * system-ipc-slowpath), where no fastpath may count a hit and every result must be the
 * same.
 */
#include "ipc.h"

#include <libbastion/syscall.h>

#define SCHED_CONTROL ((bst_cptr_t)BST_SLOT_SCHED_CONTROL)
#define ROUNDS        8

enum { FP_CALL_ACTIVE = 1, FP_REPLY_ACTIVE = 3, FP_YIELD = 5 }; /* kernel ipc/fastpath.h */

/* How often fastpath `kind` was taken; *on: whether the fastpaths are enabled. */
static uint64_t fastpath_count(unsigned kind, bool *on)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_FASTPATH_COUNT, .rdi = kind};
    bst_arch_syscall(&r);
    if (on != NULL)
        *on = (r.rsi & 1) != 0;
    return r.rax == BST_OK ? r.rdi : UINT64_MAX;
}

/* Whether the kernel can use its assembly fastpath, the only one for active servers
 * (a CPU without XSAVE leaves Call and Reply-Recv to the C one: suite system-ipc-noxsave). */
static bool asm_fastpath(void)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_FASTPATH_COUNT, .rdi = 0};
    bst_arch_syscall(&r);
    return (r.rsi & 2) != 0;
}

/* Server: echo each call with label + 1 and the register words + 1. */
static void child_server(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS], badge;
    bst_msginfo_t info;
    c->started = 1;
    bst_error_t e = bst_recv(c->ep, c->reply, &badge, &info, mr);
    for (;;) {
        c->err = e;
        c->count++;
        c->info = info;
        if (e != BST_OK)
            ipc_child_finish(c);
        unsigned n = bst_msginfo_length(info);
        for (unsigned i = 0; i < n && i < BST_MSG_REGISTERS; i++)
            mr[i]++;
        bst_msginfo_t r = bst_msginfo_make(bst_msginfo_label(info) + 1, n, 0, 0);
        e = bst_reply_recv(c->ep, c->reply, r, mr, &badge, &info);
    }
}

/* An active server at `prio` (its own unlimited context), waiting in Recv. */
static bst_error_t active_server(uint64_t prio, struct ipc_thread *t)
{
    bst_cptr_t ep, reply;
    bst_error_t e;
    if ((e = ep_new(&ep)) != BST_OK || (e = reply_new(&reply)) != BST_OK ||
        (e = ipc_thread_new(OTHER_SPACE, prio, 0, t)) != BST_OK)
        return e;
    t->c->ep = ep;
    t->c->reply = reply;
    if ((e = ipc_thread_start(t, child_server)) != BST_OK)
        return e;
    /* Let it reach its Recv (it may be below the root). */
    if ((e = bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, LOW_PRIO - 1)) != BST_OK)
        return e;
    return bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO);
}

/* One Call of `len` register words (and `caps` extra caps, naming cap 0 of the IPC
 * buffer); checks the echo. */
static void call_once(const struct ipc_thread *t, unsigned len, unsigned caps, uint64_t seed)
{
    uint64_t mr[BST_MSG_REGISTERS] = {0};
    for (unsigned i = 0; i < len && i < BST_MSG_REGISTERS; i++)
        mr[i] = pattern(seed, i);
    bst_msginfo_t ri = 0;
    CHECK_OK(bst_call(t->c->ep, bst_msginfo_make(0x200, len, caps, 0), mr, &ri));
    CHECK(bst_msginfo_label(ri) == 0x201, "reply label %lx", (unsigned long)bst_msginfo_label(ri));
    for (unsigned i = 0; i < len && i < BST_MSG_REGISTERS; i++)
        CHECK(mr[i] == pattern(seed, i) + 1, "reply MR%u = %lx", i, (unsigned long)mr[i]);
}

/* Calls to an active server at the root's priority take the active fastpath both ways,
 * once no timer is armed (one armed by an earlier test fires within a slice). Limited
 * contexts that earlier tests left with suspended threads do not keep it off: the
 * fastpath checks the two threads' contexts, not the whole system's. Without the
 * assembly fastpath (no XSAVE) they take the full path: no hits. */
void test_fastpath_active_hits(void)
{
    struct ipc_thread t;
    CHECK_OK(active_server(ROOT_PRIO, &t));
    bool on;
    uint64_t calls = fastpath_count(FP_CALL_ACTIVE, &on);
    on = on && asm_fastpath();
    for (unsigned i = 0; i < 100000 && on && fastpath_count(FP_CALL_ACTIVE, NULL) == calls; i++)
        call_once(&t, 1, 0, i); /* until a leftover timer has fired */
    calls = fastpath_count(FP_CALL_ACTIVE, NULL);
    uint64_t replies = fastpath_count(FP_REPLY_ACTIVE, NULL);
    uint64_t served = t.c->count;
    for (unsigned i = 0; i < ROUNDS; i++)
        call_once(&t, i % (BST_MSG_REGISTERS + 1), 0, i);
    CHECK(t.c->count == served + ROUNDS, "the server served %lu calls",
          (unsigned long)(t.c->count - served));
    uint64_t dc = fastpath_count(FP_CALL_ACTIVE, NULL) - calls;
    uint64_t dr = fastpath_count(FP_REPLY_ACTIVE, NULL) - replies;
    uint64_t want = on ? ROUNDS : 0;
    CHECK(dc == want && dr == want, "active fastpath hits: %lu calls, %lu replies, expected %lu",
          (unsigned long)dc, (unsigned long)dr, (unsigned long)want);
    bst_tcb_suspend(t.tcb);
}

/* Cases the full path handles differently, or that need what the fastpath does not do:
 * each must leave the active fastpath's count alone and give the full path's result. */
static void child_mark(struct ipc_child *c)
{
    c->started = 1;
    c->log[0] = 1; /* this thread ran */
    ipc_child_finish(c);
}

void test_fastpath_active_bails(void)
{
    struct ipc_thread s;
    CHECK_OK(active_server(LOW_PRIO, &s));
    uint64_t before = fastpath_count(FP_CALL_ACTIVE, NULL);

    /* A message past the registers, and one transferring a cap: the full path's. */
    bst_ipc_buffer()->caps[0] = ROOT_TCB;
    call_once(&s, BST_MSG_REGISTERS + 1, 0, 1);
    call_once(&s, 1, 1, 2);

    /* A thread above the server is ready (below the root, so it waits): the full path
     * runs it before the server, so the server must see its mark when the call arrives. */
    struct ipc_thread m;
    CHECK_OK(ipc_thread_new(SAME_SPACE, LOW_PRIO + 10, 0, &m));
    CHECK_OK(ipc_thread_start(&m, child_mark));
    m.c->log[0] = 0;
    call_once(&s, 1, 0, 3);
    CHECK(m.c->done == 1 && m.c->log[0] == 1, "the higher-priority ready thread did not run");

    /* A server whose context is limited (budget below its period): budgets in play. */
    bst_cptr_t sc = s.sc;
    CHECK_OK(bst_sched_control_configure(SCHED_CONTROL, sc, 5000, 10000));
    call_once(&s, 1, 0, 4);
    CHECK_OK(bst_sched_control_configure(SCHED_CONTROL, sc, 10000, 10000));

    CHECK(fastpath_count(FP_CALL_ACTIVE, NULL) == before,
          "the active Call fastpath was taken %lu times where the full path must run",
          (unsigned long)(fastpath_count(FP_CALL_ACTIVE, NULL) - before));
    bst_tcb_suspend(s.tcb);
}

/* ---- Yield --------------------------------------------------------------------------- */

static void child_yielder(struct ipc_child *c)
{
    c->started = 1;
    for (unsigned i = 0; i < ROUNDS; i++) {
        c->log[i] = c->arg; /* the other's count when this one ran */
        if (bst_yield() != BST_OK)
            c->err = 1;
        c->count++;
    }
    ipc_child_finish(c);
}

/* Two threads of one priority yielding to each other alternate; `budget_us` below the
 * period limits the second one's context (then budgets are in play and Yield takes the
 * full path). Returns the Yield fastpath's hits meanwhile. */
static uint64_t yield_pair(uint64_t budget_us)
{
    struct ipc_thread t[2];
    for (unsigned i = 0; i < 2; i++) {
        if (ipc_thread_new(SAME_SPACE, LOW_PRIO, 0, &t[i]) != BST_OK)
            return UINT64_MAX;
    }
    if (budget_us != 0 &&
        bst_sched_control_configure(SCHED_CONTROL, t[1].sc, budget_us, 100000) != BST_OK)
        return UINT64_MAX;
    uint64_t before = fastpath_count(FP_YIELD, NULL);
    for (unsigned i = 0; i < 2; i++) {
        if (ipc_thread_start(&t[i], child_yielder) != BST_OK)
            return UINT64_MAX;
    }
    bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, LOW_PRIO - 1);
    bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO);
    uint64_t hits = fastpath_count(FP_YIELD, NULL) - before;
    for (unsigned i = 0; i < 2; i++) {
        if (t[i].c->done != 1 || t[i].c->err != 0 || t[i].c->count != ROUNDS)
            return UINT64_MAX;
    }
    return hits;
}

/* Two unlimited threads yielding to each other switch directly, whatever limited
 * contexts other threads hold. */
void test_fastpath_yield_hits(void)
{
    bool on;
    fastpath_count(FP_YIELD, &on);
    uint64_t hits = yield_pair(0);
    CHECK(hits != UINT64_MAX, "the yielding threads did not finish");
    /* Every yield but the last one or two (alone, with a slice timer maybe still armed)
     * switches directly. */
    CHECK(on ? hits >= 2 * ROUNDS - 2 : hits == 0, "Yield fastpath hits %lu (fastpaths %s)",
          (unsigned long)hits, on ? "on" : "off");
}

void test_fastpath_yield_bails_with_budgets(void)
{
    uint64_t hits = yield_pair(50000); /* 50 ms of 100: plenty for 8 yields */
    CHECK(hits == 0, "Yield fastpath taken %lu times while a limited context exists",
          (unsigned long)hits);
}
