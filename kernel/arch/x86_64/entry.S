/*
 * Exception and interrupt entry. One stub per vector pushes a uniform frame (an error
 * code of 0 where the CPU pushes none, then the vector number), the common path saves
 * every general-purpose register in struct trap_frame order (arch/trap.h) and calls
 * trap_dispatch(frame). Returning from it restores the registers and irets.
 *
 * The 256 stubs start at entry_stubs, each ENTRY_STUB_SIZE bytes apart (idt.c).
 */
#include <arch/layout.h>
#include <arch/trap.h>


    .section .text
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
 * mode return here and leave with IRETQ. */
trap_common:
    testb $3, 24(%rsp) /* CS, above the vector and the error code */
    jz 1f
    swapgs
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
    call trap_dispatch
    popq %r15
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
