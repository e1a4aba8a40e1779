/*
 * The in-kernel benchmark runner. See kbench.h.
 */
#include <kbench.h>
#include <kprintf.h>
#include <kstring.h>
#include <machine.h>

extern const struct kbench _kbenches_start[], _kbenches_end[];

static uint64_t samples[KBENCH_SAMPLES];

struct stats {
    uint64_t min, median, max, mean, stddev;
};

static void sort_samples(uint64_t *v, size_t n)
{
    for (size_t gap = n / 2; gap > 0; gap /= 2) { /* shell sort: no recursion, no heap */
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

static uint64_t isqrt(uint64_t x)
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

static struct stats summarise(uint64_t *v, size_t n)
{
    sort_samples(v, n);
    uint64_t sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        sum += v[i];
    }
    uint64_t mean = sum / n;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = v[i] > mean ? v[i] - mean : mean - v[i];
        sq += d * d;
    }
    return (struct stats){v[0], v[n / 2], v[n - 1], mean, isqrt(sq / n)};
}

/* Take the samples of one benchmark, each less `overhead` (never below zero). */
static struct stats measure(uint64_t (*sample)(void), uint64_t overhead)
{
    for (int i = 0; i < KBENCH_WARMUP; i++) {
        sample();
    }
    for (int i = 0; i < KBENCH_SAMPLES; i++) {
        uint64_t c = sample();
        samples[i] = c > overhead ? c - overhead : 0;
    }
    return summarise(samples, KBENCH_SAMPLES);
}

static uint64_t empty_sample(void)
{
    uint64_t t = kbench_start();
    return kbench_stop(t);
}

static void report(const char *name, struct stats s, uint64_t overhead)
{
    kprintf("BENCH %s samples=%d min=%lu median=%lu max=%lu mean=%lu stddev=%lu overhead=%lu\n",
            name, KBENCH_SAMPLES, s.min, s.median, s.max, s.mean, s.stddev, overhead);
}

static bool selected(const char *name, const char *selection)
{
    size_t n = strlen(selection);
    return strcmp(selection, "all") == 0 || strcmp(name, selection) == 0 ||
           (strncmp(name, selection, n) == 0 && name[n] == '.');
}

void kbench_run(const char *selection)
{
    struct stats o = measure(empty_sample, 0);
    uint64_t overhead = o.median;
    kprintf("BENCH-BEGIN %s counter_hz=%lu\n", selection, arch_counter_hz());
    report("measurement.overhead", o, 0);
    for (const struct kbench *b = _kbenches_start; b < _kbenches_end; b++) {
        if (selected(b->name, selection)) {
            report(b->name, measure(b->sample, overhead), overhead);
        }
    }
    kprintf("BENCH-END\n");
    arch_emulator_exit(MACHINE_EXIT_PASS);
    arch_halt();
}
