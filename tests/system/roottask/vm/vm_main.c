/*
 * The virtualisation test root task (suite system-vm): runs every test in VM_TESTS
 * (vm.h) in order with the shared harness.
 */
#include "vm.h"

#include <libbastion/start.h>

#define TEST_ENTRY(fn, name) {fn, name},
static const struct test tests[] = {VM_TESTS(TEST_ENTRY)};

int main(const struct bst_bootinfo *bi)
{
    return harness_run("vm", bi, tests, sizeof(tests) / sizeof(tests[0]));
}
