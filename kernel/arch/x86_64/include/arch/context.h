/*
 * A thread's user-mode register state on x86_64, as the kernel keeps it in the TCB.
 *
 * Every kernel entry from user mode saves the user registers here (entry.S for
 * interrupts and exceptions, syscall.S for SYSCALL) and every exit restores them from
 * the thread chosen to run. Offsets are shared with the assembly (CTX_* below) and
 * pinned by the asserts.
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#define CTX_RAX             0
#define CTX_RBX             8
#define CTX_RCX             16
#define CTX_RDX             24
#define CTX_RSI             32
#define CTX_RDI             40
#define CTX_RBP             48
#define CTX_R8              56
#define CTX_R9              64
#define CTX_R10             72
#define CTX_R11             80
#define CTX_R12             88
#define CTX_R13             96
#define CTX_R14             104
#define CTX_R15             112
#define CTX_RIP             120
#define CTX_RSP             128
#define CTX_RFLAGS          136
#define CTX_FS_BASE         144
#define CTX_GS_BASE         152
#define CTX_RESTORE_ALL     160
/* restore_all's "yes" (any non-zero value would do; bit 63 reads well in a dump). A
 * context with restore_all 0 was saved by SYSCALL, so its RIP is a user address: no
 * page at or above BST_USER_MAP_TOP is ever mapped (the fastpath relies on it). */
#define CTX_RESTORE_ALL_SET (1ull << 63)
#define CTX_SIZE            168

/* The per-CPU block GS points at in the kernel (percpu.h). */
#define CPU_KERNEL_RSP  0
#define CPU_USER_RSP    8
#define CPU_CURRENT_CTX 16

/* User RFLAGS: what a register write may set (CF PF AF ZF SF DF OF AC ID), and what the
 * kernel forces on (IF and the always-one bit 1). TF, IOPL, NT, RF, VM, VIF, VIP: never. */
#define USER_RFLAGS_MASK   0x240cd5
#define USER_RFLAGS_FORCED 0x202

#ifndef __ASSEMBLY__
#include <ktypes.h>

struct arch_context {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rsp, rflags;
    uint64_t fs_base, gs_base;
    /* 0 after a SYSCALL entry: rcx and r11 are dead, so SYSRET may return.
     * CTX_RESTORE_ALL_SET when every register must be restored exactly (after an
     * interrupt, a fault, a register write by another thread, or at first start): IRETQ
     * returns. */
    uint64_t restore_all;
};

_Static_assert(offsetof(struct arch_context, rax) == CTX_RAX, "context layout");
_Static_assert(offsetof(struct arch_context, r15) == CTX_R15, "context layout");
_Static_assert(offsetof(struct arch_context, rip) == CTX_RIP, "context layout");
_Static_assert(offsetof(struct arch_context, rflags) == CTX_RFLAGS, "context layout");
_Static_assert(offsetof(struct arch_context, gs_base) == CTX_GS_BASE, "context layout");
_Static_assert(offsetof(struct arch_context, restore_all) == CTX_RESTORE_ALL, "context layout");
_Static_assert(sizeof(struct arch_context) == CTX_SIZE, "context layout");

#endif /* __ASSEMBLY__ */
#endif
