/*
 * Summary statistics of benchmark samples, shared by the in-kernel benchmarks
 * (kernel/kbench.c) and the benchmark root task (bench/roottask): min, median, max,
 * mean and standard deviation, all integers. Header-only and freestanding: it sorts the
 * samples in place (shell sort: no recursion, no allocation).
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

struct bench_stats {
    uint64_t min, median, max, mean, stddev;
};

static inline void bench_sort(uint64_t *v, size_t n)
{
    for (size_t gap = n / 2; gap > 0; gap /= 2) {
        for (size_t i = gap; i < n; i++) {
            uint64_t x = v[i];
            size_t j = i;
            for (; j >= gap && v[j - gap] > x; j -= gap) {
                v[j] = v[j - gap];
            }
            v[j] = x;
        }
    }
}

static inline uint64_t bench_isqrt(uint64_t x)
{
    uint64_t r = 0;
    for (uint64_t bit = 1ull << 62; bit != 0; bit >>= 2) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
    }
    return r;
}

/* Summarise n > 0 samples (sorting them). */
static inline struct bench_stats bench_summarise(uint64_t *v, size_t n)
{
    bench_sort(v, n);
    uint64_t sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        sum += v[i];
    }
    uint64_t mean = sum / n;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = v[i] > mean ? v[i] - mean : mean - v[i];
        sq += d * d;
    }
    return (struct bench_stats){v[0], v[n / 2], v[n - 1], mean, bench_isqrt(sq / n)};
}

#endif
