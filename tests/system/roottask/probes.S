/*
 * Probes: tiny functions whose first (or named) instruction is the one that may fault,
 * so that a fault report's RIP can be compared with a known address; code copied into
 * other address spaces; and register/FPU checking loops.
 */
    .text

/* uint64_t probe_read(uint64_t addr) */
    .global probe_read
    .type probe_read, @function
probe_read:
    movq (%rdi), %rax
    ret
    .size probe_read, . - probe_read

/* void probe_write(uint64_t addr, uint64_t value) */
    .global probe_write
    .type probe_write, @function
probe_write:
    movq %rsi, (%rdi)
    ret
    .size probe_write, . - probe_write

/* void probe_call(uint64_t addr): the fault, if any, is at addr itself. */
    .global probe_call
    .type probe_call, @function
probe_call:
    call *%rdi
    ret
    .size probe_call, . - probe_call

/* void probe_ud(void) */
    .global probe_ud
    .type probe_ud, @function
probe_ud:
    ud2
    ret
    .size probe_ud, . - probe_ud

/* uint64_t probe_divide(uint64_t divisor): 1 / divisor */
    .global probe_divide, probe_divide_insn
    .type probe_divide, @function
probe_divide:
    movl $1, %eax
    xorl %edx, %edx
probe_divide_insn:
    divq %rdi
    ret
    .size probe_divide, . - probe_divide

/*
 * Port probes: uint64_t probe_port_in8/in16(uint64_t, uint64_t, uint64_t port) read the
 * port (in rdx, the third argument) with their first instruction;
 * void probe_port_out8(uint64_t value, uint64_t, uint64_t port) writes it at
 * probe_port_out8_insn.
 */
    .global probe_port_in8, probe_port_in16, probe_port_out8, probe_port_out8_insn
    .type probe_port_in8, @function
probe_port_in8:
    inb %dx, %al
    movzbl %al, %eax
    ret
    .size probe_port_in8, . - probe_port_in8

    .type probe_port_in16, @function
probe_port_in16:
    inw %dx, %ax
    movzwl %ax, %eax
    ret
    .size probe_port_in16, . - probe_port_in16

    .type probe_port_out8, @function
probe_port_out8:
    movl %edi, %eax
probe_port_out8_insn:
    outb %al, %dx
    ret
    .size probe_port_out8, . - probe_port_out8

/*
 * Code for a thread in another address space that reads one port (position
 * independent). In: rdi flag block (started at 0, passed at 8, value at 16), rdx the
 * port, r12 the thread's own TCB cptr, r13 the message info of TCB_SUSPEND, r14 the
 * CALL system-call number. A fault leaves RIP at port_blob_in.
 */
    .global port_blob_start, port_blob_in, port_blob_end
port_blob_start:
    movq $1, (%rdi)
port_blob_in:
    inb %dx, %al
    movzbl %al, %eax
    movq %rax, 16(%rdi)
    movq $1, 8(%rdi)
    movq %r12, %rdi
    movq %r13, %rsi
    movq %r14, %rax
    syscall
1:  pause
    jmp 1b
port_blob_end:

/*
 * Code for a thread in another address space, copied there (position independent).
 * In: rdi flag block (started at 0, passed at 8, value at 16), rsi a value to store
 * through the stack, r15 an address to read, rdx the thread's own TCB cptr, r13 the
 * message info of TCB_SUSPEND, r14 the CALL system-call number.
 */
    .global space_blob_start, space_blob_touch, space_blob_end
space_blob_start:
    movq $1, (%rdi)
    pushq %rsi
    popq %rax
    movq %rax, 16(%rdi)
space_blob_touch:
    movq (%r15), %rax
    movq $1, 8(%rdi)
    movq %rdx, %rdi
    movq %r13, %rsi
    movq %r14, %rax
    syscall
1:  pause
    jmp 1b
space_blob_end:

/*
 * void reg_check_loop(struct reg_check *c)
 *   c: 0 seed, 8 rounds, 16 errors, 24 spin, 32.. expect[16]
 * Fills expect[] with seed + k, then forever: loads every general register but rdi
 * (the block) and rsp with its pattern, spins c->spin times on a memory counter, checks
 * every register, and counts a round (and an error on any mismatch).
 */
    .global reg_check_loop
    .type reg_check_loop, @function
reg_check_loop:
    movq 0(%rdi), %rax
    xorl %ecx, %ecx
