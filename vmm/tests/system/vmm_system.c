/*
 * The VMM's system test (suite system-vmm; docs/virtualisation.md, "Tests"): the root
 * task is the VMM of tiny guests (guest.S), on the shared root-task harness and the
 * virtualisation tests' environment (tests/system/roottask/vm/vm_env.c makes the VCPU,
 * the guest-physical space and its pages). Unlike system-vm, which checks the kernel's
 * exits one by one, every exit here goes through the VMM library's dispatcher and run
 * loop (vmm/run.c), as in the VMM PD.
 */
#include "vm.h"

#include <libbastion/start.h>
#include <libbastion/string.h>
#include <vmm/run.h>

extern const char vmm_guest_console[], vmm_guest_hostile[], vmm_guest_timer[];
extern const char vmm_guest_gp_handler[], vmm_guest_ud_handler[], vmm_guest_timer_handler[];
extern const char vmm_guest_uart_loop[];

#define RESULT_OFFSET 0x400 /* guest-physical 0x1400 in the data page */
#define MAX_EXITS     100000

static char console_text[256];
static unsigned console_len;

/* The guest's console: kept for the checks and printed, so its lines reach the serial
 * console beside the native root task's. */
static void console(const uint8_t *bytes, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (console_len < sizeof(console_text) - 1)
            console_text[console_len++] = (char)bytes[i];
        bst_debug_putc((char)bytes[i]);
    }
}

/* The host's CPUID for the policy. */
static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3])
                     : "a"(leaf), "c"(subleaf));
}

/* A 32-bit interrupt gate for `vector` to `handler` in the guest's IDT at 0x1000. */
static void idt_gate(struct vm *vm, unsigned vector, const char *handler)
{
    uint32_t off = (uint32_t)vm_gpa(handler);
    volatile uint32_t *gate = vm->data_view + vector * 2;
    gate[0] = (off & 0xffff) | (0x08u << 16);
    gate[1] = (off & 0xffff0000u) | 0x8e00u;
}

/* The guest's GDT at 0x1800 (null, 0x08 flat code, 0x10 flat data, as vm_flat32 loads
 * them): delivering an interrupt and IRET load CS from it. */
static bst_error_t gdt_setup(struct vm *vm)
{
    volatile uint32_t *gdt = vm->data_view + 0x800 / 4;
    gdt[0] = gdt[1] = 0;
    gdt[2] = 0x0000ffff, gdt[3] = 0x00cf9b00;
    gdt[4] = 0x0000ffff, gdt[5] = 0x00cf9300;
    bst_error_t e = bst_vcpu_write_reg(vm->vcpu, BST_VCPU_REG_gdtr_base, 0x1800);
    return e == BST_OK ? bst_vcpu_write_reg(vm->vcpu, BST_VCPU_REG_gdtr_limit, 23) : e;
}

static bst_error_t guest_setup(struct vm *vm, struct vmm_machine *m, const char *entry)
{
    bst_error_t e = vm_setup(vm);
    if (e == BST_OK)
        e = vm_flat32(vm, entry);
    if (e == BST_OK)
        e = gdt_setup(vm);
    if (e == BST_OK)
        e = bst_vcpu_write_reg(vm->vcpu, BST_VCPU_REG_idtr_base, 0x1000);
    if (e == BST_OK)
        e = bst_vcpu_write_reg(vm->vcpu, BST_VCPU_REG_idtr_limit, 0x31 * 8 - 1);
    vmm_machine_init(m, host_cpuid, 1000000);
    console_len = 0;
    memset(console_text, 0, sizeof(console_text));
    return e;
}

/* Whether text contains word (libbastion has no strstr). */
static bool contains(const char *text, const char *word)
{
    size_t n = bst_strlen(word);
    for (; *text; text++)
        if (bst_strncmp(text, word, n) == 0)
            return true;
    return false;
}

static uint32_t result(struct vm *vm, unsigned index)
{
    return vm->data_view[RESULT_OFFSET / 4 + index];
}

