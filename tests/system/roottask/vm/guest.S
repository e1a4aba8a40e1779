/*
 * The test guests (vm_tests.c): 32-bit flat protected-mode code, copied to
 * guest-physical address 0 (so that an offset from guest_start is its guest-physical
 * address). The VMM sets CS/DS/ES/SS flat, CPL 0, paging off, and RIP to one of the
 * entry points below. Guest-physical layout: 0x0000 this code (read, execute),
 * 0x1000 data (read, write: counters, IDT at 0x1000, GDT at 0x1800, stack below
 * 0x2000), 0x2000 a read-only page, nothing at 0x3000.
 */
#define GPA(label) ((label) - guest_start)

    .section .rodata
    .code32
    .globl guest_start, guest_end
    .globl guest_exits, guest_storm, guest_spin, guest_irq, guest_irq_handler
    .globl guest_read_probe, guest_triple, guest_vmrun, guest_xsetbv
    .globl guest_xgetbv, guest_dr_write, guest_dr_read
guest_start:

/* One instruction per exit, in the order vm.exit_sequence checks them. */
guest_exits:
    mov $0x12, %al
    out %al, $0x80              /* IO: out, port 0x80, 1 byte, al 0x12 */
    in $0x71, %al               /* IO: in, port 0x71 (the VMM answers 0x34) */
    add $1, %eax
    cpuid                       /* CPUID: leaf 0x35 proves the answer arrived */
    mov $0xc0001234, %ecx
    rdmsr                       /* MSR_READ 0xc0001234 */
    wrmsr                       /* MSR_WRITE with what RDMSR got */
    hlt                         /* HLT */
    vmmcall                     /* HYPERCALL */
    movl $1, 0x3000             /* NESTED_FAULT: write, nothing mapped */
    mov 0x2000, %eax            /* the read-only page reads */
    movl %eax, 0x2000           /* NESTED_FAULT: write, present */
    hlt

/* 100,000 port writes, then HLT. */
guest_storm:
    mov $100000, %ecx
1:  out %al, $0x80
    loop 1b
    hlt

/* Interrupts off, counting forever in the data page. */
guest_spin:
    cli
1:  incl 0x1000
    jmp 1b

/* Interrupts on, halt; vector 0x30 runs guest_irq_handler. */
guest_irq:
    mov $0x1f00, %esp
    sti
    hlt
    mov $0x99, %al
    out %al, $0xe2              /* only after the handler returned */
    hlt
guest_irq_handler:
    mov $0x77, %al
    out %al, $0xe1
    iret

/* Report the word at guest-physical 0x2000 through port 0xe3 (as eax), again and again. */
guest_read_probe:
    mov 0x2000, %eax
    out %eax, $0xe3
    jmp guest_read_probe

/* A zero-limit IDT: #UD cannot be delivered, nor #GP, nor #DF: shutdown. */
guest_triple:
    lidt GPA(idt_zero)
    ud2
    .balign 8
idt_zero:
    .word 0
    .long 0
    .word 0

guest_vmrun:
    xor %eax, %eax
    vmrun
    hlt

/* XSETBV (intercepted), then XGETBV (not): port 0xe4 shows the XCR0 the guest runs with. */
guest_xsetbv:
    mov %cr4, %eax
    or $0x40000, %eax           /* OSXSAVE */
    mov %eax, %cr4
    xor %ecx, %ecx
    xor %edx, %edx
    mov $3, %eax
    xsetbv
guest_xgetbv:
    xor %ecx, %ecx
    xgetbv
    out %eax, $0xe4
    hlt

/* A breakpoint address in DR0, kept across a halt; and DR0 as another guest finds it. */
guest_dr_write:
    mov $0x1234, %eax
    mov %eax, %db0
    hlt
    mov %db0, %eax
    out %eax, $0xe5
    hlt
guest_dr_read:
    mov %db0, %eax
    out %eax, $0xe5
    hlt

guest_end:
    .section .note.GNU-stack, "", @progbits
