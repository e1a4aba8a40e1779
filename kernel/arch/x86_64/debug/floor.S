/*
 * The hardware floor of a system call, for the benchmarks (debug builds): between
 * DEBUG_FLOOR_BEGIN and DEBUG_FLOOR_END, SYSCALL enters floor_entry instead of the
 * kernel, which returns at once with SYSRET. The benchmark times that bare
 * SYSCALL/SYSRET pair with the same harness as the real system calls.
 *
 * floor_entry runs in ring 0 on the user's stack pointer with the user's GS: it must
 * not touch memory or the stack, and it does not. SYSCALL has masked interrupts.
 * DEBUG_FLOOR_END (rax) puts the real entry back (arch_syscall_entry: the one page-table
 * isolation chose); it clobbers r8 and r9. In .kpti.text, and reading only .kpti.data,
 * because under isolation it runs on the user view (arch/kpti.h): the floor it measures
 * then has no address-space switch in it, as on a CPU that needs no isolation.
 */
#include <bastion/syscall.h>

#define MSR_LSTAR 0xc0000082

    .section .kpti.text, "ax"
    .globl floor_entry
    .balign 16
floor_entry:
    cmpl $BST_SYS_DEBUG_FLOOR_END, %eax
    je 1f
    sysretq
1:  movq %rcx, %r8
    movq %r11, %r9
    movl $MSR_LSTAR, %ecx
    movq arch_syscall_entry(%rip), %rax
    movq %rax, %rdx
    shrq $32, %rdx
    wrmsr
    movq %r8, %rcx
    movq %r9, %r11
    xorl %eax, %eax
    sysretq

/* void arch_floor_begin(void): SYSCALL enters floor_entry from now on. */
    .globl arch_floor_begin
    .balign 16
arch_floor_begin:
    movl $MSR_LSTAR, %ecx
    movabsq $floor_entry, %rax
    movq %rax, %rdx
    shrq $32, %rdx
    wrmsr
    ret
