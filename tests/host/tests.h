/* The unit-test tables of the host-caps suite. */
#ifndef BASTION_TESTS_HOST_TESTS_H
#define BASTION_TESTS_HOST_TESTS_H

#include "support.h"

extern const struct test cnode_tests[];
extern const size_t cnode_tests_count;
extern const struct test untyped_tests[];
extern const size_t untyped_tests_count;

#endif
