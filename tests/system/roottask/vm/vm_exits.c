/*
 * Exits: each intercepted thing the guest does comes back to the VMM as the right exit
 * message, and the guest goes on where the VMM says.
 */
#include "vm.h"

#define CHECK_EXIT(x, want)                                                                        \
    CHECK((x).reason == (want), "line %d: exit %s (code 0x%lx, rip 0x%lx), expected %s", __LINE__, \
          bst_vm_exit_name((bst_vm_exit_t)(x).reason), (unsigned long)(x).arch_code,               \
          (unsigned long)(x).rip, bst_vm_exit_name(want))

void test_vm_exit_sequence(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x, prev;
    CHECK_OK(vm_setup(&vm));
    CHECK_OK(vm_flat32(&vm, guest_exits));
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_IO);
    CHECK(x.info0 == (0x80 | (1ull << 16)), "out: info 0x%lx", (unsigned long)x.info0);
    CHECK((x.rax & 0xff) == 0x12 && x.insn_len == 2, "out: al 0x%lx, length %lu",
          (unsigned long)x.rax, (unsigned long)x.insn_len);
    CHECK(x.arch_code == 0x7b, "out: AMD exit code 0x%lx", (unsigned long)x.arch_code);
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    CHECK_EXIT(x, BST_VM_EXIT_IO);
    CHECK(x.info0 == (0x71 | (1ull << 16) | BST_VM_IO_IN), "in: info 0x%lx",
          (unsigned long)x.info0);
    prev = x;
    CHECK_OK(vm_answer(&vm, &prev, 0x34, prev.rdx, &x)); /* IN's answer; add; CPUID */
    CHECK_EXIT(x, BST_VM_EXIT_CPUID);
    CHECK(x.info0 == 0x35 && x.insn_len == 2, "cpuid: leaf 0x%lx (0x35: IN's answer + 1)",
          (unsigned long)x.info0);
    struct bst_vcpu_resume r = {BST_VCPU_RUN_ADVANCE | BST_VCPU_RUN_SET_GPRS, 1, 2, 3, 4};
    CHECK_OK(bst_vcpu_run(vm.vcpu, &r, &x));
    CHECK_EXIT(x, BST_VM_EXIT_MSR_READ);
    CHECK(x.info0 == 0xc0001234 && x.rbx == 2, "rdmsr: msr 0x%lx, rbx 0x%lx (CPUID's 2)",
          (unsigned long)x.info0, (unsigned long)x.rbx);
    prev = x;
    CHECK_OK(vm_answer(&vm, &prev, 5, 6, &x));
    CHECK_EXIT(x, BST_VM_EXIT_MSR_WRITE);
    CHECK(x.info0 == 0xc0001234 && x.info1 == 0x600000005ull, "wrmsr: msr 0x%lx value 0x%lx",
          (unsigned long)x.info0, (unsigned long)x.info1);
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    CHECK_EXIT(x, BST_VM_EXIT_HLT);
    CHECK(x.insn_len == 1, "hlt: length %lu", (unsigned long)x.insn_len);
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    CHECK_EXIT(x, BST_VM_EXIT_HYPERCALL);
    CHECK(x.insn_len == 3, "vmmcall: length %lu", (unsigned long)x.insn_len);
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    CHECK_EXIT(x, BST_VM_EXIT_NESTED_FAULT);
    CHECK(x.info0 == GPA_NONE && x.info1 == BST_VM_NF_WRITE, "npf: gpa 0x%lx access 0x%lx",
          (unsigned long)x.info0, (unsigned long)x.info1);
    uint64_t rip = x.rip;
    /* Map the page: the instruction runs again, and on to the read-only page's write. */
    bst_cptr_t page;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &page));
    CHECK_OK(
        bst_frame_guest_map(page, vm.gspace, GPA_NONE, BST_GUEST_MAP_READ | BST_GUEST_MAP_WRITE));
    vm.ro_view[0] = 0xabcd;
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_NESTED_FAULT);
    CHECK(x.rip > rip && x.info0 == GPA_RO && x.info1 == (BST_VM_NF_WRITE | BST_VM_NF_PRESENT),
          "read-only: gpa 0x%lx access 0x%lx", (unsigned long)x.info0, (unsigned long)x.info1);
    CHECK(x.rax == 0xabcd && vm.ro_view[0] == 0xabcd, "the read-only page changed (0x%lx)",
          (unsigned long)x.rax);
}

