/*
 * The exit dispatcher on the host with made-up exit messages: each reason's emulation,
 * the register-backed MSRs, interrupt delivery and windows, halts, and a hostile guest
 * (unemulated ports, unknown MSRs, bad guest-physical addresses, virtualisation
 * instructions, an exit storm of random messages) that only ever faults itself.
 */
#include <string.h>
#include <vmm/machine.h>

#include "check.h"
#include "tests.h"

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)subleaf;
    out[0] = leaf == 0 ? 0x16 : (leaf == 0x80000000u ? 0x80000008u : 0x1234);
    out[1] = out[2] = out[3] = 0xffffffffu;
}

static struct bst_vm_exit_msg exit_msg(bst_vm_exit_t reason, uint64_t info0, uint64_t info1)
{
    return (struct bst_vm_exit_msg){.reason = reason,
                                    .rip = 0x1000,
                                    .insn_len = 2,
                                    .info0 = info0,
                                    .info1 = info1,
                                    .rax = 0x1111222233334444ull,
                                    .rbx = 5,
                                    .rcx = 6,
                                    .rdx = 7,
                                    .flags = BST_VM_STATE_IF};
}

static uint64_t io(unsigned port, unsigned size, bool in)
{
    return port | ((uint64_t)size << 16) | (in ? BST_VM_IO_IN : 0);
}

void test_dispatch_io(void)
{
    struct vmm_machine m;
    struct vmm_action a;
    vmm_machine_init(&m, host_cpuid, 1000000);
    /* OUT to COM1's THR: the byte is transmitted, the instruction skipped. */
    struct bst_vm_exit_msg e = exit_msg(BST_VM_EXIT_IO, io(0x3f8, 1, false), 0);
    e.rax = 'B';
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.verdict == VMM_RESUME && a.run_flags == BST_VCPU_RUN_ADVANCE && !a.inject);
    CHECK(m.com1.tx_count == 1 && m.com1.tx[0] == 'B');
    /* IN of LSR into AL keeps the rest of RAX. */
    e = exit_msg(BST_VM_EXIT_IO, io(0x3fd, 1, true), 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.run_flags == (BST_VCPU_RUN_ADVANCE | BST_VCPU_RUN_SET_GPRS));
    CHECK(a.gprs[0] == 0x1111222233334460ull && a.gprs[1] == 5 && a.gprs[3] == 7);
    /* A 4-byte IN of an absent port: all ones, RAX's upper half cleared, reported once. */
    e = exit_msg(BST_VM_EXIT_IO, io(0x2fc, 4, true), 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.gprs[0] == 0xffffffffull && strstr(a.report.msg, "unemulated port 0x2fc"));
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.report.msg[0] == '\0' && m.unemulated_port_accesses == 2);
    /* Port 0x80 writes (Linux's I/O delay) are silent. */
    e = exit_msg(BST_VM_EXIT_IO, io(0x80, 1, false), 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.report.msg[0] == '\0' && a.verdict == VMM_RESUME);
    /* String I/O: #GP, not skipped. */
    e = exit_msg(BST_VM_EXIT_IO, io(0x3f8, 1, false) | BST_VM_IO_STRING | BST_VM_IO_REP, 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.inject && a.event == (13 | BST_VCPU_EVENT_EXCEPTION | BST_VCPU_EVENT_ERROR_CODE));
    CHECK(!(a.run_flags & BST_VCPU_RUN_ADVANCE));
    /* Size 3 is no x86 access: #GP. */
    e = exit_msg(BST_VM_EXIT_IO, io(0x3f8, 3, true), 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.inject && m.gp_injected == 2);
    /* Reset through the keyboard controller stops the guest. */
    e = exit_msg(BST_VM_EXIT_IO, io(0x64, 1, false), 0);
    e.rax = 0xfe;
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.verdict == VMM_STOP && strstr(a.report.msg, "reset"));
}

