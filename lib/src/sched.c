/*
 * Scheduling-context invocation wrappers; argument order is docs/syscalls.md's.
 */
#include <libbastion/invoke.h>
#include <libbastion/sched.h>

bst_error_t bst_sched_control_configure(bst_cptr_t control, bst_cptr_t sc, uint64_t budget_us,
                                        uint64_t period_us)
{
    const uint64_t a[] = {sc, budget_us, period_us};
    return bst_invoke(control, BST_INV_SCHED_CONTROL_CONFIGURE, a, 3, NULL, 0);
}

bst_error_t bst_sched_context_bind(bst_cptr_t sc, bst_cptr_t tcb)
{
    const uint64_t a[] = {tcb};
    return bst_invoke(sc, BST_INV_SCHED_CONTEXT_BIND, a, 1, NULL, 0);
}

bst_error_t bst_sched_context_unbind(bst_cptr_t sc)
{
    return bst_invoke(sc, BST_INV_SCHED_CONTEXT_UNBIND, NULL, 0, NULL, 0);
}

bst_error_t bst_sched_context_consumed(bst_cptr_t sc, uint64_t *consumed_us)
{
    return bst_invoke(sc, BST_INV_SCHED_CONTEXT_CONSUMED, NULL, 0, consumed_us, 1);
}

bst_error_t bst_tcb_set_timeout_endpoint(bst_cptr_t tcb, bst_cptr_t ep)
{
    return bst_invoke(tcb, BST_INV_TCB_SET_TIMEOUT_ENDPOINT, &ep, 1, NULL, 0);
}

bst_error_t bst_domain_set(bst_cptr_t control, bst_cptr_t tcb, uint64_t domain)
{
    const uint64_t a[] = {tcb, domain};
    return bst_invoke(control, BST_INV_DOMAIN_SET, a, 2, NULL, 0);
}

bst_error_t bst_domain_schedule(bst_cptr_t control, unsigned count, const uint8_t *domains,
                                const uint64_t *lengths_us)
{
    if (count > BST_DOMAIN_SCHEDULE_MAX)
        return BST_RANGE_ERROR;
    uint64_t slots[BST_DOMAIN_SCHEDULE_MAX];
    for (unsigned i = 0; i < count; i++)
        slots[i] = domains[i]; /* a plain domain number: no pad, no flush */
    return bst_domain_schedule_slots(control, count, slots, lengths_us);
}

bst_error_t bst_domain_schedule_slots(bst_cptr_t control, unsigned count, const uint64_t *slots,
                                      const uint64_t *lengths_us)
{
    if (count > BST_DOMAIN_SCHEDULE_MAX)
        return BST_RANGE_ERROR;
    uint64_t a[1 + 2 * BST_DOMAIN_SCHEDULE_MAX];
    a[0] = count;
    for (unsigned i = 0; i < count; i++) {
        a[1 + 2 * i] = slots[i];
        a[2 + 2 * i] = lengths_us[i];
    }
    return bst_invoke(control, BST_INV_DOMAIN_SCHEDULE, a, 1 + 2 * count, NULL, 0);
}

bst_cptr_t bst_sched_control_of_cpu(const struct bst_bootinfo *bi, unsigned cpu)
{
    if (cpu >= bi->n_cpus) {
        return 0;
    }
    return cpu == 0 ? BST_SLOT_SCHED_CONTROL : bi->sched_control_first + cpu - 1;
}
