/*
 * System calls: the entry from the architecture, and the per-object invocation
 * decoders it reaches. See docs/syscalls.md.
 */
#ifndef BASTION_SYSCALL_SYSCALL_H
#define BASTION_SYSCALL_SYSCALL_H

#include <syscall/invocation.h>

/* Called by the architecture's SYSCALL entry with the current thread's registers
 * saved; leaves through kernel_exit(). */
NORETURN void syscall_handler(void);

/* BST_SYS_CALL on a kernel object. */
void syscall_invoke(struct tcb *caller);

bst_error_t untyped_invoke(struct invocation *inv);
bst_error_t cnode_invoke(struct invocation *inv);
bst_error_t tcb_invoke(struct invocation *inv);

/* The debug system calls (debug builds). Returns false for a number that is not one. */
bool syscall_debug(struct tcb *caller, uint64_t number);

#endif
