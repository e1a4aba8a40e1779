/*
 * The system-call dispatcher.
 */
#include <bastion/syscall.h>
#include <syscall/syscall.h>
#include <thread/fault.h>
#include <thread/sched.h>

void syscall_handler(void)
{
    struct tcb *t = sched_current();
    struct arch_context *c = &t->arch.ctx;
    uint64_t n = arch_syscall_number(c);
    switch (n) {
    case BST_SYS_CALL:
        syscall_invoke(t);
        break;
    default:
        if (!syscall_debug(t, n)) {
            struct user_fault f = {USER_FAULT_UNKNOWN_SYSCALL, 0, 0, n, c->rip};
            thread_fault(t, &f);
        }
        break;
    }
    kernel_exit();
}
