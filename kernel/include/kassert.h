/*
 * Kernel assertions.
 *
 * kassert() checks an invariant that only a kernel bug can break. In debug builds a
 * failure reports the expression, file, line and function and stops (in the kernel: a
 * panic; on the host: abort(), so that tests and sanitizers see it). In release builds
 * (NDEBUG) the expression is still type-checked but not evaluated. User behaviour must
 * never be able to trigger one: user errors are reported through error codes.
 */
#ifndef BASTION_KASSERT_H
#define BASTION_KASSERT_H

#include "ktypes.h"

NORETURN void kassert_fail(const char *expr, const char *file, int line, const char *func);

#ifdef NDEBUG
#define kassert(e) ((void)sizeof(!(e)))
#else
#define kassert(e) (likely(e) ? (void)0 : kassert_fail(#e, __FILE__, __LINE__, __func__))
#endif

#endif