void test_dispatch_cpuid_msr(void)
{
    struct vmm_machine m;
    struct vmm_action a;
    vmm_machine_init(&m, host_cpuid, 1000000);
    struct bst_vm_exit_msg e = exit_msg(BST_VM_EXIT_CPUID, 1, 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.run_flags == (BST_VCPU_RUN_ADVANCE | BST_VCPU_RUN_SET_GPRS));
    CHECK(a.gprs[2] & (1u << 31));
    /* The APIC base through the policy, the TSC deadline through the APIC. */
    e = exit_msg(BST_VM_EXIT_MSR_READ, 0x1b, 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.gprs[0] == 0xfee00d00ull && a.gprs[3] == 0);
    e = exit_msg(BST_VM_EXIT_MSR_WRITE, 0x80f, 0x1ff);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.run_flags == BST_VCPU_RUN_ADVANCE && m.lapic.svr == 0x1ff);
    /* An unknown MSR: #GP(0), the instruction not skipped, reported. */
    e = exit_msg(BST_VM_EXIT_MSR_READ, 0xc0010114u, 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.inject && (a.event & 0xff) == 13 && a.error_code == 0 && a.run_flags == 0);
    CHECK(strstr(a.report.msg, "RDMSR #GP: 0xc0010114") != NULL);
    /* Register-backed: LSTAR moves through the VCPU's registers. */
    e = exit_msg(BST_VM_EXIT_MSR_WRITE, 0xc0000082u, 0xffffffff81000000ull);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.reg_op == VMM_REG_WRITE && a.reg == BST_VCPU_REG_lstar);
    CHECK(a.reg_value == 0xffffffff81000000ull && (a.run_flags & BST_VCPU_RUN_ADVANCE));
    vmm_reg_write_refused(&m, &a);
    CHECK(a.inject && (a.event & 0xff) == 13 && !(a.run_flags & BST_VCPU_RUN_ADVANCE));
    e = exit_msg(BST_VM_EXIT_MSR_READ, 0xc0000080u, 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.reg_op == VMM_REG_READ && a.reg == BST_VCPU_REG_efer);
    vmm_reg_read_done(&a, 0x0000000500000d01ull);
    CHECK(a.gprs[0] == 0xd01 && a.gprs[3] == 5 && a.gprs[1] == 5 && a.gprs[2] == 6);
    CHECK(a.run_flags == (BST_VCPU_RUN_ADVANCE | BST_VCPU_RUN_SET_GPRS));
    CHECK(vmm_msr_backing_reg(0xc0000102u) == BST_VCPU_REG_kernel_gs_base);
    CHECK(vmm_msr_backing_reg(0xc0000103u) < 0); /* TSC_AUX: not offered */
}

/* Enable the APIC, deadline timer on vector 0xec, armed for `when`. */
static void arm_timer(struct vmm_machine *m, uint64_t when)
{
    vmm_lapic_wrmsr(&m->lapic, 0x80f, 0x1ff, 0);
    vmm_lapic_wrmsr(&m->lapic, 0x832, 0x400ec, 0);
    vmm_lapic_wrmsr(&m->lapic, 0x6e0, when, 0);
}

