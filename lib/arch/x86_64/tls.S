/*
 * uint64_t bst_arch_write_own_fs_base(uint64_t tcb, uint64_t info, uint64_t fs_base,
 *                                     struct bst_ipc_buffer *buf, uint64_t sysno)
 *
 * Sets the calling thread's FS base with TCB_WRITE_REGISTERS on its own TCB. The
 * invocation writes registers 0..18 (rip .. fs_base, bastion/tcbregs.h order), so the
 * registers written are the ones this thread holds right here: RIP the instruction after
 * the `syscall`, RSP and RFLAGS as they are, the callee-saved registers as they are
 * (the caller-saved ones are free to change). The kernel then returns through the
 * written registers with rax = the error code (lib/src/tls.c builds `info`).
 *
 * Message: MR0 flags 0, MR1 count 19, MR2 rip, MR3 rsp (in registers), MR4.. in the
 * IPC buffer: msg[2 + i] is register i.
 */
    .text
    .global bst_arch_write_own_fs_base
    .type bst_arch_write_own_fs_base, @function
bst_arch_write_own_fs_base:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rdx, 8*20(%rcx)        /* fs_base (register 18) */
    pushfq
    popq 8*4(%rcx)               /* rflags (2) */
    movq $0, 8*5(%rcx)           /* rax (3): the kernel puts the error code there */
    movq %rbx, 8*6(%rcx)         /* rbx (4) */
    movq $0, 8*7(%rcx)           /* rcx rdx rsi rdi (5..8) */
    movq $0, 8*8(%rcx)
    movq $0, 8*9(%rcx)
    movq $0, 8*10(%rcx)
    movq %rbp, 8*11(%rcx)        /* rbp (9) */
    movq $0, 8*12(%rcx)          /* r8 .. r11 (10..13) */
    movq $0, 8*13(%rcx)
    movq $0, 8*14(%rcx)
    movq $0, 8*15(%rcx)
    movq %r12, 8*16(%rcx)        /* r12 .. r15 (14..17) */
    movq %r13, 8*17(%rcx)
    movq %r14, 8*18(%rcx)
    movq %r15, 8*19(%rcx)
    movq %r8, %rax               /* BST_SYS_CALL */
    xorl %edx, %edx              /* MR0: flags */
    movl $19, %r8d               /* MR1: count, rip .. fs_base */
    leaq 1f(%rip), %r9           /* MR2: rip */
    movq %rsp, %r10              /* MR3: rsp */
    syscall
1:  popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret
    .size bst_arch_write_own_fs_base, . - bst_arch_write_own_fs_base

    .section .note.GNU-stack, "", @progbits
