/*
 * worker (priority 100, unbudgeted): runs only while spinner is out of budget. It works
 * in a loop and watches the cycle counter: a jump in it during which spinner's count
 * moved is a time spinner ran (one budget, or a part of one: the kernel's sporadic
 * refills may split a period's budget). After RUNS of them it reports what it saw and
 * the share spinner got (the jumps over the time elapsed), and ends the run. It prints
 * only at the end, so that printing (slow, under emulation) stays out of the
 * measurement and out of spinner's own first line.
 *
 * The share is wall-clock time, so it reads above 25% when the kernel's timer fires late
 * (an emulator on a loaded host: up to about 40% seen), because the kernel charges a
 * context at most one budget per run. The check is loose on purpose: without budget
 * enforcement worker would not run at all.
 */
#include <libbastion/pd.h>

#include "counters.h"

#define RUNS 20
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
    uint64_t work = 0, spinner_cycles = 0, spins = c->spins, first_spins = spins;
    uint64_t run_spins[RUNS], run_work[RUNS];
    uint64_t start = cycles(), last = start;
    for (unsigned seen = 0; seen < RUNS; work++) {
        uint64_t now = cycles(), now_spins = c->spins;
        if (now - last > GAP && now_spins != spins) {
            spinner_cycles += now - last;
            run_spins[seen] = now_spins;
            run_work[seen] = work;
            seen++;
        }
        spins = now_spins;
        last = now;
    }
    bst_printf("worker: ran while spinner was out of budget (spinner's count was %lu when I "
               "started)\n",
               (unsigned long)first_spins);
    for (unsigned i = 0; i < RUNS; i++)
        bst_printf("worker: spinner ran (%u), its count now %lu, my work %lu\n", i + 1,
                   (unsigned long)run_spins[i], (unsigned long)run_work[i]);
    unsigned share = (unsigned)(spinner_cycles * 100 / (last - start));
    bool ok = share >= 10 && share <= 60;
    bst_printf("worker: %s: spinner got %u%% of the CPU (budget 25%%), I did %lu units of work\n",
               ok ? "ok" : "FAIL", share, (unsigned long)work);
    bst_system_exit(ok ? 0 : 1);
}
