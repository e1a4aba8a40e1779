/*
 * The system-call stubs: void bst_arch_syscall(struct bst_sysregs *r), and
 * bst_arch_syscall_r13() for the one call with a second capability address.
 *
 * Loads rax, rdi, rsi, rdx, r8, r9, r10, r12 from *r (layout pinned in
 * libbastion/syscall.h), executes `syscall`, and stores them back. The kernel
 * preserves every register but rax, rdi, rsi, the MR registers, rcx and r11; rcx and
 * r11 are caller-saved in the C ABI anyway, rbx and r12 are saved here.
 */
    .text

/* Load the registers from *rbx, SYSCALL, store them back. */
.macro SYSCALL_THROUGH_RBX
    movq 0(%rbx), %rax
    movq 16(%rbx), %rsi
    movq 24(%rbx), %rdx
    movq 32(%rbx), %r8
    movq 40(%rbx), %r9
    movq 48(%rbx), %r10
    movq 56(%rbx), %r12
    movq 8(%rbx), %rdi
    syscall
    movq %rax, 0(%rbx)
    movq %rdi, 8(%rbx)
    movq %rsi, 16(%rbx)
    movq %rdx, 24(%rbx)
    movq %r8, 32(%rbx)
    movq %r9, 40(%rbx)
    movq %r10, 48(%rbx)
.endm

    .global bst_arch_syscall
    .type bst_arch_syscall, @function
bst_arch_syscall:
    pushq %rbx
    pushq %r12
    movq %rdi, %rbx
    SYSCALL_THROUGH_RBX
    popq %r12
    popq %rbx
    ret
    .size bst_arch_syscall, . - bst_arch_syscall

/*
 * void bst_arch_syscall_r13(struct bst_sysregs *r, uint64_t r13): the same, with a
 * second capability address in r13 (NB_SEND_RECV's receive endpoint). A separate stub
 * so that every other system call keeps the shorter one.
 */
    .global bst_arch_syscall_r13
    .type bst_arch_syscall_r13, @function
bst_arch_syscall_r13:
    pushq %rbx
    pushq %r12
    pushq %r13
    movq %rsi, %r13
    movq %rdi, %rbx
    SYSCALL_THROUGH_RBX
    popq %r13
    popq %r12
    popq %rbx
    ret
    .size bst_arch_syscall_r13, . - bst_arch_syscall_r13

    .section .note.GNU-stack, "", @progbits
