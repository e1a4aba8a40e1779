/*
 * The VMM system test's guests (vmm_system.c): 32-bit flat protected-mode code copied to
 * guest-physical 0 by the shared VM environment (tests/system/roottask/vm/vm_env.c), so
 * that `label - guest_start` is a label's guest-physical address. Data page at 0x1000:
 * the IDT the test writes at 0x1000 (vectors 0-0x30), results from 0x1400, stack below
 * 0x1f00. Nothing is mapped at 0x3000.
 */
#define GPA(label) ((label) - guest_start)
#define RESULT 0x1400

    .section .rodata
    .code32
    .globl guest_start, guest_end
    .globl vmm_guest_console, vmm_guest_hostile, vmm_guest_timer
    .globl vmm_guest_gp_handler, vmm_guest_ud_handler, vmm_guest_timer_handler
    .globl vmm_guest_uart_loop
guest_start:

/* Print a line on the emulated 16550 as a polling driver does (LSR's THRE), read the
 * hypervisor's CPUID leaf and the APIC base, then halt with interrupts off. */
vmm_guest_console:
    mov $GPA(console_text), %esi
1:  movzbl (%esi), %ebx
    test %bl, %bl
    jz 3f
2:  mov $0x3fd, %dx
    in %dx, %al
    test $0x20, %al
    jz 2b
    mov %bl, %al
    mov $0x3f8, %dx
    out %al, %dx
    inc %esi
    jmp 1b
3:  mov $0x40000000, %eax
    cpuid
    mov %ebx, RESULT
    mov %ecx, RESULT + 4
    mov %edx, RESULT + 8
    mov $0x1b, %ecx
    rdmsr
    mov %eax, RESULT + 12
    cli
    hlt
console_text:
    .asciz "BASTION-TINY-GUEST: hello from a guest of the Bastion VMM\n"

/* Hostile: an unemulated port, an unknown MSR both ways, a hypercall, a guest VMRUN,
 * 10,000 exits to an absent port, then a write where no memory is. %edi tells the fault handlers how long the faulting
 * instruction is. */
vmm_guest_hostile:
    mov $0x99, %dx
    in %dx, %al
    mov %eax, RESULT
    mov $2, %edi
    mov $0xc0010117, %ecx
    rdmsr
    mov $2, %edi
    xor %eax, %eax
    xor %edx, %edx
    wrmsr
    mov $3, %edi
    vmmcall
    mov $3, %edi
    vmrun
    mov $10000, %ecx            /* an exit storm: 10,000 writes to an absent port */
1:  out %al, $0x98
    loop 1b
    movl $1, 0x3000
    hlt

/* #GP (with an error code) and #UD: count and step over the instruction. */
vmm_guest_gp_handler:
    add $4, %esp
    add %edi, (%esp)
    incl RESULT + 4
    iret
vmm_guest_ud_handler:
    add %edi, (%esp)
    incl RESULT + 8
    iret

/* The x2APIC's TSC-deadline timer: enable the APIC, vector 0x30, a deadline 2,000,000
 * TSC cycles away, STI; HLT; then interrupts off and halt for good. */
vmm_guest_timer:
    mov $0x80f, %ecx
    mov $0x1ff, %eax
    xor %edx, %edx
    wrmsr
    mov $0x832, %ecx
    mov $0x40030, %eax
    wrmsr
    rdtsc
    add $2000000, %eax
    adc $0, %edx
    mov $0x6e0, %ecx
    wrmsr
    sti
    hlt
    cli
    hlt
vmm_guest_timer_handler:
    incl RESULT + 16
    mov $0x80b, %ecx
    xor %eax, %eax
    xor %edx, %edx
    wrmsr
    iret

/* The benchmark's guest: write the UART's THR for ever (one exit per OUT). */
vmm_guest_uart_loop:
    mov $0x3f8, %dx
    mov $0x2e, %al
1:  out %al, %dx
    jmp 1b

guest_end:
