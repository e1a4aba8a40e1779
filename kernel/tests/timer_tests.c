/*
 * The tick arrives at the programmed rate, judged against the measured cycle counter.
 * The tolerance (+-20%) is wide enough for TCG on a loaded host, narrow enough to catch
 * a wrong calibration (a factor of 2, or a divider mistake of 16).
 */
#include <ktest.h>
#include <machine.h>
#include <timer.h>

#define RATE_HZ  100
#define WINDOW_S 2

KTEST(timer, rate)
{
    uint64_t hz = arch_counter_hz();
    arch_timer_start_periodic(RATE_HZ);
    uint64_t start_ticks = timer_ticks(), start = arch_counter_read();
    while (arch_counter_read() - start < WINDOW_S * hz) {
        arch_wait_for_interrupt();
    }
    uint64_t n = timer_ticks() - start_ticks;
    arch_timer_stop();
    uint64_t expected = RATE_HZ * WINDOW_S;
    KTEST_CHECK(n * 10 >= expected * 8 && n * 10 <= expected * 12,
                "%lu ticks in %u s at %u Hz, expected %lu +- 20%%", n, WINDOW_S, RATE_HZ, expected);
}
