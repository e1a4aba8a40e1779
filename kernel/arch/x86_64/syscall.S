/*
 * The way in from user mode by SYSCALL, and the way back to user mode for every entry.
 *
 * syscall_entry: the CPU has put the user RIP in RCX and RFLAGS in R11 and masked IF.
 * We SWAPGS to the per-CPU block, save every user register straight into the current
 * thread's context (struct arch_context), try the assembly IPC fastpath for Call and
 * Reply-Recv (fastpath.S, which needs no stack), then switch to this CPU's kernel stack
 * and try the C fastpath (ipc/fastpath.h), and otherwise call syscall_handler(); none
 * returns when it handles the call: each ends by SYSRET. The user stack is never
 * touched. RCX and R11 are not saved: after SYSCALL they hold RIP and RFLAGS, and a
 * context with restore_all == 0 reads them back as such (thread.c).
 *
 * arch_return_to_user(ctx): restore ctx and leave. SYSRET when the context came from
 * SYSCALL (restore_all == 0): RCX and R11 are dead then, and C has made sure RIP is
 * canonical (a non-canonical RCX must never reach SYSRET). IRETQ otherwise, which
 * restores every register exactly and sets restore_all back to 0: a thread in user
 * mode always has 0 there, which is what a SYSCALL entry must leave (it does not write
 * it); an interrupt or exception entry saves the context whole and sets it. SWAPGS exactly once on each path, last thing before
 * leaving.
 *
 * Page-table isolation (arch/kpti.h): syscall_entry_kpti is the SYSCALL entry instead;
 * it switches to the kernel view before it touches anything but the per-CPU block, and
 * takes the assembly fastpath's isolation version. arch_return_to_user then ends by switching to the
 * user view, keeping one register's user value in the per-CPU block meanwhile, and
 * leaves by IRETQ from the entry stack (the kernel stack is not in the user view). This
 * whole file is in .kpti.text.
 */
#include <arch/context.h>
#include <arch/kpti.h>
#include <arch/layout.h>
#include <asm_offsets.h>
#include <bastion/syscall.h>
#include <klock.h>
#include <kpercpu.h>

.if KPTI_USER_VIEW != (1 << 12)
.error "the entry tests bit 12 for the user view"
.endif

/* Save the user's registers in the thread's context (RSP points at it; the user RSP is
 * in the per-CPU block). RCX and R11 are not saved: they are RIP and RFLAGS. */
.macro SAVE_USER_REGS
    /* What every path keeps: the return point and the registers the C ABI preserves
     * (the assembly fastpath uses the latter as scratch once they are saved). */
    movq %rcx, CTX_RIP(%rsp)
    movq %r11, CTX_RFLAGS(%rsp)
    movq %gs:CPU_USER_RSP, %rcx
    movq %rcx, CTX_RSP(%rsp)
    movq %rbx, CTX_RBX(%rsp)
    movq %rbp, CTX_RBP(%rsp)
    movq %r12, CTX_R12(%rsp)
    movq %r13, CTX_R13(%rsp)
    movq %r14, CTX_R14(%rsp)
    movq %r15, CTX_R15(%rsp)
    /* The message registers, so that the thread's context is whole whichever path
     * runs (a blocked caller's registers read back as they were). */
    movq %rax, CTX_RAX(%rsp)
    movq %rdx, CTX_RDX(%rsp)
    movq %rsi, CTX_RSI(%rsp)
    movq %rdi, CTX_RDI(%rsp)
    movq %r8, CTX_R8(%rsp)
    movq %r9, CTX_R9(%rsp)
    movq %r10, CTX_R10(%rsp)
    /* restore_all is 0 already (rcx, r11 read back as rip, rflags: thread.c): every exit
     * that restores a context whole clears it, so a thread runs in user mode with 0. */
.endm

/* Load the registers both exits restore the same way from the context at RDI: all but
 * RCX, R11 (RIP and RFLAGS for SYSRET), RSP and RDI itself. */
.macro LOAD_USER_REGS
    movq CTX_RAX(%rdi), %rax
    movq CTX_RBX(%rdi), %rbx
    movq CTX_RDX(%rdi), %rdx
    movq CTX_RSI(%rdi), %rsi
    movq CTX_RBP(%rdi), %rbp
    movq CTX_R8(%rdi), %r8
    movq CTX_R9(%rdi), %r9
    movq CTX_R10(%rdi), %r10
    movq CTX_R12(%rdi), %r12
    movq CTX_R13(%rdi), %r13
    movq CTX_R14(%rdi), %r14
    movq CTX_R15(%rdi), %r15
.endm

/* Push the IRETQ frame for the context at RDI on the stack at RSP. */
.macro PUSH_IRET_FRAME
    pushq $SEL_USER_DATA
    pushq CTX_RSP(%rdi)
    pushq CTX_RFLAGS(%rdi)
    pushq $SEL_USER_CODE64
    pushq CTX_RIP(%rdi)
.endm

/* Isolation's last step before SWAPGS: the user view, then RDI's user value (which the
 * exit left in the per-CPU block). */
.macro SWITCH_TO_USER_VIEW
    movq %cr3, %rdi
    orq $KPTI_USER_VIEW, %rdi
    movq %rdi, %cr3
    movq %gs:CPU_EXIT_SCRATCH, %rdi
.endm

    .section .kpti.text, "ax"
    .globl syscall_entry, syscall_entry_kpti, syscall_save_rest
    .balign 16
