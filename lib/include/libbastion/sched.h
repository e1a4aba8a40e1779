/*
 * Scheduling-context invocations (docs/syscalls.md, "Scheduling contexts"): configure a
 * context through the scheduling control cap, bind it to a thread, query its use.
 */
#ifndef LIBBASTION_SCHED_H
#define LIBBASTION_SCHED_H

#include <libbastion/syscall.h>

/* Give `sc` `budget_us` of CPU time per `period_us` (both microseconds; the whole budget
 * is available at once). `control` is the scheduling control cap (the root task's
 * BST_SLOT_SCHED_CONTROL). */
bst_error_t bst_sched_control_configure(bst_cptr_t control, bst_cptr_t sc, uint64_t budget_us,
                                        uint64_t period_us);

/* Bind `sc` to the thread `tcb` (one context per thread, one thread per context). */
bst_error_t bst_sched_context_bind(bst_cptr_t sc, bst_cptr_t tcb);

/* Unbind `sc` from its thread: the thread runs unbudgeted again. */
bst_error_t bst_sched_context_unbind(bst_cptr_t sc);

/* Microseconds charged to `sc` since the last query. */
bst_error_t bst_sched_context_consumed(bst_cptr_t sc, uint64_t *consumed_us);

#endif
