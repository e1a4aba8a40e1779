/*
 * Scheduling contexts: a high-priority thread that spins forever but holds a budget of
 * 25% gets a quarter of the CPU; the root, at a lower priority, gets the rest. The share
 * is the time the kernel charged to the scheduling context over the time the window
 * took (both on the cycle counter, whose frequency boot-info gives), over many periods.
 *
 * Under -icount (harness word `icount`, suite system-sched-icount) time advances with
 * instructions and the share must be 25% within 2 points. Under plain TCG the guest's
 * clock is the host's: on a loaded host each replenishment can come late by what QEMU
 * waits for a host CPU, and a sporadic server's next period starts only then, so the
 * share falls (14% seen at host load 8). There the budget must still be a ceiling (at
 * most 33%) and keep coming back (at least 8%: 8 budgets in the 25 periods).
 */
#include "roottask.h"

#define SCHED_CONTROL  ((bst_cptr_t)BST_SLOT_SCHED_CONTROL)
#define BUDGET_US      5000
#define PERIOD_US      20000
#define WINDOW_PERIODS 25

static volatile uint64_t spinner_count;

static void spinner(struct probe_block *b)
{
    (void)b;
    for (;;) {
        spinner_count = spinner_count + 1;
    }
}

static uint64_t cycle_counter(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static bst_error_t sc_configure(bst_cptr_t sc, uint64_t budget, uint64_t period)
{
    uint64_t args[3] = {sc, budget, period};
    return bst_invoke(SCHED_CONTROL, BST_INV_SCHED_CONTROL_CONFIGURE, args, 3, NULL, 0);
}

static bst_error_t sc_bind(bst_cptr_t sc, bst_cptr_t tcb)
{
    return bst_invoke(sc, BST_INV_SCHED_CONTEXT_BIND, &tcb, 1, NULL, 0);
}

void test_sched_budget_share(void)
{
    static struct probe_block block;
    bst_cptr_t tcb, sc;
    CHECK_OK(obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, &sc));
    CHECK_OK(sc_configure(sc, BUDGET_US, PERIOD_US));
    CHECK_OK(thread_new_bare(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK_OK(sc_bind(sc, tcb));
    spinner_count = 0;
    CHECK_OK(thread_start(tcb, spinner, &block));
    /* The spinner outranks the root: the root runs only while the spinner is out of
     * budget. The window: WINDOW_PERIODS periods of the root's cycle counter. */
    uint64_t khz = env_bootinfo()->counter_khz, consumed_us;
    CHECK(khz > 0, "boot-info gives no counter frequency");
    CHECK_OK(bst_invoke(sc, BST_INV_SCHED_CONTEXT_CONSUMED, NULL, 0, &consumed_us, 1));
    uint64_t start = cycle_counter(), window = khz * PERIOD_US / 1000 * WINDOW_PERIODS;
    while (cycle_counter() - start < window) {
    }
    CHECK_OK(bst_invoke(sc, BST_INV_SCHED_CONTEXT_CONSUMED, NULL, 0, &consumed_us, 1));
    uint64_t elapsed_us = (cycle_counter() - start) * 1000 / khz;
    CHECK_OK(bst_tcb_suspend(tcb));
    uint64_t share = consumed_us * 100 / elapsed_us;
    CHECK(spinner_count > 0, "the budgeted thread never ran");
    bool icount = harness_args_flag(env_bootinfo(), "icount");
    uint64_t low = icount ? 23 : 8, high = icount ? 27 : 33;
    bst_printf("sched: the 25%% thread got %lu%% (%lu of %lu us; %s bounds %lu-%lu%%)\n",
               (unsigned long)share, (unsigned long)consumed_us, (unsigned long)elapsed_us,
               icount ? "icount" : "host-clock", (unsigned long)low, (unsigned long)high);
    CHECK(share >= low && share <= high, "the 25%% thread got %lu%% (%lu of %lu us)",
          (unsigned long)share, (unsigned long)consumed_us, (unsigned long)elapsed_us);
}

void test_sched_budget_errors(void)
{
    bst_cptr_t sc, other, tcb, ep;
    CHECK_OK(obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, &sc));
    CHECK_OK(obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, &other));
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_ERR(sc_configure(sc, 2000, 1000), BST_INVALID_ARGUMENT); /* budget > period */
    CHECK_ERR(sc_configure(sc, 10, 1000), BST_RANGE_ERROR);        /* below the minimum */
    CHECK_ERR(sc_configure(ep, 1000, 2000), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_invoke(SCHED_CONTROL, BST_INV_SCHED_CONTROL_CONFIGURE, &sc, 1, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    CHECK_OK(sc_configure(sc, 1000, 2000));
    CHECK_OK(thread_new_bare(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK_OK(sc_bind(sc, tcb));
    CHECK_ERR(sc_bind(other, tcb), BST_ILLEGAL_OPERATION); /* one context per thread */
    CHECK_ERR(sc_bind(sc, ep), BST_INVALID_CAPABILITY);
    CHECK_OK(bst_invoke(sc, BST_INV_SCHED_CONTEXT_UNBIND, NULL, 0, NULL, 0));
    CHECK_OK(sc_bind(other, tcb));
    CHECK_ERR(bst_invoke(sc, BST_INV_TCB_RESUME, NULL, 0, NULL, 0), BST_ILLEGAL_OPERATION);
}

/* The domain control cap's and the timeout endpoint's documented errors. A schedule is
 * installed and removed again (domain 0 runs for ever, as before). */
void test_sched_domain_errors(void)
{
    const bst_cptr_t control = BST_SLOT_DOMAIN_CONTROL;
    bst_cptr_t tcb, ep, ntfn;
    CHECK_OK(thread_new_bare(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ntfn));
    CHECK_ERR(bst_domain_set(control, tcb, 16), BST_RANGE_ERROR);
    CHECK_ERR(bst_domain_set(control, ep, 1), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_invoke(control, BST_INV_DOMAIN_SET, &tcb, 1, NULL, 0), BST_TRUNCATED_MESSAGE);
    CHECK_ERR(bst_invoke(control, BST_INV_TCB_RESUME, NULL, 0, NULL, 0), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_domain_set(control, tcb, 15));
    CHECK_OK(bst_domain_set(control, tcb, 0));
    uint8_t domains[BST_DOMAIN_SCHEDULE_MAX] = {0};
    uint64_t lengths[BST_DOMAIN_SCHEDULE_MAX] = {0};
    for (unsigned i = 0; i < BST_DOMAIN_SCHEDULE_MAX; i++)
        lengths[i] = 1000;
    CHECK_ERR(bst_invoke(control, BST_INV_DOMAIN_SCHEDULE, NULL, 0, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    uint64_t too_many = BST_DOMAIN_SCHEDULE_MAX + 1;
    CHECK_ERR(bst_invoke(control, BST_INV_DOMAIN_SCHEDULE, &too_many, 1, NULL, 0), BST_RANGE_ERROR);
    uint64_t two = 2;
    CHECK_ERR(bst_invoke(control, BST_INV_DOMAIN_SCHEDULE, &two, 1, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    domains[1] = 16;
    CHECK_ERR(bst_domain_schedule(control, 2, domains, lengths), BST_RANGE_ERROR);
    domains[1] = 1;
    lengths[1] = 99; /* below the minimum of 100 us */
    CHECK_ERR(bst_domain_schedule(control, 2, domains, lengths), BST_RANGE_ERROR);
    lengths[1] = 1000;
    /* A whole schedule of one slot of domain 0 changes nothing for the root; none again. */
    CHECK_OK(bst_domain_schedule(control, 1, domains, lengths));
    CHECK_OK(bst_domain_schedule(control, 0, domains, lengths));
    /* Timeout endpoints: an endpoint or none; anything else is refused. */
    CHECK_ERR(bst_tcb_set_timeout_endpoint(tcb, ntfn), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_invoke(tcb, BST_INV_TCB_SET_TIMEOUT_ENDPOINT, NULL, 0, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    CHECK_OK(bst_tcb_set_timeout_endpoint(tcb, ep));
    CHECK_OK(bst_tcb_set_timeout_endpoint(tcb, 0));
}
