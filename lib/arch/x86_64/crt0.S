/*
 * Entry point of a user program (see libbastion/start.h for the contract).
 *
 *   rdi  user address of the boot-info page
 *   rsi  user address of this thread's IPC buffer
 *   rsp  top of the stack, 16-byte aligned
 *
 * Everything else happens in C (lib/src/start.c): the root thread's TLS block, main().
 */
    .section .text.start, "ax"
    .global _start
    .type _start, @function
_start:
    xorl %ebp, %ebp              /* ends frame-pointer backtraces */
    andq $-16, %rsp              /* the kernel aligns it; be sure before the call */
    call __bst_start             /* rdi, rsi as the kernel gave them; does not return */
1:  ud2
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
