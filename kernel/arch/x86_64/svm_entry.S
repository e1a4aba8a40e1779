/*
 * Entering an AMD SVM guest and coming back (arch/virt.h, docs/virtualisation.md).
 *
 * svm_enter(gprs = rdi, vmcb = rsi, host_area = rdx), called with interrupts off:
 *   CLGI, then VMSAVE the host's FS/GS/TR/LDTR and syscall MSRs to host_area and
 *   VMLOAD the guest's; STI (GIF is clear: nothing is delivered), load the guest's
 *   general registers, VMRUN. VMRUN keeps the host's RSP, RIP, RFLAGS, control
 *   registers and segments in the VM_HSAVE_PA page and restores them at #VMEXIT, which
 *   also clears GIF. Back here: store the guest's registers, VMSAVE the guest's, VMLOAD
 *   the host's, CLI, STGI. A host interrupt that ended the guest stays pending (IF is
 *   clear) until the kernel returns to user mode.
 */
#include <arch/virt.h>

    .text
    .globl svm_enter
    .type svm_enter, @function
svm_enter:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdi                   /* gprs, for the way back */
    push %rdx                   /* host_area */
    push %rsi                   /* vmcb */
    clgi
    mov %rdx, %rax
    vmsave %rax
    mov %rsi, %rax
    vmload %rax
    sti
    mov VGPR_RBX(%rdi), %rbx
    mov VGPR_RCX(%rdi), %rcx
    mov VGPR_RDX(%rdi), %rdx
    mov VGPR_RSI(%rdi), %rsi
    mov VGPR_RBP(%rdi), %rbp
    mov VGPR_R8(%rdi), %r8
    mov VGPR_R9(%rdi), %r9
    mov VGPR_R10(%rdi), %r10
    mov VGPR_R11(%rdi), %r11
    mov VGPR_R12(%rdi), %r12
    mov VGPR_R13(%rdi), %r13
    mov VGPR_R14(%rdi), %r14
    mov VGPR_R15(%rdi), %r15
    mov VGPR_RDI(%rdi), %rdi
    vmrun %rax
    /* #VMEXIT: RAX is the VMCB address again, RSP the host's; GIF is clear. */
    mov 16(%rsp), %rax          /* gprs */
    mov %rbx, VGPR_RBX(%rax)
    mov %rcx, VGPR_RCX(%rax)
    mov %rdx, VGPR_RDX(%rax)
    mov %rsi, VGPR_RSI(%rax)
    mov %rdi, VGPR_RDI(%rax)
    mov %rbp, VGPR_RBP(%rax)
    mov %r8, VGPR_R8(%rax)
    mov %r9, VGPR_R9(%rax)
    mov %r10, VGPR_R10(%rax)
    mov %r11, VGPR_R11(%rax)
    mov %r12, VGPR_R12(%rax)
    mov %r13, VGPR_R13(%rax)
    mov %r14, VGPR_R14(%rax)
    mov %r15, VGPR_R15(%rax)
    pop %rax                    /* vmcb */
    vmsave %rax
    pop %rax                    /* host_area */
    vmload %rax
    cli
    stgi
    pop %rdi
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size svm_enter, . - svm_enter
    .section .note.GNU-stack, "", @progbits
