/*
 * The cross-CPU benchmarks' root task (make bench-smp): smp_bench.c's one test.
 */
#include "smp.h"

#include <libbastion/start.h>

static const struct test tests[] = {{test_smp_bench, "smp.cross_cpu_benchmarks"}};

int main(const struct bst_bootinfo *bi)
{
    return harness_run("smp-bench", bi, tests, 1);
}
