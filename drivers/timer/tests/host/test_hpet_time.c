/*
 * Host tests of the HPET backend's arithmetic (drivers/timer/driver/hpet_time.h), under
 * ASan and UBSan (suite timer-host); prints PASS/FAIL lines. The conversions are checked
 * against 128-bit arithmetic for HPET periods from 1 fs to the specification's 100 ns
 * (QEMU's 10 ns and the PC's 14.31818 MHz among them): exact floor and ceiling, and a
 * deadline converted to ticks is never reached early. The 32-bit extension is checked
 * across wraps, and the comparator test on both sides of the comparator and of a wrap.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hpet_time.h"

#define HOST_CHECK_SUITE "timer-host"
#include "host_check.h"

static const uint32_t periods[] = {1, 10000000, 69841279, 100000000, 41666667, 999999, 1000000};

static uint64_t state = 0x9e3779b97f4a7c15u;

static uint64_t random64(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* A value of a random magnitude, so small and large ones are both common. */
static uint64_t random_magnitude(void)
{
    unsigned bits = (unsigned)(random64() % 64) + 1;
    return bits == 64 ? random64() : random64() & (((uint64_t)1 << bits) - 1);
}

static void conversions_exact(void)
{
    for (unsigned p = 0; p < sizeof(periods) / sizeof(periods[0]); p++) {
        uint32_t period = periods[p];
        for (unsigned i = 0; i < 200000; i++) {
            uint64_t value = random_magnitude();
            unsigned __int128 ns = (unsigned __int128)value * period / HPET_FS_PER_NS;
            if (ns <= UINT64_MAX)
                CHECK(hpet_ticks_to_ns(value, period) == (uint64_t)ns, "ticks_to_ns(%llu, %u)",
                      (unsigned long long)value, period);
            unsigned __int128 ticks =
                ((unsigned __int128)value * HPET_FS_PER_NS + period - 1) / period;
            if (ticks <= UINT64_MAX)
                CHECK(hpet_ns_to_ticks_ceil(value, period) == (uint64_t)ticks,
                      "ns_to_ticks_ceil(%llu, %u)", (unsigned long long)value, period);
        }
    }
    printf("PASS: timer-host/conversions_exact\n");
}

/* The comparator for a deadline is never reached before the clock shows the deadline,
 * and one tick earlier would be. */
static void deadline_never_early(void)
{
    for (unsigned p = 0; p < sizeof(periods) / sizeof(periods[0]); p++) {
        uint32_t period = periods[p];
        for (unsigned i = 0; i < 200000; i++) {
            uint64_t deadline = random_magnitude() >> 8;
            if ((unsigned __int128)deadline * HPET_FS_PER_NS / period >= UINT64_MAX / 2)
                continue; /* no tick count that large */
            uint64_t ticks = hpet_ns_to_ticks_ceil(deadline, period);
            CHECK(hpet_ticks_to_ns(ticks, period) >= deadline, "deadline %llu early at %u fs",
                  (unsigned long long)deadline, period);
            CHECK(ticks == 0 || hpet_ticks_to_ns(ticks - 1, period) < deadline,
                  "deadline %llu at %u fs: a tick later than needed", (unsigned long long)deadline,
                  period);
        }
    }
    printf("PASS: timer-host/deadline_never_early\n");
}

static void extend32_across_wraps(void)
{
    uint64_t count = 0xfffff000u, last = count;
    for (unsigned i = 0; i < 1000000; i++) {
        count += random64() % ((uint64_t)1 << 31); /* less than a wrap between readings */
        last = hpet_extend32(last, (uint32_t)count);
        CHECK(last == count, "extended %llu, counter %llu", (unsigned long long)last,
              (unsigned long long)count);
    }
    CHECK(hpet_extend32(0x1ffffffffu, 0) == 0x200000000u, "exact wrap");
    CHECK(hpet_extend32(0x100000005u, 5) == 0x100000005u, "no movement");
    printf("PASS: timer-host/extend32_across_wraps\n");
}

static void comparator_reached(void)
{
    static const uint32_t comparators[] = {0,           1,           0x7fffffffu, 0x80000000u,
                                           0xfffffffeu, 0xffffffffu, 12345};
    for (unsigned i = 0; i < sizeof(comparators) / sizeof(comparators[0]); i++) {
        uint32_t c = comparators[i];
        CHECK(hpet_comparator_reached(c, c), "at %u", c);
        CHECK(!hpet_comparator_reached(c - 1, c), "one before %u", c);
        CHECK(hpet_comparator_reached(c + 1, c), "one after %u", c);
        CHECK(!hpet_comparator_reached(c - (1u << 30), c), "a quarter wrap before %u", c);
        CHECK(hpet_comparator_reached(c + (1u << 30), c), "a quarter wrap after %u", c);
    }
    printf("PASS: timer-host/comparator_reached\n");
}

int main(void)
{
    conversions_exact();
    deadline_never_early();
    extend32_across_wraps();
    comparator_reached();
    return host_check_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
