/*
 * Host implementations of the architecture's thread hooks (arch/thread.h in this
 * directory), and of the few kernel functions that need a CPU: leaving the kernel
 * returns to the test through longjmp, idling and halting do too.
 */
#include <arch/thread.h>
#include <machine.h>
#include <thread/sched.h>

#include <setjmp.h>
#include <stdlib.h>

struct host_arch_stats host_arch_stats;

static jmp_buf exit_env;
static bool exit_armed;

void arch_tcb_init(struct arch_tcb *t)
{
    t->ctx.reg[HOST_REG_RFLAGS] = 0x202; /* as x86_64: interrupts on */
}

void arch_switch_thread(struct arch_tcb *prev, struct arch_tcb *next)
{
    (void)prev;
    next->switched_in++;
    host_arch_stats.switches++;
}

void host_kernel_leave(enum host_exit how)
{
    if (!exit_armed) {
        abort(); /* the kernel left outside host_kernel_run() */
    }
    longjmp(exit_env, (int)how);
}

void arch_return_to_user(struct arch_context *ctx)
{
    (void)ctx;
    host_arch_stats.returns++;
    host_kernel_leave(HOST_EXIT_USER);
}

void arch_wait_for_interrupt(void)
{
    host_arch_stats.idles++;
    host_kernel_leave(HOST_EXIT_IDLE);
}

bool arch_user_ip_valid(uint64_t ip)
{
    return ip < UINT64_C(0x0000800000000000); /* the user half, as x86_64 */
}

uint64_t arch_tcb_get_reg(const struct arch_tcb *t, unsigned index)
{
    return index < BST_TCB_REGISTER_COUNT ? t->ctx.reg[index] : 0;
}

bool arch_tcb_reg_valid(unsigned index, uint64_t value)
{
    return index != HOST_REG_RIP || arch_user_ip_valid(value);
}

void arch_tcb_set_reg(struct arch_tcb *t, unsigned index, uint64_t value)
{
    if (index < BST_TCB_REGISTER_COUNT) {
        t->ctx.reg[index] = value;
    }
}

enum host_exit host_kernel_run(void (*entry)(void))
{
    if (exit_armed) {
        abort(); /* entries do not nest */
    }
    exit_armed = true;
    int how = setjmp(exit_env);
    if (how == 0) {
        entry();
        abort(); /* a kernel entry never returns */
    }
    exit_armed = false;
    return (enum host_exit)how;
}

struct tcb *host_kernel_exit(void)
{
    return host_kernel_run(kernel_exit) == HOST_EXIT_USER ? sched_current() : NULL;
}
