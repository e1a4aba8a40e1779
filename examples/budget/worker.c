/*
 * worker (priority 100, unbudgeted): runs only while spinner is out of budget. It works
 * in a loop and watches the cycle counter: a jump in it during which spinner's count
 * moved is a time spinner ran (one budget, or a part of one: the kernel's sporadic
 * refills may split a period's budget). After RUNS of them it reports the share spinner
 * got (the jumps over the time elapsed) and ends the run.
 */
#include <libbastion/pd.h>

#include "counters.h"

#define RUNS 10
#define GAP  100000 /* cycles: a longer jump means someone else ran */

uintptr_t counters; /* patched by the tool: the shared page (setvar_vaddr) */

static uint64_t cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

void init(void)
{
    const struct counters *c = (const struct counters *)counters;
    uint64_t work = 0, spinner_cycles = 0, spins = c->spins;
    bst_printf("worker: running while spinner is out of budget (spinner counted to %lu)\n",
               (unsigned long)spins);
    uint64_t start = cycles(), last = start;
    for (unsigned seen = 0; seen < RUNS; work++) {
        uint64_t now = cycles(), now_spins = c->spins;
        if (now - last > GAP && now_spins != spins) {
            spinner_cycles += now - last;
            seen++;
            bst_printf("worker: spinner ran (%u), its count now %lu, my work %lu\n", seen,
                       (unsigned long)now_spins, (unsigned long)work);
        }
        spins = now_spins;
        last = now;
    }
    unsigned share = (unsigned)(spinner_cycles * 100 / (last - start));
    bool ok = share >= 15 && share <= 40;
    bst_printf("worker: %s: spinner got %u%% of the CPU (budget 25%%), I did %lu units of work\n",
               ok ? "ok" : "FAIL", share, (unsigned long)work);
    bst_system_exit(ok ? 0 : 1);
}
