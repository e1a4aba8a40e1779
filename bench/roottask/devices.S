/*
 * The measured code of the device benchmarks (ports.c, irq.c), in assembly so that
 * nothing but the operation lies between two reads of the cycle counter. Timestamps
 * as in ipc.S.
 */
#include <bastion/syscall.h>

#define TIMESTAMP(reg)                                                                             \
    lfence; rdtsc; lfence; shlq $32, %rdx; orq %rax, %rdx; movq %rdx, reg

    .text

/* uint64_t bench_port_in8_cost(uint64_t port): one direct IN, timestamps included. */
    .globl bench_port_in8_cost
    .balign 16
bench_port_in8_cost:
    movq %rdi, %rcx
    TIMESTAMP(%r11)
    movl %ecx, %edx
    inb %dx, %al
    TIMESTAMP(%rax)
    subq %r11, %rax
    ret

/* uint64_t bench_port_out8_cost(uint64_t port): one direct OUT of 0. */
    .globl bench_port_out8_cost
    .balign 16
bench_port_out8_cost:
    movq %rdi, %rcx
    TIMESTAMP(%r11)
    movl %ecx, %edx
    xorl %eax, %eax
    outb %al, %dx
    TIMESTAMP(%rax)
    subq %r11, %rax
    ret

/* uint64_t bench_invoke_cost(uint64_t cptr, uint64_t info, uint64_t mr0, uint64_t mr1):
 * one invocation (a Call on the cap) with two message registers, timestamps included. */
    .globl bench_invoke_cost
    .balign 16
bench_invoke_cost:
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    movq %rdi, %rbx
    movq %rsi, %r12
    movq %rdx, %r13
    movq %rcx, %r14
    TIMESTAMP(%r11)
    pushq %r11
    movq %rbx, %rdi
    movq %r12, %rsi
    movq %r13, %rdx
    movq %r14, %r8
    movl $BST_SYS_CALL, %eax
    syscall
    TIMESTAMP(%rax)
    popq %r11
    subq %r11, %rax
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    ret

/* uint64_t bench_wait_timestamp(uint64_t ntfn): Wait (Recv on a notification), then
 * the timestamp at once. */
    .globl bench_wait_timestamp
    .balign 16
bench_wait_timestamp:
    movl $BST_SYS_RECV, %eax
    xorl %esi, %esi
    syscall
    TIMESTAMP(%rax)
    ret

/* uint64_t bench_irq_stamp(uint64_t on): DEBUG_IRQ_STAMP; the stamp comes back in rdi. */
    .globl bench_irq_stamp
    .balign 16
bench_irq_stamp:
    movl $BST_SYS_DEBUG_IRQ_STAMP, %eax
    syscall
    movq %rdi, %rax
    ret

    .section .note.GNU-stack, "", @progbits
