/*
 * Hardware virtualisation: the ABI of virtual CPUs and guest-physical address spaces
 * (docs/virtualisation.md).
 *
 * Objects (objtype.h): a VCPU (one virtual processor's state: AMD's VMCB, or Intel's
 * VMCS, plus the guest's registers and FPU state), a GSPACE (the top-level table of a
 * guest-physical address space: AMD nested paging or Intel EPT) and GPTs (any table
 * below a GSPACE). Frames are mapped into a GSPACE at a guest-physical address with
 * FRAME_GUEST_MAP and taken out by FRAME_UNMAP or by deleting the frame cap.
 *
 * A VCPU is bound (VCPU_BIND) to one TCB, the only thread that may run it, and to one
 * GSPACE. That thread enters the guest with VCPU_RUN on the VCPU cap; the call returns
 * when the guest exits to the VMM, with the exit message below in the message registers
 * (MR0-MR3 in registers, the rest in the caller's IPC buffer, which VCPU_RUN needs). Host
 * interrupts never end the call: they leave the guest, are handled like any interrupt
 * (the thread may be preempted, run out of budget, be suspended) and the call goes on
 * where it was when the thread runs again. A signal to the thread's bound notification
 * does end it (BST_VM_EXIT_SIGNAL), so that a VMM learns of its devices' events.
 *
 * Everything here is arch-neutral: exit reasons, register numbers, the event encoding.
 * The raw hardware exit code and qualifications travel too, for what the neutral words
 * do not say.
 */
#ifndef BASTION_ABI_VCPU_H
#define BASTION_ABI_VCPU_H

#include <stdint.h>

/* Guest-physical addresses are [0, BST_GUEST_PHYS_TOP): four levels of nested tables. */
#define BST_GUEST_PHYS_TOP 0x0001000000000000ull

/* FRAME_GUEST_MAP's MR2: what the guest may do with the frame (masked by the frame
 * cap's rights: READ for BST_GUEST_MAP_READ/EXECUTE, WRITE for BST_GUEST_MAP_WRITE). */
#define BST_GUEST_MAP_READ    0x1u
#define BST_GUEST_MAP_WRITE   0x2u
#define BST_GUEST_MAP_EXECUTE 0x4u
#define BST_GUEST_MAP_MASK    0x7u

/*
 * Why the guest stopped (VCPU_RUN's MR0). X(NAME, value). Values are ABI.
 *   IO              IN/OUT/INS/OUTS: MR6 the access (BST_VM_IO_*), MR7 0
 *   CPUID           MR6 leaf (guest EAX), MR7 subleaf (guest ECX)
 *   MSR_READ        RDMSR: MR6 the MSR (guest ECX)
 *   MSR_WRITE       WRMSR: MR6 the MSR, MR7 the value (guest EDX:EAX)
 *   HLT             the guest halted
 *   HYPERCALL       VMMCALL (AMD) / VMCALL (Intel)
 *   NESTED_FAULT    a guest-physical access the GSPACE does not allow: MR6 the address,
 *                   MR7 the access (BST_VM_NF_*)
 *   SHUTDOWN        the guest triple-faulted (or otherwise shut down); its state is as
 *                   it was; run it again only after resetting it
 *   VIRT_INSTRUCTION the guest used a virtualisation instruction (VMRUN, VMLOAD,
 *                   VMSAVE, STGI, CLGI, SKINIT, INVLPGA; Intel's VMX instructions)
 *   EXCEPTION       an intercepted exception (#DB, #AC: they could otherwise hold the
 *                   CPU in a loop of deliveries): MR6 vector, MR7 error code; the VMM
 *                   reinjects it (VCPU_INJECT) or not
 *   INTERRUPT_WINDOW the guest can take an external interrupt now (asked for with
 *                   BST_VCPU_RUN_WINDOW)
 *   INVALID_STATE   the hardware refused the guest state (AMD VMEXIT_INVALID, Intel
 *                   VM-entry failure); nothing ran; fix the registers
 *   XSETBV          MR6 the register (guest ECX), MR7 the value (guest EDX:EAX)
 *   SIGNAL          the thread's bound notification was signalled: MR6 its word (taken,
 *                   as a Wait would); the guest did not exit, MR1 is where it stands
 *   OTHER           another intercepted event: see MR3-MR5
 */
