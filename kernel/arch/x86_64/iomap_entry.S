/*
 * arch_iomap_switch_preserving: the address-space switch's way into arch_iomap_switch
 * (arch/iomap.h). The switch is inlined into the IPC fastpath; an ordinary call there,
 * even one that never happens, makes the compiler keep values in callee-saved
 * registers and save them on every fastpath entry. This entry saves every register the
 * C function may clobber, so the inline asm that calls it declares no clobbers but
 * memory and flags. In: rdi = the incoming VSpace's PT_ID_SLOT word.
 */
    .section .text
    .globl arch_iomap_switch_preserving
    .balign 16
arch_iomap_switch_preserving:
    pushq %rbp
    movq %rsp, %rbp
    andq $-16, %rsp
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    subq $8, %rsp
    call arch_iomap_switch
    addq $8, %rsp
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rax
    movq %rbp, %rsp
    popq %rbp
    ret
