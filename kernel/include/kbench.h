/*
 * In-kernel benchmarks, run when the command line says `kbench=<selection>` (a name, a
 * group, or "all"), normally under QEMU with -icount shift=0,align=off so that the
 * cycle counter measures path length and every run gives the same figures.
 *
 * A benchmark is a function that performs the operation once and returns the counter
 * cycles it took, measured with kbench_start()/kbench_stop() around the operation. The
 * runner warms up, takes KBENCH_SAMPLES samples, subtracts the measurement overhead (the
 * median cost of a start/stop pair with nothing between, reported as its own line), and
 * prints one line per benchmark:
 *
 *   BENCH <name> samples=<n> min=<c> median=<c> max=<c> mean=<c> stddev=<c> overhead=<c>
 *
 * then "BENCH-END" and exits the emulator. scripts/bench.sh turns the lines into a table.
 */
#ifndef BASTION_KBENCH_H
#define BASTION_KBENCH_H

#include "ktypes.h"
#include "timer.h"

#define KBENCH_WARMUP  64
#define KBENCH_SAMPLES 1000

struct kbench {
    const char *name;
    uint64_t (*sample)(void);
};

#define KBENCH(group, name)                                                                        \
    static uint64_t kbench_##group##_##name(void);                                                 \
    static const struct kbench kbench_entry_##group##_##name                                       \
        __attribute__((used, section(".kbenches"), aligned(8))) = {#group "." #name,               \
                                                                   kbench_##group##_##name};       \
    static uint64_t kbench_##group##_##name(void)

static inline uint64_t kbench_start(void)
{
    return arch_counter_read_ordered();
}

static inline uint64_t kbench_stop(uint64_t start)
{
    return arch_counter_read_ordered() - start;
}

NORETURN void kbench_run(const char *selection);

#endif
