/*
 * A minimal harness for the VMM library's host tests: each test is a function; CHECK
 * records the first failed condition of the running test; RUN prints
 * "PASS: host-vmm/<name>" or "FAIL: host-vmm/<name>: <file:line: condition>".
 */
#ifndef VMM_TESTS_CHECK_H
#define VMM_TESTS_CHECK_H

#include <stdio.h>

extern const char *check_failed; /* the first failed condition of the running test */
extern char check_where[256];
extern int check_failures; /* tests failed so far */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond) && !check_failed) {                                                            \
            snprintf(check_where, sizeof(check_where), "%s:%d: %s", __FILE__, __LINE__, #cond);    \
            check_failed = check_where;                                                            \
        }                                                                                          \
    } while (0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        check_failed = NULL;                                                                       \
        fn();                                                                                      \
        if (check_failed) {                                                                        \
            printf("FAIL: host-vmm/%s: %s\n", #fn, check_failed);                                  \
            check_failures++;                                                                      \
        } else {                                                                                   \
            printf("PASS: host-vmm/%s\n", #fn);                                                    \
        }                                                                                          \
    } while (0)

#endif
