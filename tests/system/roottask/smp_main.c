/*
 * The SMP tests' root task (suites system-smp-threads2 and system-smp-threads4): the
 * tests of smp.h, on the SMP kernel with two or four CPUs.
 */
#include "smp.h"

#include <libbastion/start.h>

#define TEST_ENTRY(fn, name) {fn, name},
static const struct test tests[] = {SMP_TESTS(TEST_ENTRY)};

int main(const struct bst_bootinfo *bi)
{
    return harness_run("smp", bi, tests, sizeof(tests) / sizeof(tests[0]));
}
