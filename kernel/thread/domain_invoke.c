/*
 * Domain control invocations (thread/domain.h): put a thread in a domain, install the
 * schedule.
 */
#include <syscall/invocation.h>
#include <thread/domain.h>
#include <thread/sched.h>
#include <timer.h>

static uint64_t us_to_ticks(uint64_t us)
{
    return us * (arch_counter_hz() / 1000000);
}

/* DOMAIN_SET: MR0 TCB cap, MR1 domain. DOMAIN_SCHEDULE: MR0 count n (0 to
 * DOMAIN_SCHEDULE_MAX), then n pairs (domain, length in microseconds). */
bst_error_t domain_control_invoke(struct invocation *inv)
{
    switch (inv->label) {
    case BST_INV_DOMAIN_SET: {
        if (inv->length < 2) {
            return BST_TRUNCATED_MESSAGE;
        }
        struct cte *tcb;
        bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_TCB, &tcb);
        if (e != BST_OK) {
            return e;
        }
        if (invocation_arg(inv, 1) >= NUM_DOMAINS) {
            return BST_RANGE_ERROR;
        }
        sched_set_domain(tcb_of(&tcb->cap), (uint8_t)invocation_arg(inv, 1));
        return BST_OK;
    }
    case BST_INV_DOMAIN_SCHEDULE: {
        if (inv->length < 1) {
            return BST_TRUNCATED_MESSAGE;
        }
        uint64_t n = invocation_arg(inv, 0);
        if (n > DOMAIN_SCHEDULE_MAX) {
            return BST_RANGE_ERROR;
        }
        if (inv->length < 1 + 2 * n) {
            return BST_TRUNCATED_MESSAGE;
        }
        struct domain_slot slots[DOMAIN_SCHEDULE_MAX];
        for (unsigned i = 0; i < n; i++) {
            uint64_t d = invocation_arg(inv, 1 + 2 * i), us = invocation_arg(inv, 2 + 2 * i);
            if (d >= NUM_DOMAINS || us < DOMAIN_MIN_LENGTH_US || us > 1000000000ull) {
                return BST_RANGE_ERROR;
            }
            slots[i] = (struct domain_slot){(uint8_t)d, us_to_ticks(us)};
        }
        domain_set_schedule(slots, (unsigned)n, arch_counter_read());
        return BST_OK;
    }
    default:
        return BST_ILLEGAL_OPERATION;
    }
}
