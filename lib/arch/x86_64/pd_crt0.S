/*
 * Entry point of a protection domain (libbastion/pd_abi.h has the contract).
 *
 *   rdi  the start info init wrote (in the IPC buffer's page)
 *   rsi  this thread's IPC buffer
 *   rsp  the PD's stack top
 *
 * The event loop is C (lib/src/pd_runtime.c). A restart by the parent or init enters
 * here again with the same registers.
 */
    .section .text.start, "ax"
    .global _start
    .type _start, @function
_start:
    xorl %ebp, %ebp              /* ends frame-pointer backtraces */
    andq $-16, %rsp
    call __bst_pd_start          /* does not return */
1:  ud2
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
