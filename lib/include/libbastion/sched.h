/*
 * Scheduling invocations (docs/syscalls.md, "Scheduling contexts", "Domains"): configure
 * a context through the scheduling control cap, bind it to a thread, query its use; put
 * threads in domains and install the domain schedule through the domain control cap.
 */
#ifndef LIBBASTION_SCHED_H
#define LIBBASTION_SCHED_H

#include <bastion/bootinfo.h>
#include <libbastion/syscall.h>

/* Give `sc` `budget_us` of CPU time per `period_us` (both microseconds; the whole budget
 * is available at once; budget = period: unlimited, never throttled). `control` is the
 * scheduling control cap (the root task's BST_SLOT_SCHED_CONTROL). */
bst_error_t bst_sched_control_configure(bst_cptr_t control, bst_cptr_t sc, uint64_t budget_us,
                                        uint64_t period_us);

/* The root task's scheduling control cap of CPU `cpu` (a context configured through it
 * runs its thread on that CPU: docs/capabilities.md), or 0 when the kernel runs threads
 * on fewer CPUs (bi->n_cpus). */
bst_cptr_t bst_sched_control_of_cpu(const struct bst_bootinfo *bi, unsigned cpu);

/* Bind `sc` to the thread `tcb` (one context per thread, one thread per context). */
bst_error_t bst_sched_context_bind(bst_cptr_t sc, bst_cptr_t tcb);

/* Unbind `sc` from the thread holding it: that thread cannot run until it gets a
 * context again (or, passive, is lent one by a caller). */
bst_error_t bst_sched_context_unbind(bst_cptr_t sc);

/* Microseconds charged to `sc` since the last query. */
bst_error_t bst_sched_context_consumed(bst_cptr_t sc, uint64_t *consumed_us);

/* A thread's timeout endpoint: timeout faults go there (0: none). */
bst_error_t bst_tcb_set_timeout_endpoint(bst_cptr_t tcb, bst_cptr_t ep);

/* Put `tcb` in `domain` (0 to 15). `control`: the domain control cap
 * (BST_SLOT_DOMAIN_CONTROL). */
bst_error_t bst_domain_set(bst_cptr_t control, bst_cptr_t tcb, uint64_t domain);

/* Install the cyclic schedule: `count` (0 to 16) slots, slot i runs domains[i] for
 * lengths_us[i] (at least 100 us). count 0: no schedule, domain 0 runs. Starts now with
 * the first slot. */
#define BST_DOMAIN_SCHEDULE_MAX 16
bst_error_t bst_domain_schedule(bst_cptr_t control, unsigned count, const uint8_t *domains,
                                const uint64_t *lengths_us);

/* The same with time protection: slot i is the slot word slots[i] (BST_DOMAIN_SLOT() of
 * bastion/domain.h: domain, flush flags, pad) for lengths_us[i]. */
bst_error_t bst_domain_schedule_slots(bst_cptr_t control, unsigned count, const uint64_t *slots,
                                      const uint64_t *lengths_us);

#endif
