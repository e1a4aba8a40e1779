/*
 * The architecture's part of a thread: user registers and FPU state, and how generic
 * code reads system-call arguments from them (register convention: docs/syscalls.md).
 */
#ifndef ARCH_THREAD_H
#define ARCH_THREAD_H

#include <arch/context.h>
#include <arch/fpu.h>
#include <arch/io.h>
#include <arch/percpu.h>
#include <bastion/tcbregs.h>
#include <bastion/vmattr.h>

struct arch_tcb {
    struct arch_context ctx;
    struct fpu_area fpu;
};

/* Prepare a never-run thread: initial FPU state, RFLAGS with interrupts on. */
void arch_tcb_init(struct arch_tcb *t);

/* Make `next` the thread whose registers the next kernel entry saves, switching FPU
 * state and FS/GS bases (the caller switches the address space). `prev` may be NULL. */
static inline __attribute__((always_inline)) void arch_switch_thread(struct arch_tcb *prev,
                                                                     struct arch_tcb *next)
{
    struct cpu_local *cpu = this_cpu();
    fpu_switch(prev != NULL ? &prev->fpu : NULL, &next->fpu);
    if (next->ctx.fs_base != cpu->fs_base) {
        cpu->fs_base = next->ctx.fs_base;
        wrmsr(MSR_FS_BASE, cpu->fs_base);
    }
    if (next->ctx.gs_base != cpu->gs_base) { /* becomes GS at SWAPGS on the way out */
        cpu->gs_base = next->ctx.gs_base;
        wrmsr(MSR_KERNEL_GS_BASE, cpu->gs_base);
    }
    cpu->current_ctx = &next->ctx;
}

/* Put t's FPU state, which this CPU's registers hold, back in its TCB (the SMP kernel:
 * before another CPU may run it). Its segment bases are in its context already. */
static inline void arch_save_thread(struct arch_tcb *t)
{
    fpu_save(&t->fpu);
}

/* Leave the kernel into the thread whose context this is. */
NORETURN void arch_return_to_user(struct arch_context *ctx);

/* Whether `ip` may be returned to (canonical, in the user half). Inline: every kernel
 * exit asks. */
static inline bool arch_user_ip_valid(uint64_t ip)
{
    return ip < BST_USER_TOP;
}

/* Registers in the ABI order of bastion/tcbregs.h. */
uint64_t arch_tcb_get_reg(const struct arch_tcb *t, unsigned index);
/* Set one; returns false (changing nothing) for a value the register may not hold. */
bool arch_tcb_reg_valid(unsigned index, uint64_t value);
void arch_tcb_set_reg(struct arch_tcb *t, unsigned index, uint64_t value);

/* System-call arguments and results. */
static inline uint64_t arch_syscall_number(const struct arch_context *c)
{
    return c->rax;
}

static inline uint64_t arch_syscall_cptr(const struct arch_context *c)
{
    return c->rdi;
}

static inline uint64_t arch_syscall_msginfo(const struct arch_context *c)
{
    return c->rsi;
}

/* The reply object of Recv and Reply-Recv. */
static inline uint64_t arch_syscall_reply_cptr(const struct arch_context *c)
{
    return c->r12;
}

/* The receive endpoint of NB_SEND_RECV. */
static inline uint64_t arch_syscall_recv_cptr(const struct arch_context *c)
{
    return c->r13;
}

/* The error a system call's result holds (after arch_syscall_set_result()). */
static inline uint64_t arch_syscall_error(const struct arch_context *c)
{
    return c->rax;
}

/* Copy the register message words from one context to another (the fastpath). */
static inline void arch_syscall_copy_mrs(struct arch_context *to, const struct arch_context *from)
{
    to->rdx = from->rdx;
    to->r8 = from->r8;
    to->r9 = from->r9;
    to->r10 = from->r10;
}

static inline uint64_t arch_syscall_get_mr(const struct arch_context *c, unsigned i)
{
    const uint64_t regs[4] = {c->rdx, c->r8, c->r9, c->r10};
    return regs[i];
}

static inline void arch_syscall_set_mr(struct arch_context *c, unsigned i, uint64_t v)
{
    uint64_t *regs[4] = {&c->rdx, &c->r8, &c->r9, &c->r10};
    *regs[i] = v;
}

static inline void arch_syscall_set_result(struct arch_context *c, uint64_t error, uint64_t badge,
                                           uint64_t msginfo)
{
    c->rax = error;
    c->rdi = badge;
    c->rsi = msginfo;
}

/* Rewrite the system call in progress as system call `n` on `cptr`, so that a restart
 * (arch_syscall_restart) issues that one: NB_SEND_RECV, its send done, becomes a Recv. */
static inline void arch_syscall_set_call(struct arch_context *c, uint64_t n, uint64_t cptr)
{
    c->rax = n;
    c->rdi = cptr;
}

/* Make the thread execute its system call again when it next runs (the kernel was
 * preempted in the middle of it). */
static inline void arch_syscall_restart(struct arch_context *c)
{
    c->rip -= 2; /* the SYSCALL instruction is two bytes */
}

/* Copy n words (a message's words between two IPC buffers): one string instruction, so a
 * word costs one instruction's path. Forward, word by word, like a loop (the direction
 * flag is clear in the kernel: SYSCALL masks it, the trap entry clears it). */
static inline void arch_copy_words(uint64_t *dst, const uint64_t *src, size_t n)
{
    __asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

#endif
