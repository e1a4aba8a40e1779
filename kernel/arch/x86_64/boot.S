/*
 * x86_64 entry: Multiboot 1 and 2 headers, 32-bit protected-mode entry, the switch to
 * long mode and the jump to the higher-half kernel.
 *
 * The boot page tables map the first 1 GiB of physical memory twice: identity (so this
 * code keeps running when paging turns on) and at KERNEL_VMA (where the kernel is
 * linked). arch_boot() replaces them with the real kernel page tables at once.
 *
 * Contract with the loader (either Multiboot version): 32-bit protected mode, paging
 * off, EAX = magic, EBX = physical address of the boot information.
 */
#include <arch/layout.h>

#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16)) /* align modules, mem map, addresses */
#define MB2_MAGIC 0xe85250d6

#define PHYS(sym) ((sym) - KERNEL_VMA)

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

    .section .multiboot, "a"
    .balign 8
mb1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)
    .long mb1_header            /* header_addr (linked at its physical address) */
    .long _kernel_phys_start    /* load_addr */
    .long _kernel_load_end_phys /* load_end_addr */
    .long _kernel_end_phys      /* bss_end_addr */
    .long _start32              /* entry_addr */

    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long 0 /* architecture: i386 protected mode */
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + (mb2_header_end - mb2_header))
    /* information request: command line (1), modules (3), memory map (6) */
    .balign 8
    .word 1, 0
    .long 20
    .long 1, 3, 6
    /* optional (flag 1): the EFI 64-bit system table (12), the ACPI RSDP, old (14) and
       new (15), the EFI memory map (17); a BIOS boot has no EFI tags */
    .balign 8
    .word 1, 1
    .long 24
    .long 12, 14, 15, 17
    .balign 8
    .word 0, 0 /* end tag */
    .long 8
mb2_header_end:

    .section .boot.data, "aw"
    .balign 8
boot_magic:
    .long 0
boot_info:
    .long 0
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff /* 0x08: 64-bit kernel code */
    .quad 0x00cf92000000ffff /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt
no_lm_msg:
    .asciz "bastion: this CPU has no long mode (x86_64); cannot boot\r\n"

    .section .boot.text, "ax"
    .code32
    .globl _start32
_start32:
    cli
    cld
    movl %eax, boot_magic
    movl %ebx, boot_info

    /* Long mode is the one feature we cannot do without. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    movl %edx, %ebp /* keep the extended feature bits: NX is bit 20 */

    /* Clear the three boot page-table pages (they live in .bss). */
    movl $PHYS(boot_pml4), %edi
    xorl %eax, %eax
    movl $(3 * 4096 / 4), %ecx
    rep stosl

    /* PML4[0] and PML4[511] -> PDPT; PDPT[0] and PDPT[510] -> PD; PD: 512 x 2 MiB. */
    movl $(PHYS(boot_pdpt) + 3), %eax
    movl %eax, PHYS(boot_pml4)
    movl %eax, PHYS(boot_pml4) + 511 * 8
    movl $(PHYS(boot_pd) + 3), %eax
    movl %eax, PHYS(boot_pdpt)
    movl %eax, PHYS(boot_pdpt) + 510 * 8
    movl $PHYS(boot_pd), %edi
    movl $0x83, %eax /* present, writable, 2 MiB page */
    movl $512, %ecx
1:  movl %eax, (%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3

    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    testl $(1 << 20), %ebp
    jz 2f
    orl $EFER_NXE, %eax
2:  wrmsr

    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE | CR0_WP), %eax
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $SEL_KERNEL_CODE, $long_mode_low

no_long_mode:
    movl $no_lm_msg, %esi
3:  lodsb
    testb %al, %al
    jz 4f
    movw $0x3f8, %dx
    outb %al, %dx
    jmp 3b
4:  hlt
    jmp 4b

    .code64
long_mode_low:
    movabsq $long_mode_high, %rax
    jmp *%rax

    .section .text.entry, "ax"
long_mode_high:
    movw $SEL_KERNEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $(boot_stack + KERNEL_STACK_SIZE), %rsp
    xorl %ebp, %ebp /* ends frame-pointer backtraces */
    movl boot_magic, %edi
    movl boot_info, %esi
    call arch_boot
5:  hlt
    jmp 5b

    .section .bss
    .balign 4096
    .globl boot_pml4
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4096
    .balign 16
    .globl boot_stack
boot_stack:
    .skip KERNEL_STACK_SIZE
