/*
 * The timer tick: counted here; the scheduler will hook in later.
 */
#include <timer.h>

static volatile uint64_t ticks;

void timer_tick(void)
{
    ticks = ticks + 1;
}

uint64_t timer_ticks(void)
{
    return ticks;
}
