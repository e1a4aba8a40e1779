/*
 * The SMP tests (smp.c): run by the SMP kernel's suites system-smp-threads2/4 from their
 * own root task (smp_main.c, with the common harness and environment of roottask.h).
 */
#ifndef ROOTTASK_SMP_H
#define ROOTTASK_SMP_H
#include "roottask.h"

#define SMP_TESTS(X)                                                                               \
    X(test_smp_control_caps, "smp.control_cap_per_cpu")                                            \
    X(test_smp_thread_runs_on_its_cpu, "smp.thread_runs_on_its_contexts_cpu")                      \
    X(test_smp_budget_on_cpu, "smp.limited_context_throttled_on_last_cpu")                         \
    X(test_smp_call_across_cpus, "smp.call_reply_across_cpus")                                     \
    X(test_smp_signal_across_cpus, "smp.signal_wakes_across_cpus")                                 \
    X(test_smp_migration, "smp.migration_both_ways")                                               \
    X(test_smp_no_stale_tlb, "smp.unmap_on_cpu0_faults_reader_elsewhere")                          \
    X(test_smp_irq_on_its_cpu, "smp.irq_taken_on_its_threads_cpu")                                 \
    X(test_smp_stress, "smp.concurrent_stress_then_invariants")
SMP_TESTS(TEST_DECL)
/* The cross-CPU benchmarks (smp_bench.c; root task smp-bench, make bench-smp). */
void test_smp_bench(void);
#endif
