/*
 * The measured code of the IPC benchmarks, in assembly so that exactly the same
 * instructions run every time and nothing but the system call lies between two reads
 * of the cycle counter.
 *
 * Timestamps: TSC read as `lfence; rdtsc; lfence`, then combined into one register.
 */
#include <bastion/syscall.h>

#define TIMESTAMP(reg)                                                                             \
    lfence; rdtsc; lfence; shlq $32, %rdx; orq %rax, %rdx; movq %rdx, reg

    .text

/*
 * The server, position independent (it is also copied into other address spaces).
 * Entry: rbx = endpoint CPtr, r12 = reply CPtr, rbp = address of two shared words.
 * Loop: receive; t1 = time the message arrived; t2 = time just before replying; store
 * them in the shared words; reply with the message info it received (so the reply is
 * as long as the call), and wait for the next.
 */
    .globl bench_server, bench_server_end
    .balign 16
bench_server:
    movq %rbx, %rdi
    xorl %esi, %esi
    movl $BST_SYS_RECV, %eax
    syscall
1:  TIMESTAMP(%r14)             /* t1 */
    movq %r14, 8(%rbp)
    TIMESTAMP(%r15)             /* t2 */
    movq %r15, 0(%rbp)
    movq %rbx, %rdi             /* rsi still holds the received message info */
    movl $BST_SYS_REPLY_RECV, %eax
    syscall
    jmp 1b
bench_server_end:

/*
 * A waiter, position independent: rbx = notification CPtr, r12 = address of a word.
 * Loop: wait; store the time it woke at (r12).
 */
    .globl bench_waiter, bench_waiter_end
    .balign 16
bench_waiter:
    movq %rbx, %rdi
    movl $BST_SYS_RECV, %eax
    syscall
    TIMESTAMP(%r14)
    movq %r14, (%r12)
    jmp bench_waiter
bench_waiter_end:

/* A thread that only yields (position independent). */
    .globl bench_yielder
    .balign 16
bench_yielder:
    movl $BST_SYS_YIELD, %eax
    syscall
    jmp bench_yielder

/*
 * void bench_call(uint64_t ep, uint64_t info, uint64_t out[2])
 * Call ep with message info `info` (MRs 0-3 as left in the registers); out = {t0 before
 * the call, t3 after it returned}. The server leaves t2, t1 in its shared words.
 */
    .globl bench_call
    .balign 16
bench_call:
    pushq %rbx
    pushq %r12
    pushq %r13
    movq %rdi, %r12             /* ep */
    movq %rsi, %r13             /* info */
    movq %rdx, %rbx             /* out */
    TIMESTAMP(%r11)
    movq %r11, 0(%rbx)          /* t0 */
    movq %r12, %rdi
    movq %r13, %rsi
    xorl %edx, %edx
    xorl %r8d, %r8d
    movl $BST_SYS_CALL, %eax
    syscall
    TIMESTAMP(%r11)
    movq %r11, 8(%rbx)          /* t3 */
    popq %r13
    popq %r12
    popq %rbx
    ret

/*
 * uint64_t bench_syscall_cost(uint64_t number, uint64_t cptr)
 * Cycles of one system call (number, cptr, empty message), timestamps included.
 */
    .globl bench_syscall_cost
    .balign 16
bench_syscall_cost:
    pushq %rbx
    pushq %r12
    movq %rdi, %r12
    movq %rsi, %rbx
    TIMESTAMP(%r11)
    pushq %r11
    movq %r12, %rax
    movq %rbx, %rdi
    xorl %esi, %esi
    syscall
    TIMESTAMP(%rax)
    popq %r11
    subq %r11, %rax
    popq %r12
    popq %rbx
    ret

/* uint64_t bench_timestamped_syscall(uint64_t number, uint64_t cptr): the timestamp
 * taken just before the system call. */
    .globl bench_timestamped_syscall
    .balign 16
bench_timestamped_syscall:
    pushq %rbx
    pushq %r12
    movq %rdi, %r12
    movq %rsi, %rbx
    TIMESTAMP(%r11)
    pushq %r11
    movq %r12, %rax
    movq %rbx, %rdi
    xorl %esi, %esi
    syscall
    popq %rax
    popq %r12
    popq %rbx
    ret

/* uint64_t bench_timestamp_cost(void): two timestamps with nothing between. */
    .globl bench_timestamp_cost
    .balign 16
bench_timestamp_cost:
    TIMESTAMP(%r11)
    TIMESTAMP(%rax)
    subq %r11, %rax
    ret

    .section .note.GNU-stack, "", @progbits
