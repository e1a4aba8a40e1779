/*
 * Host implementations of the architecture's thread hooks (arch/thread.h in this
 * directory), and of the few kernel functions that need a CPU: leaving the kernel
 * returns to the test through longjmp, idling does too.
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

void arch_return_to_user(struct arch_context *ctx)
{
    (void)ctx;
    if (!exit_armed) {
        abort(); /* kernel_exit() outside host_kernel_exit() */
    }
    host_arch_stats.returns++;
    longjmp(exit_env, HOST_EXIT_USER);
}

void arch_wait_for_interrupt(void)
{
    if (!exit_armed) {
        abort();
    }
    host_arch_stats.idles++;
    longjmp(exit_env, HOST_EXIT_IDLE);
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

struct tcb *host_kernel_exit(void)
{
    exit_armed = true;
    int how = setjmp(exit_env);
    if (how == 0) {
        kernel_exit();
    }
    exit_armed = false;
    return how == HOST_EXIT_USER ? sched_current() : NULL;
}