static void test_vmm_console(void)
{
    struct vm vm;
    struct vmm_machine m;
    struct vmm_run_result r;
    CHECK_OK(guest_setup(&vm, &m, vmm_guest_console));
    vmm_run(vm.vcpu, &m, MAX_EXITS, console, &r);
    CHECK(r.error == BST_OK, "VCPU_RUN failed: %s", bst_error_name(r.error));
    const char *want = "BASTION-TINY-GUEST: hello from a guest of the Bastion VMM\n";
    CHECK(bst_strcmp(console_text, want) == 0, "the guest's console said \"%s\"", console_text);
    CHECK(result(&vm, 0) == 0x74736142 && result(&vm, 1) == 0x566e6f69 && result(&vm, 2) == 0x4d4d,
          "CPUID 0x40000000 gave %x %x %x", result(&vm, 0), result(&vm, 1), result(&vm, 2));
    CHECK(result(&vm, 3) == 0xfee00d00u, "APIC base 0x%x", result(&vm, 3));
    CHECK(contains(r.stop.msg, "halted with interrupts off"), "stopped: %s", r.stop.msg);
    bst_printf("vmm-test: console guest: %lu exits, stopped: %s\n", (unsigned long)r.exits,
               r.stop.msg);
}

static void test_vmm_hostile(void)
{
    struct vm vm;
    struct vmm_machine m;
    struct vmm_run_result r;
    CHECK_OK(guest_setup(&vm, &m, vmm_guest_hostile));
    idt_gate(&vm, 13, vmm_guest_gp_handler);
    idt_gate(&vm, 6, vmm_guest_ud_handler);
    vmm_run(vm.vcpu, &m, MAX_EXITS, console, &r);
    CHECK(r.error == BST_OK, "VCPU_RUN failed: %s", bst_error_name(r.error));
    CHECK((result(&vm, 0) & 0xff) == 0xff, "unemulated port read 0x%x", result(&vm, 0));
    CHECK(result(&vm, 1) == 2 && m.gp_injected == 2, "#GP: %u in the guest, %lu injected",
          result(&vm, 1), (unsigned long)m.gp_injected);
    CHECK(result(&vm, 2) == 2 && m.ud_injected == 2, "#UD: %u in the guest, %lu injected",
          result(&vm, 2), (unsigned long)m.ud_injected);
    CHECK(m.unemulated_port_accesses == 10001 && m.reported_port_count == 2 &&
              m.reported_ports[0] == 0x99 && m.reported_ports[1] == 0x98,
          "unemulated port accesses: %lu, %u reported", (unsigned long)m.unemulated_port_accesses,
          m.reported_port_count);
    CHECK(r.exits == 10006, "%lu exits, expected 10,006", (unsigned long)r.exits);
    CHECK(contains(r.stop.msg, "0x3000"), "stopped: %s", r.stop.msg);
    bst_printf("vmm-test: hostile guest: %lu exits, stopped: %s\n", (unsigned long)r.exits,
               r.stop.msg);
}

static void test_vmm_timer(void)
{
    struct vm vm;
    struct vmm_machine m;
    struct vmm_run_result r;
    CHECK_OK(guest_setup(&vm, &m, vmm_guest_timer));
    idt_gate(&vm, 0x30, vmm_guest_timer_handler);
    uint64_t start = vmm_rdtsc();
    vmm_run(vm.vcpu, &m, MAX_EXITS, console, &r);
    uint64_t took = vmm_rdtsc() - start;
    CHECK(r.error == BST_OK, "VCPU_RUN failed: %s", bst_error_name(r.error));
    CHECK(result(&vm, 4) == 1 && m.lapic.timer_fired == 1 && m.interrupts_injected == 1,
          "timer: %u interrupts in the guest, %lu fired, %lu injected", result(&vm, 4),
          (unsigned long)m.lapic.timer_fired, (unsigned long)m.interrupts_injected);
    CHECK(took >= 2000000, "the guest woke after %lu TSC cycles, before its deadline",
          (unsigned long)took);
    CHECK(contains(r.stop.msg, "halted with interrupts off"), "stopped: %s", r.stop.msg);
    bst_printf("vmm-test: timer guest: %lu exits, woke after %lu TSC cycles\n",
               (unsigned long)r.exits, (unsigned long)took);
}

