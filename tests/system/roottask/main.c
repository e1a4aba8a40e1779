/*
 * The system-test root task (suite system-roottask): threads, address spaces, faults
 * and invocation errors; runs every test in ROOTTASK_TESTS (roottask.h) in order.
 */
#include "ioport_grant.h"
#include "roottask.h"

#include <libbastion/start.h>

#define TEST_ENTRY(fn, name) {fn, name},
static const struct test tests[] = {ROOTTASK_TESTS(TEST_ENTRY) IOPORT_GRANT_TESTS(TEST_ENTRY)};

int main(const struct bst_bootinfo *bi)
{
    return harness_run("roottask", bi, tests, sizeof(tests) / sizeof(tests[0]));
}
