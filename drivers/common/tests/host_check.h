/*
 * The drivers' host unit tests' check macro (serial-host, timer-host): define
 * HOST_CHECK_SUITE (the suite's name, a string) before including. A failed CHECK prints
 * "FAIL: suite/test: why", counts the failure in host_check_failures and returns from
 * the test function; a test that gets through prints its own PASS line.
 */
#ifndef DRIVERS_HOST_CHECK_H
#define DRIVERS_HOST_CHECK_H

#include <stdio.h>

static int host_check_failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL: " HOST_CHECK_SUITE "/%s: ", __func__);                                   \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            host_check_failures++;                                                                 \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#endif