void test_vm_triple_fault(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&vm));
    CHECK_OK(vm_flat32(&vm, guest_triple));
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_SHUTDOWN);
    CHECK(x.arch_code == 0x7f, "shutdown: code 0x%lx", (unsigned long)x.arch_code);
    /* Running it again without a reset shuts down again: the kernel is not bothered. */
    CHECK_OK(vm_flat32(&vm, guest_triple));
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_SHUTDOWN);
}

void test_vm_guest_vmrun(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&vm));
    CHECK_OK(vm_flat32(&vm, guest_vmrun));
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_VIRT_INSTRUCTION);
    CHECK(x.arch_code == 0x80 && x.insn_len == 3, "vmrun: code 0x%lx length %lu",
          (unsigned long)x.arch_code, (unsigned long)x.insn_len);
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    CHECK_EXIT(x, BST_VM_EXIT_HLT);
}

static uint64_t host_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* The guest's XSETBV: an exit where the CPU intercepts it (QEMU 7.2's TCG does not: the
 * guest's XSETBV then changes the CPU's XCR0, and the kernel must put the host's back
 * after every exit). Either way the host's XCR0 is intact afterwards, and the guest
 * runs with the XCR0 the VMM gives it. */
void test_vm_xsetbv(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    uint64_t before = host_xcr0();
    CHECK_OK(vm_setup(&vm));
    CHECK_OK(vm_flat32(&vm, guest_xsetbv));
    CHECK_OK(vm_run(&vm, 0, &x));
    if (x.reason == BST_VM_EXIT_XSETBV) {
        CHECK(x.info0 == 0 && x.info1 == 3 && x.insn_len == 3, "xsetbv: xcr %lu value 0x%lx",
              (unsigned long)x.info0, (unsigned long)x.info1);
        CHECK_OK(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_xcr0, x.info1));
        CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    }
    CHECK_EXIT(x, BST_VM_EXIT_IO);
    CHECK((x.info0 & 0xffff) == 0xe4, "port 0x%lx", (unsigned long)x.info0);
    CHECK(host_xcr0() == before, "the host's XCR0 is 0x%lx after the guest's XSETBV (was 0x%lx)",
          (unsigned long)host_xcr0(), (unsigned long)before);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_xcr0, 0), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_xcr0, 5), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_xcr0, 1ull << 9), BST_INVALID_ARGUMENT);
    CHECK_OK(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_xcr0, 3));
    CHECK_OK(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_rip, vm_gpa(guest_xgetbv)));
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_IO);
    CHECK((uint32_t)x.rax == 3, "the guest runs with XCR0 0x%lx, not 3", (unsigned long)x.rax);
    CHECK(host_xcr0() == before, "the host's XCR0 changed");
}

/* DR0-DR3 are each guest's own: one guest's breakpoint address is neither seen by
 * another guest nor lost across its exits. */
