/* The host-caps suite: CNode and untyped unit tests. */
#include "tests.h"

int main(void)
{
    int failed = run_tests("cnode", cnode_tests, cnode_tests_count);
    failed |= run_tests("untyped", untyped_tests, untyped_tests_count);
    return failed;
}
