/*
 * The host "architecture" cannot run guests (the arch hooks of vm/vcpu.h and
 * vm/gspace.h; x86_64: kernel/arch/x86_64/svm.c and npt.c): every VCPU, GPT and
 * FRAME_GUEST_MAP invocation stops at arch_virt_available(). The hooks past it are never
 * reached; they abort, so that reaching one is a finding, not a silent success.
 */
#include <vm/gspace.h>
#include <vm/vcpu.h>

#include <stdlib.h>

bool arch_virt_available(void)
{
    return false;
}

void arch_virt_report(void)
{
}

void arch_vcpu_reset(struct vcpu *v)
{
    (void)v;
    abort();
}

bool arch_vcpu_reg_valid(unsigned reg, uint64_t value)
{
    (void)reg;
    (void)value;
    abort();
}

uint64_t arch_vcpu_get_reg(struct vcpu *v, unsigned reg)
{
    (void)v;
    (void)reg;
    abort();
}

void arch_vcpu_set_reg(struct vcpu *v, unsigned reg, uint64_t value)
{
    (void)v;
    (void)reg;
    (void)value;
    abort();
}

void arch_vcpu_advance(struct vcpu *v, uint64_t bytes)
{
    (void)v;
    (void)bytes;
    abort();
}

void arch_vcpu_set_gprs(struct vcpu *v, uint64_t rax, uint64_t rbx, uint64_t rcx, uint64_t rdx)
{
    (void)v;
    (void)rax;
    (void)rbx;
    (void)rcx;
    (void)rdx;
    abort();
}

enum vcpu_outcome arch_vcpu_run(struct vcpu *v, struct tcb *t, const struct vcpu_entry *e,
                                struct bst_vm_exit_msg *msg)
{
    (void)v;
    (void)t;
    (void)e;
    (void)msg;
    abort();
}

static unsigned no_levels(void)
{
    abort();
}

static uint64_t no_rights(uint64_t rights)
{
    (void)rights;
    abort();
}

const struct second_level_format arch_gspace_format = {
    .levels = no_levels,
    .rights = no_rights,
    .covered = BST_FAILED_LOOKUP,
};