1:  leaq 1(%rax,%rcx), %rdx
    movq %rdx, 32(%rdi,%rcx,8)
    incq %rcx
    cmpq $16, %rcx
    jne 1b
    pushq $0                      /* the spin counter lives on the stack */
.Lreg_round:
    movq 32(%rdi), %rax
    movq 40(%rdi), %rbx
    movq 48(%rdi), %rcx
    movq 56(%rdi), %rdx
    movq 64(%rdi), %rsi
    movq 72(%rdi), %rbp
    movq 80(%rdi), %r8
    movq 88(%rdi), %r9
    movq 96(%rdi), %r10
    movq 104(%rdi), %r11
    movq 112(%rdi), %r12
    movq 120(%rdi), %r13
    movq 128(%rdi), %r14
    movq 136(%rdi), %r15
    pushq 24(%rdi)
    popq (%rsp)
2:  decq (%rsp)
    jnz 2b
    cmpq 32(%rdi), %rax
    jne .Lreg_bad
    cmpq 40(%rdi), %rbx
    jne .Lreg_bad
    cmpq 48(%rdi), %rcx
    jne .Lreg_bad
    cmpq 56(%rdi), %rdx
    jne .Lreg_bad
    cmpq 64(%rdi), %rsi
    jne .Lreg_bad
    cmpq 72(%rdi), %rbp
    jne .Lreg_bad
    cmpq 80(%rdi), %r8
    jne .Lreg_bad
    cmpq 88(%rdi), %r9
    jne .Lreg_bad
    cmpq 96(%rdi), %r10
    jne .Lreg_bad
    cmpq 104(%rdi), %r11
    jne .Lreg_bad
    cmpq 112(%rdi), %r12
    jne .Lreg_bad
    cmpq 120(%rdi), %r13
    jne .Lreg_bad
    cmpq 128(%rdi), %r14
    jne .Lreg_bad
    cmpq 136(%rdi), %r15
    jne .Lreg_bad
    incq 8(%rdi)
    jmp .Lreg_round
.Lreg_bad:
    incq 16(%rdi)
    incq 8(%rdi)
    jmp .Lreg_round
    .size reg_check_loop, . - reg_check_loop

/*
 * void fpu_check_loop(struct reg_check *c): the same for xmm0..xmm15 (low halves set to
 * expect[k], high halves to its complement), checked through rax/rbx.
 */
    .macro xload n
    movq 32+8*\n(%rdi), %rax
    movq %rax, %xmm\n
    notq %rax
    movq %rax, %xmm15
    pslldq $8, %xmm15
    por %xmm15, %xmm\n
    .endm
    .macro xcheck n
    movq %xmm\n, %rax
    cmpq 32+8*\n(%rdi), %rax
    jne .Lfpu_bad
    pshufd $0xee, %xmm\n, %xmm15
    movq %xmm15, %rax
    notq %rax
    cmpq 32+8*\n(%rdi), %rax
    jne .Lfpu_bad
    .endm

    .global fpu_check_loop
    .type fpu_check_loop, @function
fpu_check_loop:
    movq 0(%rdi), %rax
    xorl %ecx, %ecx
1:  leaq 1(%rax,%rcx), %rdx
    movabsq $0x9e3779b97f4a7c15, %r8
    imulq %r8, %rdx
    movq %rdx, 32(%rdi,%rcx,8)
    incq %rcx
    cmpq $16, %rcx
    jne 1b
.Lfpu_round:
    xload 0
    xload 1
    xload 2
    xload 3
    xload 4
    xload 5
    xload 6
    xload 7
    xload 8
    xload 9
    xload 10
    xload 11
    xload 12
    xload 13
    xload 14
    movq 24(%rdi), %rcx
2:  decq %rcx
    jnz 2b
    xcheck 0
    xcheck 1
    xcheck 2
    xcheck 3
    xcheck 4
    xcheck 5
    xcheck 6
    xcheck 7
    xcheck 8
    xcheck 9
    xcheck 10
    xcheck 11
    xcheck 12
    xcheck 13
    xcheck 14
    incq 8(%rdi)
    jmp .Lfpu_round
.Lfpu_bad:
    incq 16(%rdi)
    incq 8(%rdi)
    jmp .Lfpu_round
    .size fpu_check_loop, . - fpu_check_loop

    .section .note.GNU-stack, "", @progbits
