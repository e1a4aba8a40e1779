/*
 * memcpy for x86_64 (libbastion/string.h): `rep movsq` for the 8-byte words, then
 * `rep movsb` for the last 0-7 bytes. Network components copy every frame; this is the
 * shortest path on every x86_64 (fast string operations) and under QEMU's icount (one
 * counted step per word moved). The System V ABI guarantees the direction flag clear on
 * entry. Other architectures bring their own memcpy in lib/arch/<arch>/.
 *
 * void *memcpy(void *dst (rdi), const void *src (rsi), size_t n (rdx)): returns dst.
 */
    .text
    .globl memcpy
    .type memcpy, @function
memcpy:
    movq %rdi, %rax
    movq %rdx, %rcx
    shrq $3, %rcx
    rep movsq
    movq %rdx, %rcx
    andq $7, %rcx
    rep movsb
    ret
    .size memcpy, . - memcpy

    .section .note.GNU-stack, "", @progbits
