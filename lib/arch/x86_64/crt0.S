/*
 * Entry point of a user program (see libbastion/start.h for the contract).
 *
 *   rdi  user address of the boot-info page
 *   rsi  user address of this thread's IPC buffer
 *   rsp  top of the stack, 16-byte aligned
 */
    .section .text.start, "ax"
    .global _start
    .type _start, @function
_start:
    movq %rsi, __bst_ipc_buffer(%rip)
    xorl %ebp, %ebp              /* ends frame-pointer backtraces */
    andq $-16, %rsp              /* the kernel aligns it; be sure before the call */
    call main                    /* rdi still holds the boot-info address */
    movl %eax, %edi
    call bst_debug_exit
1:  ud2                          /* bst_debug_exit does not return */
    jmp 1b
    .size _start, . - _start

    .section .bss
    .balign 8
    .global __bst_ipc_buffer
    .type __bst_ipc_buffer, @object
__bst_ipc_buffer:
    .quad 0
    .size __bst_ipc_buffer, 8

    .section .note.GNU-stack, "", @progbits