#define BST_VM_EXIT_TABLE(X)                                                                       \
    X(IO, 1)                                                                                       \
    X(CPUID, 2)                                                                                    \
    X(MSR_READ, 3)                                                                                 \
    X(MSR_WRITE, 4)                                                                                \
    X(HLT, 5)                                                                                      \
    X(HYPERCALL, 6)                                                                                \
    X(NESTED_FAULT, 7)                                                                             \
    X(SHUTDOWN, 8)                                                                                 \
    X(VIRT_INSTRUCTION, 9)                                                                         \
    X(EXCEPTION, 10)                                                                               \
    X(INTERRUPT_WINDOW, 11)                                                                        \
    X(INVALID_STATE, 12)                                                                           \
    X(XSETBV, 13)                                                                                  \
    X(SIGNAL, 14)                                                                                  \
    X(OTHER, 15)

typedef enum bst_vm_exit {
#define BST_VM_EXIT_ENUM_ENTRY(name, value) BST_VM_EXIT_##name = value,
    BST_VM_EXIT_TABLE(BST_VM_EXIT_ENUM_ENTRY)
#undef BST_VM_EXIT_ENUM_ENTRY
} bst_vm_exit_t;

/* The reason's name without the prefix ("NESTED_FAULT"); "?" for a non-reason. */
static inline const char *bst_vm_exit_name(bst_vm_exit_t r)
{
    switch (r) {
#define BST_VM_EXIT_NAME_CASE(name, value)                                                         \
    case BST_VM_EXIT_##name:                                                                       \
        return #name;
        BST_VM_EXIT_TABLE(BST_VM_EXIT_NAME_CASE)
#undef BST_VM_EXIT_NAME_CASE
    }
    return "?";
}

/*
 * The exit message: VCPU_RUN's reply words, in this order (index = MR number).
 *   reason     bst_vm_exit_t
 *   rip        the guest's RIP: of the instruction that exited (it has not run)
 *   insn_len   that instruction's length in bytes; 0 where it is not known or the exit
 *              is not an instruction's (BST_VCPU_RUN_ADVANCE skips it)
 *   arch_code  the hardware's exit code (AMD: EXITCODE; Intel: basic exit reason)
 *   arch_qual1 AMD: EXITINFO1; Intel: exit qualification
 *   arch_qual2 AMD: EXITINFO2; Intel: guest-physical address
 *   info0, info1  the reason's words (above)
 *   rax, rbx, rcx, rdx  the guest's (what CPUID, MSR and I/O emulation need)
 *   flags      BST_VM_STATE_*: the guest's interruptibility and pending event
 */
#define BST_VM_EXIT_MSG_TABLE(X)                                                                   \
    X(reason, 0)                                                                                   \
    X(rip, 1)                                                                                      \
    X(insn_len, 2)                                                                                 \
    X(arch_code, 3)                                                                                \
    X(arch_qual1, 4)                                                                               \
    X(arch_qual2, 5)                                                                               \
    X(info0, 6)                                                                                    \
    X(info1, 7)                                                                                    \
    X(rax, 8)                                                                                      \
    X(rbx, 9)                                                                                      \
    X(rcx, 10)                                                                                     \
    X(rdx, 11)                                                                                     \
    X(flags, 12)

#define BST_VM_EXIT_MSG_LENGTH 13

