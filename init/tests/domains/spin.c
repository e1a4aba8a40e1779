/*
 * spin: runs for ever, noting each stretch of time it runs without a gap (a gap longer
 * than 10 ms means another domain's slot came between). With a 3 x 20 ms schedule, every
 * stretch but the first (which may start mid-slot) must last about 20 ms, and stretches
 * must begin about 60 ms apart. PDs a and b check that over RUNS stretches and report;
 * the finisher, in init's domain, ends the run after FINISH stretches of its own.
 */
#include <libbastion/pd.h>
#include <libbastion/string.h>

#define RUNS   6
#define FINISH 10

static uint64_t cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void init(void)
{
    uint64_t khz = bst_counter_khz(), gap = 10 * khz;
    bool finisher = bst_strcmp(bst_pd_name(), "finisher") == 0;
    unsigned want = finisher ? FINISH : RUNS;
    uint64_t start[FINISH + 1], end[FINISH + 1];
    unsigned n = 0;
    uint64_t last = cycles();
    start[0] = last;
    while (n < want) {
        uint64_t now = cycles();
        if (now - last > gap) { /* we were away: a stretch ended at `last` */
            end[n++] = last;
            start[n] = now;
        }
        last = now;
    }
    if (finisher) {
        bst_printf("finisher: %u slots of domain main seen; ending the run\n", n);
        bst_system_exit(0);
    }
    bool ok = true;
    for (unsigned i = 1; i < n; i++) {
        uint64_t len_us = (end[i] - start[i]) * 1000 / khz;
        uint64_t cycle_us = (start[i] - start[i - 1]) * 1000 / khz;
        if (len_us < 12000 || len_us > 28000 || (i > 1 && (cycle_us < 50000 || cycle_us > 70000))) {
            bst_printf("%s: FAIL: stretch %u ran %lu us, %lu us after the one before\n",
                       bst_pd_name(), i, (unsigned long)len_us, (unsigned long)cycle_us);
            ok = false;
        }
    }
    if (ok)
        bst_printf("%s: ok: ran only in its own 20 ms slot of every 60 ms cycle (%u slots)\n",
                   bst_pd_name(), n - 1);
}