void test_vm_debug_registers(void)
{
    static struct vm a, b;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&a));
    CHECK_OK(vm_flat32(&a, guest_dr_write));
    CHECK_OK(vm_run(&a, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_HLT);
    CHECK_OK(vm_setup(&b)); /* binds b to the root thread, a is unbound */
    CHECK_OK(vm_flat32(&b, guest_dr_read));
    CHECK_OK(vm_run(&b, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_IO);
    CHECK((uint32_t)x.rax == 0, "another guest's DR0 reads 0x%lx", (unsigned long)x.rax);
    CHECK_OK(bst_vcpu_bind(a.vcpu, ROOT_TCB, a.gspace));
    CHECK_OK(vm_run(&a, BST_VCPU_RUN_ADVANCE, &x));
    CHECK_EXIT(x, BST_VM_EXIT_IO);
    CHECK((uint32_t)x.rax == 0x1234, "the guest's own DR0 reads 0x%lx", (unsigned long)x.rax);
}

/* Long mode without PAE: the kernel lets each value through, the hardware refuses the
 * whole: an exit, not a kernel fault. Fixing the state runs the guest again. */
void test_vm_invalid_state(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&vm));
    CHECK_OK(vm_flat32(&vm, guest_exits));
    CHECK_OK(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_efer, 1ull << 8)); /* LME */
    CHECK_OK(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_cr0, 0x80000011ull));
    bst_error_t e0 = vm_run(&vm, 0, &x);
    CHECK_OK(e0);
    CHECK_EXIT(x, BST_VM_EXIT_INVALID_STATE);
    CHECK((uint32_t)x.arch_code == 0xffffffffu && x.insn_len == 0, "invalid: code 0x%lx",
          (unsigned long)x.arch_code);
    CHECK_OK(vm_flat32(&vm, guest_exits));
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_IO);
}

#define STORM_EXITS 100000u

void test_vm_exit_storm(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&vm));
    CHECK_OK(vm_flat32(&vm, guest_storm));
    unsigned io = 0;
    CHECK_OK(vm_run(&vm, 0, &x));
    while (x.reason == BST_VM_EXIT_IO && io <= STORM_EXITS) {
        io++;
        CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    }
    CHECK_EXIT(x, BST_VM_EXIT_HLT);
    CHECK(io == STORM_EXITS, "%u port exits, expected %u", io, STORM_EXITS);
    CHECK(kernel_state_check(NULL) == NULL, "the kernel's state broke during the storm");
}

/* 32-bit interrupt gate for vector 0x30 in the IDT at gpa 0x1000; a GDT at 0x1800 whose
 * 0x08 is flat code and 0x10 flat data, so that the gate's CS can be loaded. */
static void write_tables(struct vm *vm)
{
    volatile uint32_t *d = vm->data_view;
    uint32_t handler = (uint32_t)vm_gpa(guest_irq_handler);
    d[0x30 * 2] = (0x08u << 16) | (handler & 0xffff);
    d[0x30 * 2 + 1] = (handler & 0xffff0000u) | 0x8e00u;
    volatile uint32_t *gdt = d + 0x800 / 4;
    gdt[0] = gdt[1] = 0;
    gdt[2] = 0x0000ffff;
    gdt[3] = 0x00cf9b00;
    gdt[4] = 0x0000ffff;
    gdt[5] = 0x00cf9300;
}

void test_vm_inject_interrupt(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&vm));
    write_tables(&vm);
    CHECK_OK(vm_flat32(&vm, guest_irq));
    const uint64_t tables[] = {0x1800, 23, 0x1000, 0x30 * 8 + 7};
    CHECK_OK(bst_vcpu_write_regs(vm.vcpu, BST_VCPU_REG_gdtr_base, 4, tables));
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK_EXIT(x, BST_VM_EXIT_HLT);
    CHECK(x.flags & BST_VM_STATE_IF, "the guest halted with interrupts off");
    CHECK_ERR(bst_vcpu_inject(vm.vcpu, BST_VCPU_EVENT_EXTINT | 0x30, 0), BST_OK);
    CHECK_ERR(bst_vcpu_inject(vm.vcpu, BST_VCPU_EVENT_EXTINT | 0x31, 0), BST_SLOT_OCCUPIED);
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    CHECK_EXIT(x, BST_VM_EXIT_IO);
    CHECK((x.info0 & 0xffff) == 0xe1 && (x.rax & 0xff) == 0x77,
          "the handler did not run: port 0x%lx al 0x%lx", (unsigned long)x.info0,
          (unsigned long)x.rax);
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x)); /* IRET back after the HLT */
    CHECK_EXIT(x, BST_VM_EXIT_IO);
    CHECK((x.info0 & 0xffff) == 0xe2 && (x.rax & 0xff) == 0x99,
          "no return from the handler: port 0x%lx", (unsigned long)x.info0);
}
