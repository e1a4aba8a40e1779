/*
 * Exception and interrupt entry. One stub per vector pushes a uniform frame (an error
 * code of 0 where the CPU pushes none, then the vector number), the common path saves
 * every general-purpose register in struct trap_frame order (arch/trap.h) and calls
 * trap_dispatch(frame). Returning from it restores the registers and irets.
 *
 * entry_stubs is a table of the 256 stub addresses that idt.c installs.
 */
#include <arch/layout.h>


    .section .text
    .macro stub vector
    .balign 16
stub_\vector:
    .if !(\vector == 8 || (\vector >= 10 && \vector <= 14) || \vector == 17 || \vector == 21 || \vector == 29 || \vector == 30)
    pushq $0
    .endif
    pushq $\vector
    jmp trap_common
    .endm

    .altmacro
    .macro stubs from, to
    stub \from
    .if \to-\from
    stubs %(\from+1), \to
    .endif
    .endm

    stubs 0, 63
    stubs 64, 127
    stubs 128, 191
    stubs 192, 255

trap_common:
    pushq %rax
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

    .macro stub_addr vector
    .quad stub_\vector
    .endm
    .macro stub_addrs from, to
    stub_addr \from
    .if \to-\from
    stub_addrs %(\from+1), \to
    .endif
    .endm

    .section .rodata
    .balign 8
    .globl entry_stubs
entry_stubs:
    stub_addrs 0, 63
    stub_addrs 64, 127
    stub_addrs 128, 191
    stub_addrs 192, 255
