/*
 * x86_64 thread state: registers, FPU, FS/GS bases. See arch/thread.h.
 */
#include <arch/io.h>
#include <arch/percpu.h>
#include <arch/thread.h>
#include <bastion/vmattr.h>

void arch_tcb_init(struct arch_tcb *t)
{
    t->ctx.rflags = USER_RFLAGS_FORCED;
    t->ctx.restore_all = CTX_RESTORE_ALL_SET;
    fpu_area_init(&t->fpu);
}

static uint64_t *reg_slot(struct arch_context *c, unsigned index)
{
    uint64_t *const slots[BST_TCB_REGISTER_COUNT] = {
        &c->rip, &c->rsp, &c->rflags, &c->rax, &c->rbx,     &c->rcx,     &c->rdx,
        &c->rsi, &c->rdi, &c->rbp,    &c->r8,  &c->r9,      &c->r10,     &c->r11,
        &c->r12, &c->r13, &c->r14,    &c->r15, &c->fs_base, &c->gs_base,
    };
    return slots[index];
}

/* After a SYSCALL entry (restore_all == 0) RCX and R11 hold the return RIP and RFLAGS:
 * the entry does not store them twice. */
uint64_t arch_tcb_get_reg(const struct arch_tcb *t, unsigned index)
{
    if (t->ctx.restore_all == 0 && (index == 5 || index == 13)) { /* rcx, r11 */
        return index == 5 ? t->ctx.rip : t->ctx.rflags;
    }
    return *reg_slot((struct arch_context *)&t->ctx, index);
}

/* RIP and the segment bases must be canonical user addresses: a non-canonical RIP
 * would fault on the way out of the kernel, a base would fault at WRMSR. */
bool arch_tcb_reg_valid(unsigned index, uint64_t value)
{
    switch (index) {
    case 0:  /* rip */
    case 18: /* fs_base */
    case 19: /* gs_base */
        return value < BST_USER_TOP;
    default:
        return index < BST_TCB_REGISTER_COUNT;
    }
}

void arch_tcb_set_reg(struct arch_tcb *t, unsigned index, uint64_t value)
{
    if (index == 2) { /* rflags: only what user code may hold */
        value = (value & USER_RFLAGS_MASK) | USER_RFLAGS_FORCED;
    }
    if (t->ctx.restore_all == 0) { /* from now on rcx and r11 are registers of their own */
        t->ctx.rcx = t->ctx.rip;
        t->ctx.r11 = t->ctx.rflags;
    }
    *reg_slot(&t->ctx, index) = value;
    t->ctx.restore_all = CTX_RESTORE_ALL_SET;
    struct cpu_local *cpu = this_cpu();
    if (cpu->current_ctx == &t->ctx) { /* the bases live in MSRs while it runs */
        cpu->fs_base = t->ctx.fs_base;
        cpu->gs_base = t->ctx.gs_base;
        wrmsr(MSR_FS_BASE, cpu->fs_base);
        wrmsr(MSR_KERNEL_GS_BASE, cpu->gs_base);
    }
}
