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