#define BENCH_WARMUP  20
#define BENCH_SAMPLES 200

static uint64_t timestamp(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static void sort(uint64_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* `make bench-vmm` (under -icount): one exit of a guest writing the UART's THR, handled
 * by the VMM (VCPU_RUN entering the guest, the OUT's exit, vmm_dispatch emulating the
 * 16550, the byte taken from its buffer), against the kernel's part alone (VCPU_RUN with
 * ADVANCE, no emulation) in the same boot. Medians of 200 samples, the timestamp pair's
 * own cost taken off. */
static void bench_vmm_uart_out(void)
{
    static uint64_t full[BENCH_SAMPLES], bare[BENCH_SAMPLES], empty[BENCH_SAMPLES];
    struct vm vm;
    struct vmm_machine m;
    struct bst_vm_exit_msg x;
    struct vmm_action act;
    uint8_t drain[VMM_UART_TX];
    CHECK_OK(guest_setup(&vm, &m, vmm_guest_uart_loop));
    for (unsigned i = 0; i < BENCH_SAMPLES; i++) {
        uint64_t t0 = timestamp();
        empty[i] = timestamp() - t0;
    }
    sort(empty, BENCH_SAMPLES);
    uint64_t overhead = empty[BENCH_SAMPLES / 2];
    struct bst_vcpu_resume resume = {0};
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_SAMPLES; i++) {
        uint64_t t0 = timestamp();
        CHECK_OK(bst_vcpu_run(vm.vcpu, &resume, &x));
        vmm_dispatch(&m, &x, 0, &act);
        vmm_uart_take_tx(&m.com1, drain, sizeof(drain));
        resume = (struct bst_vcpu_resume){.flags = act.run_flags};
        uint64_t t1 = timestamp();
        CHECK(x.reason == BST_VM_EXIT_IO && act.verdict == VMM_RESUME, "exit %s",
              bst_vm_exit_name((bst_vm_exit_t)x.reason));
        if (i >= BENCH_WARMUP)
            full[i - BENCH_WARMUP] = t1 - t0 - overhead;
    }
    struct bst_vcpu_resume skip = {.flags = BST_VCPU_RUN_ADVANCE};
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_SAMPLES; i++) {
        uint64_t t0 = timestamp();
        CHECK_OK(bst_vcpu_run(vm.vcpu, &skip, &x));
        uint64_t t1 = timestamp();
        if (i >= BENCH_WARMUP)
            bare[i - BENCH_WARMUP] = t1 - t0 - overhead;
    }
    sort(full, BENCH_SAMPLES);
    sort(bare, BENCH_SAMPLES);
    CHECK(m.com1.tx_dropped == 0, "the UART dropped %lu bytes", (unsigned long)m.com1.tx_dropped);
    bst_printf("bench: vmm.exit_round_trip.uart_out median %lu min %lu (kernel alone: median %lu "
               "min %lu; timestamp overhead %lu)\n",
               (unsigned long)full[BENCH_SAMPLES / 2], (unsigned long)full[0],
               (unsigned long)bare[BENCH_SAMPLES / 2], (unsigned long)bare[0],
               (unsigned long)overhead);
}

static const struct test bench_tests[] = {
    {bench_vmm_uart_out, "vmm.bench_exit_round_trip_uart_out"},
};

static const struct test tests[] = {
    {test_vmm_console, "vmm.tiny_guest_console"},
    {test_vmm_hostile, "vmm.hostile_guest_faults_itself"},
    {test_vmm_timer, "vmm.tsc_deadline_timer_interrupt"},
};

int main(const struct bst_bootinfo *bi)
{
    if (harness_args_value(bi, "bench=", 0))
        return harness_run("vmm-bench", bi, bench_tests, 1);
    return harness_run("vmm", bi, tests, sizeof(tests) / sizeof(tests[0]));
}
