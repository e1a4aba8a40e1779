/*
 * Exception and interrupt entry. One stub per vector pushes a uniform frame (an error
 * code of 0 where the CPU pushes none, then the vector number), the common path saves
 * every general-purpose register in struct trap_frame order (arch/trap.h) and calls
 * trap_dispatch(frame). Returning from it restores the registers and irets.
 *
 * The 256 stubs start at entry_stubs, each ENTRY_STUB_SIZE bytes apart (idt.c).
 *
 * Page-table isolation (arch/kpti.h): an entry from user mode finds its frame on the
 * entry stack (TSS.RSP0 then) and the user view in CR3; it switches to the kernel view
 * and moves the frame to the kernel stack before it goes on. An entry from kernel mode
 * normally finds the kernel view already; if it interrupted an entry or an exit while
 * the user view was still (or already) loaded, it switches to the kernel view for the
 * handler and back afterwards. This whole file is in .kpti.text.
 */
#include <arch/context.h>
#include <arch/kpti.h>
#include <arch/layout.h>
#include <arch/trap.h>
#include <asm_offsets.h>

.if KPTI_USER_VIEW != (1 << 12)
.error "the entries test bit 12 for the user view"
.endif


    .section .kpti.text, "ax"
    .balign 16
    .globl entry_stubs
entry_stubs:
    .set vector, 0
    .rept 256
    .balign ENTRY_STUB_SIZE
    .if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30)
    pushq $0 /* the CPU pushes no error code for this vector */
    .endif
    pushq $vector
    jmp trap_common
    .set vector, vector + 1
    .endr

/* Entries from user mode (CS.RPL = 3) switch GS to the per-CPU block; trap_dispatch()
 * never returns for them (it leaves through arch_return_to_user). Entries from kernel
 * mode return here and leave with IRETQ; RBX (saved below, preserved by C) holds the
 * CR3 to put back then, or 0. */
trap_common:
    testb $3, 24(%rsp) /* CS, above the vector and the error code */
    jz 1f
    swapgs
    cmpb $0, arch_kpti(%rip)
    jne from_user_kpti
1:  pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    movq %rsp, %rdi
    xorl %ebx, %ebx
    cmpb $0, arch_kpti(%rip)
    jne 3f
2:  call trap_dispatch
    testq %rbx, %rbx
    jnz 4f
5:  popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp /* vector and error code */
    iretq

3:  /* Isolation: the kernel view for the handler, if the user view is loaded. */
    movq %cr3, %rax
    btrq $12, %rax /* KPTI_USER_VIEW */
    jnc 2b
    movq %rax, %cr3
    leaq KPTI_USER_VIEW(%rax), %rbx
    jmp 2b
4:  movq %rbx, %cr3 /* and back to it */
    jmp 5b

/* An entry from user mode under isolation: the frame (vector, error code, RIP, CS,
 * RFLAGS, RSP, SS) is on the entry stack. RAX carries CR3 to the kernel view and then
 * the frame's address while the frame moves to the kernel stack. */
from_user_kpti:
    pushq %rax
    movq %cr3, %rax
    btrq $12, %rax /* KPTI_USER_VIEW: was it loaded? */
    jc 6f
    incq %gs:CPU_KPTI_MISSES /* no: an exit went wrong */
6:  movq %rax, %cr3
    movq %rsp, %rax
    movq %gs:CPU_KERNEL_RSP, %rsp
    pushq 56(%rax) /* SS */
    pushq 48(%rax) /* RSP */
    pushq 40(%rax) /* RFLAGS */
    pushq 32(%rax) /* CS */
    pushq 24(%rax) /* RIP */
    pushq 16(%rax) /* error code */
    pushq 8(%rax)  /* vector */
    movq (%rax), %rax
    jmp 1b
