/*
 * The architecture's part of a VCPU's record (vm/vcpu.h) on x86_64 with AMD SVM: the
 * guest's general registers that VMRUN does not load or save (RAX, RSP, RIP and RFLAGS
 * live in the VMCB). Offsets are shared with svm_entry.S.
 */
#ifndef ARCH_VIRT_H
#define ARCH_VIRT_H

#define VGPR_RBX 0
#define VGPR_RCX 8
#define VGPR_RDX 16
#define VGPR_RSI 24
#define VGPR_RDI 32
#define VGPR_RBP 40
#define VGPR_R8  48
#define VGPR_R9  56
#define VGPR_R10 64
#define VGPR_R11 72
#define VGPR_R12 80
#define VGPR_R13 88
#define VGPR_R14 96
#define VGPR_R15 104

#ifndef __ASSEMBLY__
#include <ktypes.h>

struct arch_vcpu {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    /* The ASID this VCPU last ran with, on CPU last_cpu, and that CPU's ASID generation
     * then (svm.c): a VCPU keeps its ASID until the CPU runs out and starts over. */
    uint32_t asid;
    uint64_t asid_generation;
    uint64_t xcr0;  /* the guest's XCR0, loaded around VMRUN when it is not the host's */
    uint64_t dr[4]; /* the guest's DR0-DR3: VMRUN and #VMEXIT keep neither side's */
};

_Static_assert(offsetof(struct arch_vcpu, rbx) == VGPR_RBX, "svm_entry.S layout");
_Static_assert(offsetof(struct arch_vcpu, rbp) == VGPR_RBP, "svm_entry.S layout");
_Static_assert(offsetof(struct arch_vcpu, r15) == VGPR_R15, "svm_entry.S layout");

/* Enter the guest whose VMCB is at `vmcb` (physical) with its registers in `gprs`;
 * `host_area` (physical) takes the host state VMSAVE keeps. Returns after #VMEXIT with
 * the guest's registers in `gprs`, interrupts off, GIF set (svm_entry.S). */
void svm_enter(struct arch_vcpu *gprs, paddr_t vmcb, paddr_t host_area);
#endif

#endif