struct bst_vm_exit_msg {
#define BST_VM_EXIT_MSG_FIELD(name, index) uint64_t name;
    BST_VM_EXIT_MSG_TABLE(BST_VM_EXIT_MSG_FIELD)
#undef BST_VM_EXIT_MSG_FIELD
};
_Static_assert(sizeof(struct bst_vm_exit_msg) == BST_VM_EXIT_MSG_LENGTH * 8, "exit message");

/* Exit message flags. PENDING: an event waits to be injected at the next entry (one
 * the exit interrupted, or VCPU_INJECT's). */
#define BST_VM_STATE_IF      0x1u /* guest RFLAGS.IF is set */
#define BST_VM_STATE_SHADOW  0x2u /* an interrupt shadow (after STI, MOV SS) holds */
#define BST_VM_STATE_PENDING 0x4u

/* IO exits' info0: port in bits 0-15, size in bytes (1, 2, 4) in bits 16-18, and: */
#define BST_VM_IO_IN         (1ull << 24) /* IN/INS (else OUT/OUTS: the value is in rax) */
#define BST_VM_IO_STRING     (1ull << 25) /* INS/OUTS */
#define BST_VM_IO_REP        (1ull << 26) /* with a REP prefix */
#define BST_VM_IO_PORT(info) ((uint16_t)((info)&0xffff))
#define BST_VM_IO_SIZE(info) ((unsigned)(((info) >> 16) & 7))

/* NESTED_FAULT exits' info1. */
#define BST_VM_NF_READ    0x1u
#define BST_VM_NF_WRITE   0x2u
#define BST_VM_NF_EXECUTE 0x4u
#define BST_VM_NF_PRESENT 0x8u /* something is mapped there, without the right asked for */

/* VCPU_RUN's MR0 flags. The rest of its message:
 *   MR1-MR4  with BST_VCPU_RUN_SET_GPRS, the guest's new rax, rbx, rcx, rdx
 * Both are applied before the guest runs, so that one call finishes emulating the
 * instruction of the last exit and resumes the guest. */
#define BST_VCPU_RUN_ADVANCE  0x1u /* rip += the last exit's insn_len */
#define BST_VCPU_RUN_SET_GPRS 0x2u /* MR1-MR4 to rax, rbx, rcx, rdx */
#define BST_VCPU_RUN_WINDOW   0x4u /* exit (INTERRUPT_WINDOW) once it can take an interrupt */
#define BST_VCPU_RUN_FLAGS    0x7u

/*
 * VCPU_INJECT's MR0: an event delivered to the guest at the next entry, as the
 * hardware would deliver it (through the guest's IDT). MR1 the error code, where
 * BST_VCPU_EVENT_ERROR_CODE is set. The encoding is both vendors'.
 */
#define BST_VCPU_EVENT_VECTOR(v)  ((uint64_t)((v)&0xff))
#define BST_VCPU_EVENT_EXTINT     (0ull << 8) /* external interrupt (IF must allow it) */
#define BST_VCPU_EVENT_NMI        (2ull << 8)
#define BST_VCPU_EVENT_EXCEPTION  (3ull << 8)
#define BST_VCPU_EVENT_SOFTINT    (4ull << 8)
#define BST_VCPU_EVENT_TYPE_MASK  (7ull << 8)
#define BST_VCPU_EVENT_ERROR_CODE (1ull << 11)
#define BST_VCPU_EVENT_VALID_MASK 0xfffull

/*
 * Guest registers, as VCPU_READ_REGS / VCPU_WRITE_REGS number them. X(name, index).
 * Segment attributes are in the descriptor's layout: bits 0-7 type, S, DPL, P; bits
 * 12-15 AVL, L, D/B, G (Intel's access rights; the kernel converts for AMD).
 * interrupt_shadow: 1 while an interrupt shadow holds. tsc_offset: added to the
 * host's TSC for the guest's RDTSC. xcr0: the guest's XCR0 (x87 at reset; what an
 * XSETBV exit asks for, once the VMM allows it): bit 0 set, AVX only with SSE, and no
 * component the host does not use (read XCR0 on the host's side: CPUID leaf 0xd).
 */
