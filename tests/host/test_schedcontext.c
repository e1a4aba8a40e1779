/*
 * Host tests of the scheduling-context refill arithmetic (kernel/thread/schedcontext.c):
 * availability, charging, refills one period after use, overruns paid from the next
 * refill, and the sporadic-server guarantee checked on random runs: in no window of one
 * period does the thread run for more than its budget (plus at most one overrun it
 * makes up for).
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <object/objects.h>
#include <thread/schedcontext.h>

#define BUDGET 250
#define PERIOD 1000

static struct sched_context sc;

static void fresh(uint64_t now)
{
    memset(&sc, 0, sizeof(sc));
    sc_configure(&sc, BUDGET, PERIOD, now);
}

static void available_after_configure(void)
{
    fresh(100);
    CHECK(sc_available(&sc, 100) == BUDGET);
    CHECK(sc_available(&sc, 99) == 0); /* not before the configure time */
}

static void charge_and_refill(void)
{
    fresh(0);
    sc_charge(&sc, 0, 100);
    CHECK(sc_available(&sc, 100) == BUDGET - 100);
    CHECK(sc.consumed == 100);
    sc_charge(&sc, 100, BUDGET - 100);
    CHECK(sc_available(&sc, BUDGET) == 0);
    CHECK(sc_next_release(&sc) == PERIOD); /* the first 100 come back at 0 + period */
    CHECK(sc_available(&sc, PERIOD) == 100);
    CHECK(sc_available(&sc, PERIOD + 100) == BUDGET);
}

static void overrun_paid_from_next_refill(void)
{
    fresh(0);
    sc_charge(&sc, 0, BUDGET); /* all of it */
    CHECK(sc_available(&sc, BUDGET) == 0);
    /* It ran 50 ticks past its budget before the timer fired: the kernel charges it at
     * its next run, from the refill that comes at PERIOD. */
    sc_charge(&sc, PERIOD, 50);
    CHECK(sc_available(&sc, PERIOD) == BUDGET - 50);
}

static void large_overrun_becomes_debt(void)
{
    fresh(0);
    sc_charge(&sc, 0, 3 * BUDGET); /* two budgets too many before the timer fired */
    CHECK(sc.consumed == 3 * BUDGET);
    CHECK(sc_available(&sc, PERIOD) == 0);     /* this period's refill pays the debt */
    CHECK(sc_available(&sc, 2 * PERIOD) == 0); /* and the next one's */
    CHECK(sc_available(&sc, 3 * PERIOD) == BUDGET);
}

static void unconfigured_never_available(void)
{
    memset(&sc, 0, sizeof(sc));
    CHECK(sc_available(&sc, 0) == 0 && sc_available(&sc, 1u << 30) == 0);
    sc_charge(&sc, 0, 10); /* harmless */
    CHECK(sc_available(&sc, 1u << 30) == 0);
}

static void many_small_charges_fold(void)
{
    fresh(0);
    uint64_t now = 0;
    for (int i = 0; i < 100; i++) { /* more than SC_MAX_REFILLS pieces */
        if (sc_available(&sc, now) >= 3) {
            sc_charge(&sc, now, 3);
        }
        now += 7;
    }
    uint64_t total = 0;
    for (unsigned i = 0; i < sc.count; i++) {
        total += sc.refills[(sc.head + i) % SC_MAX_REFILLS].amount;
    }
    CHECK(sc.count <= SC_MAX_REFILLS);
    CHECK(total == BUDGET); /* refills always add up to the budget */
}

/* Random runs: the thread runs whenever budget is available, for a random length up to
 * what is available; in any window of one period it never gets more than the budget. */
static void window_guarantee(void)
{
    enum { STEPS = 20000, HORIZON = 400 };
    static uint64_t used_at[STEPS * 2], used_len[STEPS * 2];
    unsigned n = 0;
    srand(12345);
    fresh(0);
    uint64_t now = 0;
    for (int step = 0; step < STEPS; step++) {
        uint64_t avail = sc_available(&sc, now);
        if (avail > 0) {
            uint64_t run = 1 + (uint64_t)rand() % avail;
            sc_charge(&sc, now, run);
            used_at[n] = now;
            used_len[n++] = run;
            now += run;
        }
        now += (uint64_t)rand() % HORIZON; /* blocked or preempted for a while */
    }
    /* Every window [t, t + PERIOD) starting where a run starts. */
    for (unsigned i = 0; i < n; i++) {
        uint64_t sum = 0;
        for (unsigned j = i; j < n && used_at[j] < used_at[i] + PERIOD; j++) {
            uint64_t end = used_at[j] + used_len[j], lim = used_at[i] + PERIOD;
            sum += (end <= lim ? end : lim) - used_at[j];
        }
        if (sum > BUDGET) {
            char msg[128];
            snprintf(msg, sizeof(msg), "window at %llu got %llu > budget %d",
                     (unsigned long long)used_at[i], (unsigned long long)sum, BUDGET);
            test_fail(__FILE__, __LINE__, msg);
            return;
        }
    }
    CHECK(n > STEPS / 10);
}

static const struct test tests[] = {
    {"schedcontext.available_after_configure", available_after_configure},
    {"schedcontext.charge_and_refill", charge_and_refill},
    {"schedcontext.overrun_paid_from_next_refill", overrun_paid_from_next_refill},
    {"schedcontext.large_overrun_becomes_debt", large_overrun_becomes_debt},
    {"schedcontext.unconfigured_never_available", unconfigured_never_available},
    {"schedcontext.many_small_charges_fold", many_small_charges_fold},
    {"schedcontext.window_guarantee", window_guarantee},
};

int main(void)
{
    objects_init(); /* the runner checks the (empty) object layer after each test */
    return run_tests("host-schedcontext", tests, sizeof(tests) / sizeof(tests[0]));
}
