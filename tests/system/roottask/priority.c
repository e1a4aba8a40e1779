/*
 * Fixed priorities: a thread of higher priority runs the moment it becomes runnable and
 * keeps the CPU from lower ones; threads of equal priority share the CPU in round-robin
 * slices (10 ms), each getting a fair part of a window.
 */
#include "roottask.h"

static void count_forever(struct probe_block *b)
{
    b->started = 1;
    for (;;)
        b->value = b->value + 1;
}

static void mark_and_stop(struct probe_block *b)
{
    b->started = 1;
    bst_tcb_suspend(b->tcb);
}

/* A higher-priority thread runs before the start call returns; a lower-priority one
 * never runs while the root is runnable, and runs once the root lets it (a Yield does
 * not: it only gives way to equals). */
void test_sched_strict_priority(void)
{
    static struct probe_block high, low;
    bst_cptr_t h, l;
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &h));
    CHECK_OK(thread_start(h, mark_and_stop, &high));
    CHECK(high.started == 1, "a higher-priority thread did not run at once");
    CHECK_OK(thread_new(ROOT_VS, ROOT_PRIO - 10, &l));
    CHECK_OK(thread_start(l, mark_and_stop, &low));
    settle();
    CHECK_OK(bst_yield());
    settle();
    CHECK(low.started == 0, "a lower-priority thread ran while the root was runnable");
    /* The root drops below it: it runs at once (and stops itself), then the root goes on. */
    CHECK_OK(bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO - 20));
    CHECK(low.started == 1, "the lower-priority thread did not run once the root dropped below it");
    CHECK_OK(bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO));
}

/* Two spinners at the root's priority: over a window of many slices each gets a fair
 * part of the CPU (the root, the third of equals, measures). */
void test_sched_round_robin(void)
{
    static struct probe_block a, b;
    bst_cptr_t ta, tb;
    a.value = b.value = 0;
    CHECK_OK(thread_new(ROOT_VS, ROOT_PRIO, &ta));
    CHECK_OK(thread_new(ROOT_VS, ROOT_PRIO, &tb));
    CHECK_OK(thread_start(ta, count_forever, &a));
    CHECK_OK(thread_start(tb, count_forever, &b));
    /* 30 settles: many 10 ms slices each. */
    for (unsigned i = 0; i < 30; i++)
        settle();
    CHECK_OK(bst_tcb_suspend(ta));
    CHECK_OK(bst_tcb_suspend(tb));
    uint64_t lo = a.value < b.value ? a.value : b.value, hi = a.value < b.value ? b.value : a.value;
    CHECK(lo > 0, "a thread of equal priority never ran (%lu, %lu)", (unsigned long)a.value,
          (unsigned long)b.value);
    CHECK(lo * 3 >= hi * 2, "unfair shares between equals: %lu and %lu", (unsigned long)a.value,
          (unsigned long)b.value);
}