#define BST_VCPU_SEG_REGS(X, seg, base)                                                            \
    X(seg##_sel, base) X(seg##_base, base + 1) X(seg##_limit, base + 2) X(seg##_attr, base + 3)

#define BST_VCPU_REGS_TABLE(X)                                                                     \
    X(rax, 0)                                                                                      \
    X(rbx, 1)                                                                                      \
    X(rcx, 2)                                                                                      \
    X(rdx, 3)                                                                                      \
    X(rsi, 4)                                                                                      \
    X(rdi, 5)                                                                                      \
    X(rbp, 6)                                                                                      \
    X(rsp, 7)                                                                                      \
    X(r8, 8)                                                                                       \
    X(r9, 9)                                                                                       \
    X(r10, 10)                                                                                     \
    X(r11, 11)                                                                                     \
    X(r12, 12)                                                                                     \
    X(r13, 13)                                                                                     \
    X(r14, 14)                                                                                     \
    X(r15, 15)                                                                                     \
    X(rip, 16)                                                                                     \
    X(rflags, 17)                                                                                  \
    X(cr0, 18)                                                                                     \
    X(cr2, 19)                                                                                     \
    X(cr3, 20)                                                                                     \
    X(cr4, 21)                                                                                     \
    X(efer, 22)                                                                                    \
    X(dr6, 23)                                                                                     \
    X(dr7, 24)                                                                                     \
    BST_VCPU_SEG_REGS(X, es, 25)                                                                   \
    BST_VCPU_SEG_REGS(X, cs, 29)                                                                   \
    BST_VCPU_SEG_REGS(X, ss, 33)                                                                   \
    BST_VCPU_SEG_REGS(X, ds, 37)                                                                   \
    BST_VCPU_SEG_REGS(X, fs, 41)                                                                   \
    BST_VCPU_SEG_REGS(X, gs, 45)                                                                   \
    BST_VCPU_SEG_REGS(X, ldtr, 49)                                                                 \
    BST_VCPU_SEG_REGS(X, tr, 53)                                                                   \
    X(gdtr_base, 57)                                                                               \
    X(gdtr_limit, 58)                                                                              \
    X(idtr_base, 59)                                                                               \
    X(idtr_limit, 60)                                                                              \
    X(pat, 61)                                                                                     \
    X(star, 62)                                                                                    \
    X(lstar, 63)                                                                                   \
    X(cstar, 64)                                                                                   \
    X(sfmask, 65)                                                                                  \
    X(kernel_gs_base, 66)                                                                          \
    X(sysenter_cs, 67)                                                                             \
    X(sysenter_esp, 68)                                                                            \
    X(sysenter_eip, 69)                                                                            \
    X(interrupt_shadow, 70)                                                                        \
    X(tsc_offset, 71)                                                                              \
    X(xcr0, 72)

#define BST_VCPU_REG_COUNT 73

enum bst_vcpu_reg {
#define BST_VCPU_REG_ENUM_ENTRY(name, index) BST_VCPU_REG_##name = index,
    BST_VCPU_REGS_TABLE(BST_VCPU_REG_ENUM_ENTRY)
#undef BST_VCPU_REG_ENUM_ENTRY
};

#define BST_VCPU_REG_COUNT_ENTRY(name, index) +1
_Static_assert(0 BST_VCPU_REGS_TABLE(BST_VCPU_REG_COUNT_ENTRY) == BST_VCPU_REG_COUNT,
               "BST_VCPU_REG_COUNT must match the table");
#undef BST_VCPU_REG_COUNT_ENTRY
_Static_assert(BST_VCPU_REG_xcr0 == BST_VCPU_REG_COUNT - 1, "register numbers are dense");

/* Most registers one VCPU_READ_REGS / VCPU_WRITE_REGS call moves. */
#define BST_VCPU_REGS_PER_CALL 32

#endif
