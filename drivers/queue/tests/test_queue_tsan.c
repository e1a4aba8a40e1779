/* The queue stress tests alone, for ThreadSanitizer (suite queue-host-tsan). */
#include "check.h"

int main(void)
{
    return check_run("queue-tsan", queue_stress_tests, queue_stress_tests_count) == 0 ? 0 : 1;
}
