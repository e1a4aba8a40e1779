/*
 * The IPC fastpath: Call and Reply-Recv in the common case, straight from the system
 * call entry to the other thread, with no queue walks and no general machinery. Each
 * fastpath checks every condition the slow path would (capability type and rights,
 * message shape, endpoint state, priorities) and returns false, having changed
 * nothing, when any does not hold; the slow path then handles the call with identical
 * observable results. `nofastpath` on the kernel command line turns it off (the system
 * tests run both ways).
 */
#ifndef BASTION_IPC_FASTPATH_H
#define BASTION_IPC_FASTPATH_H

#include <kpercpu.h>
#include <thread/tcb.h>

/* How often each fastpath was taken (DEBUG_FASTPATH_COUNT; the total is reported at a
 * debug exit). The assembly indexes it by these numbers too (asm_offsets.c). */
enum fastpath_kind {
    FASTPATH_CALL_PASSIVE,  /* Call lending the caller's context */
    FASTPATH_CALL_ACTIVE,   /* Call to a server with a context of its own */
    FASTPATH_REPLY_PASSIVE, /* Reply-Recv giving the context back */
    FASTPATH_REPLY_ACTIVE,  /* Reply-Recv to a caller with a context of its own */
    FASTPATH_SEND,          /* Signal or NB_Send (fastpath_send) */
    FASTPATH_YIELD,         /* Yield to the next thread of the same priority */
    FASTPATH_KINDS,
};
extern uint64_t fastpath_hits[FASTPATH_KINDS];
/* The total of every kind. */
uint64_t fastpath_total(void);
/* The system-call numbers the entry sends to the assembly fastpath (Call, Reply-Recv);
 * none once it is disabled, and none while a limited scheduling context runs: the
 * assembly reads no clock, so it cannot see that context's budget run out before its
 * timer fires (thread/budget.h, budget_overrun()); the C fastpath checks that and
 * serves such calls instead. */
typedef uint64_t fastpath_syscall_pair[2];
KCPU_HOT_DECLARE(fastpath_syscall_pair, fastpath_syscalls); /* each CPU's (kpercpu.h) */
extern bool fastpath_off;
/* Turn both fastpaths off (the `nofastpath` command-line option). */
void fastpath_disable(void);
/* The CPU lacks what the assembly fastpath needs (x86_64: XSAVE, arch/fpu.h): the C
 * fastpath alone serves from now on. */
void fastpath_asm_unsupported(void);
/* Whether it has what the assembly fastpath needs (DEBUG_FASTPATH_COUNT says so). */
bool fastpath_asm_available(void);
static inline bool fastpath_enabled(void)
{
    return !fastpath_off;
}
/* A limited scheduling context starts running (true) or none runs any more (false). */
void fastpath_limited_running(bool limited);

/* Handle the current thread's Call or Reply-Recv; does not return when it does. The
 * SYSCALL entry calls these first, with the current context pointer, which is the
 * TCB's address, and only while the fastpaths are enabled (it tests fastpath_off). */
bool fastpath_call(struct tcb *t);
bool fastpath_reply_recv(struct tcb *t);
/* The same for Send and NB_Send: a signal (waking a higher-priority waiter or nobody),
 * an NB_Send that finds no receiver. */
bool fastpath_send(struct tcb *t);
/* The same for Yield: straight back when nothing else is ready at its priority, or a
 * direct switch to the next thread of its priority (sched_rotate()). */
bool fastpath_yield(struct tcb *t);

#endif
