/*
 * Scheduling-context invocations (thread/schedcontext.h): configure through the
 * scheduling control cap, bind and unbind, and the consumed-time query.
 */
#include <object/finalise.h>
#include <syscall/invocation.h>
#include <thread/budget.h>
#include <thread/donation.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>
#include <timer.h>

static uint64_t us_to_ticks(uint64_t us)
{
    return us * (arch_counter_hz() / 1000000);
}

/* SCHED_CONTROL_CONFIGURE: MR0 scheduling context cap, MR1 budget us, MR2 period us.
 * budget == period makes the context unlimited (never throttled, never charged). The
 * control cap is one CPU's (the root task has one per CPU: bootinfo.h); the context runs
 * its threads on that CPU from now on, leaving the one it was on (a migration). Every
 * CPU takes limited contexts: each enforces budgets and releases with its own timer
 * (budget.c; docs/kernel.md, "Several CPUs"). A thread that another CPU runs on the
 * context is stopped there first, so that its CPU charges it up to now and starts the
 * new budget at its next exit. */
bst_error_t sched_control_invoke(struct invocation *inv)
{
    if (inv->label != BST_INV_SCHED_CONTROL_CONFIGURE) {
        return BST_ILLEGAL_OPERATION;
    }
    if (inv->length < 3) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *slot;
    uint64_t budget = invocation_arg(inv, 1), period = invocation_arg(inv, 2);
    bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_SCHED_CONTEXT, &slot);
    if (e != BST_OK) {
        return e;
    }
    if (budget < SC_MIN_BUDGET_US || period > 1000000000ull) {
        return BST_RANGE_ERROR;
    }
    uint64_t cpu = inv->slot->cap.u.sched_control.cpu;
    if (budget > period) {
        return BST_INVALID_ARGUMENT;
    }
    struct sched_context *sc = sched_context_of(&slot->cap);
    if (KCPU_COUNT > 1 && sc->cpu != cpu) {
        budget_sc_move_cpu(sc, (unsigned)cpu);
    } else if (KCPU_COUNT > 1 && sc->tcb != NULL) {
        sched_stop_elsewhere(sc->tcb);
    }
    budget_sc_configure(sc, us_to_ticks(budget), us_to_ticks(period));
    return BST_OK;
}

/* BIND (MR0 TCB cap), UNBIND (ends any loan: the thread holding it stops), CONSUMED
 * (-> MR0 microseconds charged to a limited context since the last query; an unlimited
 * context is not charged and reports 0). */
bst_error_t sched_context_invoke(struct invocation *inv)
{
    struct sched_context *sc = sched_context_of(&inv->slot->cap);
    switch (inv->label) {
    case BST_INV_SCHED_CONTEXT_BIND: {
        if (inv->length < 1) {
            return BST_TRUNCATED_MESSAGE;
        }
        struct cte *slot;
        bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_TCB, &slot);
        if (e != BST_OK) {
            return e;
        }
        struct tcb *t = tcb_of(&slot->cap);
        if (sc->tcb != NULL || t->sc != NULL) {
            return BST_ILLEGAL_OPERATION; /* one each way */
        }
        sc_attach(sc, t);
        return BST_OK;
    }
    case BST_INV_SCHED_CONTEXT_UNBIND:
        donation_forget_loans(sc);
        if (sc->tcb != NULL) {
            sc_unbind_tcb(sc->tcb);
        }
        return BST_OK;
    case BST_INV_SCHED_CONTEXT_CONSUMED:
        sched_account_current();
        invocation_reply(inv, 0, sc->consumed / (arch_counter_hz() / 1000000));
        sc->consumed = 0;
        return BST_OK;
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

/* The last cap to a scheduling context is gone: its loans end and the thread holding it
 * cannot run until it gets another. */
void sched_context_finalise(const struct cap *cap)
{
    struct sched_context *sc = sched_context_of(cap);
    donation_forget_loans(sc);
    if (sc->tcb != NULL) {
        sc_unbind_tcb(sc->tcb);
    }
    if (KCPU_COUNT > 1) {
        budget_sc_gone_elsewhere(sc);
    }
}
