/*
 * The application processors' way from real mode into the kernel (smp.c). The blob
 * between smp_trampoline_start and smp_trampoline_end is copied to SMP_TRAMPOLINE
 * (below 1 MiB, page aligned), where a STARTUP IPI starts an AP in 16-bit real mode at
 * CS:IP = SMP_TRAMPOLINE >> 4 : 0. It switches to protected mode, then to long mode with
 * the boot page tables (boot.S: the first GiB mapped at 0 and at KERNEL_VMA), and jumps
 * to ap_entry64 in the kernel's higher half on the stack smp.c left in the blob.
 *
 * Every address in the blob is its copy's (SMP_TRAMPOLINE + the offset): the code runs
 * there, at its physical address, until the jump to the higher half. The data words at
 * the end are written by smp.c before each AP is started (smp_trampoline_data).
 */
#include <arch/layout.h>
#include <arch/smp.h>

#define AT(sym)   (SMP_TRAMPOLINE + ((sym) - smp_trampoline_start))
#define CR0_PE    (1 << 0)
#define CR0_WP    (1 << 16)
#define CR0_PG    (1 << 31)
#define CR4_PAE   (1 << 5)
#define MSR_EFER  0xc0000080
#define EFER_LME  (1 << 8)
#define EFER_NXE  (1 << 11)
#define TR_CODE32 0x08
#define TR_DATA   0x10
#define TR_CODE64 0x18

    .section .rodata
    .balign 16
    .globl smp_trampoline_start, smp_trampoline_end, smp_trampoline_data
smp_trampoline_start:
    .code16
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl AT(tramp_gdt_ptr)
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl $TR_CODE32, $AT(tramp32)

    .code32
tramp32:
    movw $TR_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl AT(smp_trampoline_data) + SMP_TR_CR3, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    testl $1, AT(smp_trampoline_data) + SMP_TR_NX
    jz 1f
    orl $EFER_NXE, %eax
1:  wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP), %eax
    movl %eax, %cr0
    ljmpl $TR_CODE64, $AT(tramp64)

    .code64
tramp64:
    movq AT(smp_trampoline_data) + SMP_TR_STACK, %rsp
    movq AT(smp_trampoline_data) + SMP_TR_CPU, %rdi
    movabsq $ap_entry64, %rax
    jmp *%rax

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff /* 0x10: data */
    .quad 0x00af9a000000ffff /* 0x18: 64-bit code */
tramp_gdt_ptr:
    .word tramp_gdt_ptr - tramp_gdt - 1
    .long AT(tramp_gdt)
    .balign 8
smp_trampoline_data:
    .skip SMP_TR_SIZE
smp_trampoline_end:

/* In the higher half, on the AP's own stack (RDI: its CPU number), still on the boot
 * page tables and the trampoline's GDT: ap_main() loads the kernel's. */
    .section .text
    .code64
ap_entry64:
    movw $TR_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %ebp, %ebp /* ends frame-pointer backtraces */
    call ap_main
2:  cli
    hlt
    jmp 2b

    .section .note.GNU-stack, "", @progbits
