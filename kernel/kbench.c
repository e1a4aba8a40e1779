/*
 * The in-kernel benchmark runner. See kbench.h.
 */
#include <bench/stats.h>
#include <kbench.h>
#include <kprintf.h>
#include <kstring.h>
#include <machine.h>

extern const struct kbench _kbenches_start[], _kbenches_end[];

static uint64_t samples[KBENCH_SAMPLES];

/* Take the samples of one benchmark, each less `overhead` (never below zero). */
static struct bench_stats measure(uint64_t (*sample)(void), uint64_t overhead)
{
    for (int i = 0; i < KBENCH_WARMUP; i++) {
        sample();
    }
    for (int i = 0; i < KBENCH_SAMPLES; i++) {
        uint64_t c = sample();
        samples[i] = c > overhead ? c - overhead : 0;
    }
    return bench_summarise(samples, KBENCH_SAMPLES);
}

static uint64_t empty_sample(void)
{
    uint64_t t = kbench_start();
    return kbench_stop(t);
}

static void report(const char *name, struct bench_stats s, uint64_t overhead)
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
    struct bench_stats o = measure(empty_sample, 0);
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