syscall_entry:
    swapgs
    movq %rsp, %gs:CPU_USER_RSP
    movq %gs:CPU_CURRENT_CTX, %rsp  /* rsp = the thread's context, used as a base */
    SAVE_USER_REGS
    KLOCK_ACQUIRE                   /* the SMP build's kernel lock (klock.h); RCX free */
    /* The assembly fastpath (fastpath.S) for Call and Reply-Recv: it either leaves by
     * SYSRET into the other thread or comes back to syscall_save_rest. */
    /* Call, unless the fastpath is off; then Reply-Recv, unless it is off */
    cmpq KCPU_REF(fastpath_syscalls, KCPU_FASTPATH_SYSCALLS, 0), %rax
    je fastpath_call_entry
    cmpq KCPU_REF(fastpath_syscalls, KCPU_FASTPATH_SYSCALLS, 8), %rax
    je fastpath_reply_recv_entry
syscall_save_rest:
    movq %rsp, %rdi                 /* the context, which is the start of the TCB */
    movq %gs:CPU_KERNEL_RSP, %rsp
    xorl %ebp, %ebp                 /* (DF is clear: SYSCALL masks it) */
    /* The C fastpath next (it returns only when it does not apply), unless it is off. */
    cmpb $0, fastpath_off(%rip)
    jne 2f
    movq CTX_RAX(%rdi), %rax
    cmpq $BST_SYS_CALL, %rax
    je 1f
    cmpq $BST_SYS_REPLY_RECV, %rax
    je 3f
    cmpq $BST_SYS_SEND, %rax
    je 4f
    cmpq $BST_SYS_NB_SEND, %rax
    je 4f
    cmpq $BST_SYS_YIELD, %rax
    jne 2f
    call fastpath_yield
    jmp 2f
4:  call fastpath_send
    jmp 2f
3:  call fastpath_reply_recv
    jmp 2f
1:  call fastpath_call
2:  call syscall_handler
    ud2 /* syscall_handler never returns */

/* The SYSCALL entry under page-table isolation: RSP is the only free register until
 * the user's are saved, so it carries CR3 to the kernel view. */
    .balign 16
syscall_entry_kpti:
    swapgs
    movq %rsp, %gs:CPU_USER_RSP
    movq %cr3, %rsp
    btrq $12, %rsp                  /* KPTI_USER_VIEW: was it loaded? */
    jnc 2f
1:  movq %rsp, %cr3
    movq %gs:CPU_CURRENT_CTX, %rsp
    SAVE_USER_REGS
    KLOCK_ACQUIRE
    /* the fastpath's isolation version */
    cmpq KCPU_REF(fastpath_syscalls, KCPU_FASTPATH_SYSCALLS, 0), %rax
    je fastpath_call_entry_kpti
    cmpq KCPU_REF(fastpath_syscalls, KCPU_FASTPATH_SYSCALLS, 8), %rax
    je fastpath_reply_recv_entry_kpti
    jmp syscall_save_rest
2:  incq %gs:CPU_KPTI_MISSES        /* no: an exit went wrong */
    jmp 1b

    .globl arch_return_to_user
    .balign 16
arch_return_to_user:
    KLOCK_RELEASE                   /* every exit but the assembly fastpath's: this one */
    cmpb $0, arch_kpti(%rip)
    jne return_to_user_kpti
    cmpq $0, CTX_RESTORE_ALL(%rdi)
    jne 1f
    /* SYSRET path: rcx = rip, r11 = rflags, everything else from the context. */
    movq CTX_RIP(%rdi), %rcx
    movq CTX_RFLAGS(%rdi), %r11
    LOAD_USER_REGS
    movq CTX_RSP(%rdi), %rsp
    movq CTX_RDI(%rdi), %rdi
    swapgs
    sysretq

1:  /* IRETQ path: build the frame on the kernel stack, restore all, leave. The context
     * is then the SYSCALL kind again: the next entry, if a SYSCALL, saves into it. */
    movq %gs:CPU_KERNEL_RSP, %rsp
    PUSH_IRET_FRAME
    LOAD_USER_REGS
    movq CTX_RCX(%rdi), %rcx
    movq CTX_R11(%rdi), %r11
    movq $0, CTX_RESTORE_ALL(%rdi)
    movq CTX_RDI(%rdi), %rdi
    swapgs
    iretq

/* The same under page-table isolation: RDI waits in the per-CPU block while it carries
 * CR3 to the user view; the IRETQ frame is built on the entry stack. */
return_to_user_kpti:
    movq CTX_RDI(%rdi), %rax
    movq %rax, %gs:CPU_EXIT_SCRATCH
    cmpq $0, CTX_RESTORE_ALL(%rdi)
    jne 1f
    movq CTX_RIP(%rdi), %rcx
    movq CTX_RFLAGS(%rdi), %r11
    LOAD_USER_REGS
    movq CTX_RSP(%rdi), %rsp
    SWITCH_TO_USER_VIEW
    swapgs
    sysretq

1:  movq %gs:CPU_ENTRY_RSP, %rsp
    PUSH_IRET_FRAME
    LOAD_USER_REGS
    movq CTX_RCX(%rdi), %rcx
    movq CTX_R11(%rdi), %r11
    movq $0, CTX_RESTORE_ALL(%rdi)
    SWITCH_TO_USER_VIEW
    swapgs
    iretq
