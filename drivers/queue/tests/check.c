/* The runner of check.h. */
#include "check.h"

const char *check_failure;
char check_failure_text[256];

int check_run(const char *suite, const struct queue_test *tests, size_t count)
{
    int failed = 0;
    for (size_t i = 0; i < count; i++) {
        check_failure = NULL;
        tests[i].run();
        if (check_failure == NULL) {
            printf("PASS: %s/%s\n", suite, tests[i].name);
        } else {
            printf("FAIL: %s/%s: %s\n", suite, tests[i].name, check_failure);
            failed++;
        }
        fflush(stdout);
    }
    return failed;
}
