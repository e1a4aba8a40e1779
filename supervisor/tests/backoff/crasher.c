/*
 * crasher: the back-off test's child (supervisor/tests/backoff/system.xml). Each time it
 * starts it prints its generation (0 at boot, one more for each re-initialisation) and
 * the time in ms on the cycle counter, the clock the supervisor's policy reads, and then
 * faults.
 */
#include <libbastion/pd.h>
#include <libbastion/supervise.h>

/* Nothing is mapped at 8 (a volatile pointer: the compiler may not reason about it). */
static volatile uint64_t *volatile nowhere = (volatile uint64_t *)8;

void init(void)
{
    bst_printf("crasher: generation %u at %lu ms\n", bst_pd_generation(),
               (unsigned long)bst_supervise_now_ms());
    *nowhere = 1; /* a page fault */
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
