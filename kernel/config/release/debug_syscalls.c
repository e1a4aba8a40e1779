/*
 * Release configuration: no debug system calls. Their numbers are unknown system calls
 * (a fault to the caller's handler), exactly like any other unknown number.
 */
#include <syscall/syscall.h>

bool syscall_debug(struct tcb *caller, uint64_t number)
{
    (void)caller;
    (void)number;
    return false;
}
