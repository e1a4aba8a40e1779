/*
 * Threads of the time-protection root tasks (channel.c, cache_channel.c) that run in a
 * domain of their own, and the cycle counter they measure with.
 */
#ifndef TIMEPROT_DOMAIN_THREAD_H
#define TIMEPROT_DOMAIN_THREAD_H

#include "../roottask/roottask.h"

#include <libbastion/tls.h>

#define DOMAIN_CONTROL ((bst_cptr_t)BST_SLOT_DOMAIN_CONTROL)

/* The cycle counter, after every earlier instruction has completed. */
static inline uint64_t counter(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/*
 * Start a same-space thread in `domain` at entry(NULL), at HIGH_PRIO, with an IPC buffer
 * (a fresh frame) and a TLS block (`tls`, which must outlive the thread) that names it;
 * its TCB's cap goes to *tcb_out. The domain's slots must be scheduled for it to run.
 */
bst_error_t start_in_domain(void (*entry)(struct probe_block *), uint64_t domain,
                            struct bst_tls *tls, bst_cptr_t *tcb_out);

#endif
