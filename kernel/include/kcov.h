/*
 * The coverage build's system call (bastion/coverage.h). kernel/config/kcov/kcov.c in a
 * KCOV=1 kernel; kernel/config/debug/kcov_none.c (the number is unknown) otherwise.
 */
#ifndef BASTION_KCOV_H
#define BASTION_KCOV_H

#include <thread/tcb.h>

/* DEBUG_COVERAGE from `caller`: false when this kernel has no coverage (the caller then
 * gets the unknown-system-call fault). */
bool kcov_syscall(struct tcb *caller);

#endif
