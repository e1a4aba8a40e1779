/*
 * The HPET backend's arithmetic (no device access, host tested: drivers/timer/tests/host).
 *
 * The HPET counts at a fixed rate that it states itself: one tick every `period` fs
 * (femtoseconds), at most HPET_MAX_PERIOD_FS (100 ns) by the specification. These
 * helpers convert between ticks and ns exactly, with 64-bit arithmetic only:
 *
 *   hpet_ticks_to_ns(t, p)       = floor(t * p / 10^6)
 *   hpet_ns_to_ticks_ceil(n, p)  = ceil(n * 10^6 / p)
 *
 * so a comparator set to hpet_ns_to_ticks_ceil(deadline) fires no earlier than the tick
 * at which hpet_ticks_to_ns() reaches the deadline: never early. Neither overflows for
 * any result below 2^64 (584 years of ns).
 *
 * A 32-bit main counter (or a timer compared on 32 bits) wraps; hpet_extend32() makes it
 * 64-bit, provided it is read at least once per wrap (the driver sees to that), and
 * hpet_comparator_reached() tells whether a 32-bit counter has reached a comparator set
 * less than half a wrap ahead.
 */
#ifndef BASTION_TIMER_HPET_TIME_H
#define BASTION_TIMER_HPET_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define HPET_FS_PER_NS     1000000u
#define HPET_MAX_PERIOD_FS 100000000u /* 100 ns: the specification's slowest HPET */

/* floor(ticks * period_fs / 10^6); period_fs in 1 .. HPET_MAX_PERIOD_FS. */
static inline uint64_t hpet_ticks_to_ns(uint64_t ticks, uint32_t period_fs)
{
    return ticks / HPET_FS_PER_NS * period_fs + ticks % HPET_FS_PER_NS * period_fs / HPET_FS_PER_NS;
}

/* ceil(ns * 10^6 / period_fs); period_fs in 1 .. HPET_MAX_PERIOD_FS. */
static inline uint64_t hpet_ns_to_ticks_ceil(uint64_t ns, uint32_t period_fs)
{
    uint64_t whole = ns / period_fs, rest = ns % period_fs;
    return whole * HPET_FS_PER_NS + (rest * HPET_FS_PER_NS + period_fs - 1) / period_fs;
}

/* The 64-bit count for a 32-bit reading `now32` taken after `last` (a 64-bit count from
 * less than one wrap earlier). */
static inline uint64_t hpet_extend32(uint64_t last, uint32_t now32)
{
    uint64_t extended = (last & ~(uint64_t)UINT32_MAX) | now32;
    return now32 < (uint32_t)last ? extended + ((uint64_t)1 << 32) : extended;
}

/* Whether a counter whose low 32 bits read `counter32` has reached a comparator of
 * `comparator32` that was set less than 2^31 ticks ahead of the counter. */
static inline bool hpet_comparator_reached(uint32_t counter32, uint32_t comparator32)
{
    return (uint32_t)(counter32 - comparator32) < (uint32_t)1 << 31;
}

#endif /* BASTION_TIMER_HPET_TIME_H */
