/*
 * A minimal test harness for the queue host tests: each test is a function that records
 * failures with CHECK; the runner prints "PASS: queue/<name>" or "FAIL: queue/<name>: why"
 * lines for scripts/run-suite.sh.
 */
#ifndef BASTION_QUEUE_TESTS_CHECK_H
#define BASTION_QUEUE_TESTS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct queue_test {
    const char *name;
    void (*run)(void);
};

/* The first failure of the running test (NULL while it passes). */
extern const char *check_failure;
extern char check_failure_text[256];

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond) && check_failure == NULL) {                                                    \
            snprintf(check_failure_text, sizeof(check_failure_text), "%s:%d: %s", __FILE__,        \
                     __LINE__, #cond);                                                             \
            check_failure = check_failure_text;                                                    \
        }                                                                                          \
    } while (0)

/* Run every test of a table; returns the number that failed. */
int check_run(const char *suite, const struct queue_test *tests, size_t count);

/* The two-thread stress tests (stress.c). */
extern const struct queue_test queue_stress_tests[];
extern const size_t queue_stress_tests_count;

/* The move journal's tests (test_move.c). */
extern const struct queue_test queue_move_tests[];
extern const size_t queue_move_tests_count;

#endif