void test_dispatch_interrupts(void)
{
    struct vmm_machine m;
    struct vmm_action a;
    vmm_machine_init(&m, host_cpuid, 1000000);
    arm_timer(&m, 1000);
    /* HLT with IF before the deadline: wait until it. */
    struct bst_vm_exit_msg e = exit_msg(BST_VM_EXIT_HLT, 0, 0);
    vmm_dispatch(&m, &e, 500, &a);
    CHECK(a.verdict == VMM_WAIT && a.wait_until == 1000 && (a.run_flags & BST_VCPU_RUN_ADVANCE));
    /* The VMM waits until the deadline and wakes the guest: the halt completes and the
     * timer's vector goes in with it. */
    vmm_wake(&m, &e, 1000, &a);
    CHECK(a.verdict == VMM_RESUME && a.inject && a.event == (0xec | BST_VCPU_EVENT_EXTINT));
    CHECK(a.run_flags == BST_VCPU_RUN_ADVANCE && m.interrupts_injected == 1);
    /* In service now: the next one waits for EOI. */
    vmm_lapic_raise(&m.lapic, 0xe0);
    e = exit_msg(BST_VM_EXIT_CPUID, 0, 0);
    vmm_dispatch(&m, &e, 1100, &a);
    CHECK(!a.inject && !(a.run_flags & BST_VCPU_RUN_WINDOW));
    /* EOI: 0xe0 becomes deliverable; with IF clear a window is asked for. */
    e = exit_msg(BST_VM_EXIT_MSR_WRITE, 0x80b, 0);
    e.flags = 0;
    vmm_dispatch(&m, &e, 1200, &a);
    CHECK(!a.inject && (a.run_flags & BST_VCPU_RUN_WINDOW) && (a.run_flags & BST_VCPU_RUN_ADVANCE));
    /* An interrupt shadow (STI; WRMSR) holds only until the instruction completes. */
    e = exit_msg(BST_VM_EXIT_INTERRUPT_WINDOW, 0, 0);
    e.flags = BST_VM_STATE_IF | BST_VM_STATE_SHADOW;
    vmm_dispatch(&m, &e, 1300, &a);
    CHECK(!a.inject && (a.run_flags & BST_VCPU_RUN_WINDOW));
    e.flags = BST_VM_STATE_IF | BST_VM_STATE_PENDING;
    vmm_dispatch(&m, &e, 1300, &a);
    CHECK(!a.inject);
    e.flags = BST_VM_STATE_IF;
    vmm_dispatch(&m, &e, 1300, &a);
    CHECK(a.inject && (a.event & 0xff) == 0xe0);
    /* HLT with IF clear and nothing pending: the guest is off. */
    e = exit_msg(BST_VM_EXIT_HLT, 0, 0);
    e.flags = 0;
    vmm_dispatch(&m, &e, 1400, &a);
    CHECK(a.verdict == VMM_STOP && strstr(a.report.msg, "halted with interrupts off"));
}

void test_dispatch_uart_irq(void)
{
    struct vmm_machine m;
    struct vmm_action a;
    vmm_machine_init(&m, host_cpuid, 1000000);
    /* Linux's setup: 8259s at 0x30, IRQ 4 unmasked, LINT0 ExtINT, APIC on, UART RDA. */
    static const uint8_t pic_seq[][2] = {{0x20, 0x11}, {0x21, 0x30}, {0x21, 4}, {0x21, 1},
                                         {0xa0, 0x11}, {0xa1, 0x38}, {0xa1, 2}, {0xa1, 1},
                                         {0x21, 0xeb}, {0xa1, 0xff}};
    for (unsigned i = 0; i < sizeof(pic_seq) / sizeof(pic_seq[0]); i++) {
        struct bst_vm_exit_msg e = exit_msg(BST_VM_EXIT_IO, io(pic_seq[i][0], 1, false), 0);
        e.rax = pic_seq[i][1];
        vmm_dispatch(&m, &e, 0, &a);
    }
    vmm_lapic_wrmsr(&m.lapic, 0x80f, 0x1ff, 0);
    vmm_lapic_wrmsr(&m.lapic, 0x835, 0x700, 0);
    struct bst_vm_exit_msg e = exit_msg(BST_VM_EXIT_IO, io(0x3f9, 1, false), 0);
    e.rax = 1;
    vmm_dispatch(&m, &e, 0, &a);
    e = exit_msg(BST_VM_EXIT_IO, io(0x3fc, 1, false), 0);
    e.rax = 0x08;
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(!a.inject);
    /* Input arrives (a notification to the VMM): IRQ 4 reaches the guest as 0x34. */
    CHECK(vmm_console_input(&m, (const uint8_t *)"ok\n", 3) == 3);
    e = exit_msg(BST_VM_EXIT_SIGNAL, 1, 0);
    e.insn_len = 0;
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.inject && a.event == (0x34 | BST_VCPU_EVENT_EXTINT) && a.run_flags == 0);
    /* The guest reads the bytes and EOIs; nothing more is pending. */
    for (int i = 0; i < 3; i++) {
        e = exit_msg(BST_VM_EXIT_IO, io(0x3f8, 1, true), 0);
        vmm_dispatch(&m, &e, 0, &a);
    }
    CHECK((a.gprs[0] & 0xff) == '\n');
    e = exit_msg(BST_VM_EXIT_IO, io(0x20, 1, false), 0);
    e.rax = 0x20;
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(!a.inject && m.pic.chip[0].isr == 0);
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

