/*
 * server: a passive PD. Each protected call runs MR0 microseconds of its own running (as
 * the counter sees it, gaps while it does not run excluded) and answers MR0 + 1.
 */
#include <libbastion/pd.h>

static uint64_t cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void init(void)
{
    bst_printf("server: init runs on its own context\n");
}

bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    (void)ch;
    (void)msginfo;
    uint64_t us = bst_mr_get(0), khz = bst_mr_get(1);
    uint64_t want = us * khz / 1000, ran = 0, last = cycles(), gap = want / 30 + 1;
    while (ran < want) {
        uint64_t now = cycles();
        ran += now - last < gap ? now - last : 0;
        last = now;
    }
    bst_mr_set(0, us + 1);
    return bst_msginfo_new(0, 1);
}
