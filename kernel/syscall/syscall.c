/*
 * The system-call dispatcher.
 */
#include <bastion/syscall.h>
#include <ipc/ipc.h>
#include <syscall/syscall.h>
#include <thread/budget.h>
#include <thread/fault.h>
#include <thread/sched.h>

/* NB_SEND_RECV: a non-blocking send to the cap in the cptr register, then a Recv on the
 * cap in the second cptr register (arch_syscall_recv_cptr), as one system call: the
 * thread is waiting in Recv before anyone can see the message (a passive server tells
 * its manager it is ready this way, so it can lose its scheduling context; the PD
 * runtime folds a deferred signal into its wait so). A failed send ends the call with its
 * error; the Recv does not happen. */
static void nb_send_recv(struct tcb *t, struct cte *send_slot)
{
    struct arch_context *c = &t->arch.ctx;
    uint64_t recv_cptr = arch_syscall_recv_cptr(c);
    ipc_send(t, send_slot, false, false);
    if (t->state != THREAD_RUNNABLE || arch_syscall_error(c) != BST_OK) {
        return;
    }
    struct lookup_result l = tcb_lookup_cap(t, recv_cptr);
    if (l.status != BST_OK) {
        ipc_error(t, l.status, recv_cptr);
        return;
    }
    /* From here on it is a Recv: a thread suspended while it waits re-issues a Recv when
     * resumed, not the send (done) nor the send's result taken for a call number. */
    arch_syscall_set_call(c, BST_SYS_RECV, recv_cptr);
    ipc_recv(t, l.slot, true);
}

/* The IPC system calls, and Call on a kernel object (an invocation). */
static void syscall_ipc(struct tcb *t, uint64_t n)
{
    struct arch_context *c = &t->arch.ctx;
    struct lookup_result l = tcb_lookup_cap(t, arch_syscall_cptr(c));
    if (l.status != BST_OK) {
        ipc_error(t, l.status, arch_syscall_cptr(c));
        return;
    }
    bst_objtype_t type = cap_type(&l.slot->cap);
    bool ipc_object =
        type == BST_OBJ_ENDPOINT || type == BST_OBJ_NOTIFICATION || type == BST_OBJ_REPLY;
    if (n == BST_SYS_CALL && !ipc_object) {
        syscall_invoke(t);
        return;
    }
    if (n == BST_SYS_REPLY_RECV) {
        struct lookup_result r = tcb_lookup_cap(t, arch_syscall_reply_cptr(c));
        if (r.status == BST_OK && cap_type(&r.slot->cap) == BST_OBJ_REPLY) {
            ipc_reply(t, r.slot);
        }
        ipc_recv_with_reply(t, l.slot, r, true);
    } else if (n == BST_SYS_RECV || n == BST_SYS_NB_RECV) {
        ipc_recv(t, l.slot, n != BST_SYS_NB_RECV);
    } else if (n == BST_SYS_NB_SEND_RECV) {
        nb_send_recv(t, l.slot);
    } else {
        ipc_send(t, l.slot, n != BST_SYS_NB_SEND, n == BST_SYS_CALL);
    }
}

void syscall_handler(void)
{
    struct tcb *t = sched_current();
    struct arch_context *c = &t->arch.ctx;
    uint64_t n = arch_syscall_number(c);
    if (budget_overrun()) { /* the timer is late: not on time the context has not got */
        arch_syscall_restart(c);
        kernel_exit();
    }
    switch (n) {
    case BST_SYS_CALL:
    case BST_SYS_SEND:
    case BST_SYS_NB_SEND:
    case BST_SYS_RECV:
    case BST_SYS_NB_RECV:
    case BST_SYS_REPLY_RECV:
    case BST_SYS_NB_SEND_RECV:
        syscall_ipc(t, n);
        break;
    case BST_SYS_YIELD:
        sched_yield();
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
