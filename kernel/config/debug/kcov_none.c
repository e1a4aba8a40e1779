/*
 * A debug kernel without coverage (KCOV unset): DEBUG_COVERAGE is an unknown system call.
 */
#include <kcov.h>

bool kcov_syscall(struct tcb *caller)
{
    (void)caller;
    return false;
}
