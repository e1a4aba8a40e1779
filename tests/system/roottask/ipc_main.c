/*
 * The IPC system-test root task (suite system-ipc): runs every test in IPC_TESTS
 * (ipc.h) in order with the shared harness.
 */
#include "ipc.h"

#include <libbastion/start.h>

#define TEST_ENTRY(fn, name) {fn, name},
static const struct test tests[] = {IPC_TESTS(TEST_ENTRY)};

int main(const struct bst_bootinfo *bi)
{
    return harness_run("ipc", bi, tests, sizeof(tests) / sizeof(tests[0]));
}