void test_dispatch_hostile(void)
{
    struct vmm_machine m;
    struct vmm_action a;
    vmm_machine_init(&m, host_cpuid, 1000000);
    struct bst_vm_exit_msg e = exit_msg(BST_VM_EXIT_NESTED_FAULT, 0xdead0000ull, BST_VM_NF_WRITE);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.verdict == VMM_STOP && strstr(a.report.msg, "0xdead0000"));
    e = exit_msg(BST_VM_EXIT_VIRT_INSTRUCTION, 0, 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.inject && a.event == (6 | BST_VCPU_EVENT_EXCEPTION) && a.verdict == VMM_RESUME);
    e = exit_msg(BST_VM_EXIT_SHUTDOWN, 0, 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.verdict == VMM_STOP && strstr(a.report.msg, "triple fault"));
    e = exit_msg(BST_VM_EXIT_EXCEPTION, 17, 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.event == (17 | BST_VCPU_EVENT_EXCEPTION | BST_VCPU_EVENT_ERROR_CODE));
    e = exit_msg((bst_vm_exit_t)99, 0, 0);
    vmm_dispatch(&m, &e, 0, &a);
    CHECK(a.verdict == VMM_STOP && m.exits[0] == 1);
    /* More distinct bad ports than are reported: counted, reports bounded. */
    for (unsigned port = 0x100; port < 0x100 + 3 * VMM_REPORTED_PORTS; port++) {
        e = exit_msg(BST_VM_EXIT_IO, io(port, 1, true), 0);
        vmm_dispatch(&m, &e, 0, &a);
    }
    CHECK(m.reported_port_count == VMM_REPORTED_PORTS && a.report.msg[0] == '\0');
    CHECK(m.unemulated_port_accesses == 3 * VMM_REPORTED_PORTS);
    /* An exit storm: 200,000 random messages. Every action must be well-formed. */
    unsigned bad = 0;
    for (unsigned i = 0; i < 200000; i++) {
        struct bst_vm_exit_msg r;
        uint64_t *w = (uint64_t *)&r;
        for (unsigned k = 0; k < BST_VM_EXIT_MSG_LENGTH; k++)
            w[k] = next_random();
        r.reason = next_random() % 18;
        if (next_random() & 1) /* plausible I/O and MSR numbers half the time */
            r.info0 &= (next_random() & 1) ? 0x7ffffull : 0xc00008ffull;
        vmm_dispatch(&m, &r, next_random(), &a);
        bad += (a.run_flags & ~(uint64_t)BST_VCPU_RUN_FLAGS) != 0;
        bad += a.inject && (a.event & ~BST_VCPU_EVENT_VALID_MASK) != 0;
        bad += a.verdict == VMM_STOP && a.report.msg[0] == '\0';
        bad += strlen(a.report.msg) >= VMM_ERROR_MAX;
        if (a.reg_op == VMM_REG_READ)
            vmm_reg_read_done(&a, next_random());
        uint8_t drain[VMM_UART_TX];
        vmm_uart_take_tx(&m.com1, drain, sizeof(drain));
    }
    CHECK(bad == 0);
}
