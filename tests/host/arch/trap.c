/*
 * The host "architecture"'s kernel entries (host_arch.h): what
 * kernel/arch/x86_64/syscall.S and trap.c do on a CPU, minus saving registers (a host
 * thread's registers live in its TCB all along).
 */
#include <bastion/syscall.h>
#include <ipc/fastpath.h>
#include <irq/irq.h>
#include <syscall/syscall.h>
#include <thread/budget.h>
#include <thread/sched.h>
#include <timer.h>

#include "host_arch.h"

#include <stdlib.h>

static struct user_fault pending_fault;
static unsigned pending_line;

/* The SYSCALL entry after the (assembly-only) fastpath: the C fastpath for the calls
 * it serves, then the dispatcher. */
static void syscall_entry(void)
{
    struct tcb *t = sched_current();
    if (!fastpath_off) {
        switch (arch_syscall_number(&t->arch.ctx)) {
        case BST_SYS_CALL:
            fastpath_call(t);
            break;
        case BST_SYS_REPLY_RECV:
            fastpath_reply_recv(t);
            break;
        case BST_SYS_SEND:
        case BST_SYS_NB_SEND:
            fastpath_send(t);
            break;
        case BST_SYS_YIELD:
            fastpath_yield(t);
            break;
        default:
            break;
        }
    }
    syscall_handler();
}

enum host_exit host_syscall(void)
{
    struct tcb *t = sched_current();
    if (t == NULL) {
        abort();
    }
    t->arch.ctx.rip += 2; /* past the SYSCALL instruction, as the CPU saves it */
    return host_kernel_run(syscall_entry);
}

static void fault_entry(void)
{
    thread_fault(sched_current(), &pending_fault);
    kernel_exit();
}

enum host_exit host_user_fault(enum user_fault_kind kind, uint64_t address, uint64_t code)
{
    struct tcb *t = sched_current();
    if (t == NULL) {
        abort();
    }
    pending_fault = (struct user_fault){kind, 0, address, code, t->arch.ctx.rip};
    return host_kernel_run(fault_entry);
}

/* Interrupts: as trap.c's handle_interrupt(), then the exit (from user mode, or the
 * idle loop going round again). */
static void timer_entry(void)
{
    timer_tick();
    sched_timer_event();
    kernel_exit();
}

enum host_exit host_timer_interrupt(void)
{
    return host_kernel_run(timer_entry);
}

static void irq_entry(void)
{
    arch_irq_mask(pending_line); /* until its handler acknowledges it */
    irq_raised(pending_line);
    kernel_exit();
}

enum host_exit host_irq(unsigned line)
{
    if (line >= IRQ_LINES || (!irq_line_is_msi(line) && host_irq_masked(line))) {
        return HOST_EXIT_NONE;
    }
    pending_line = line;
    return host_kernel_run(irq_entry);
}
