/*
 * The application processors (arch/smp.h). The boot CPU reads the MADT's processor
 * entries (local APIC and x2APIC ones, enabled or online-capable), copies the trampoline
 * below 1 MiB and starts each AP in turn with INIT, then two STARTUP IPIs, as the MP
 * specification has it; it waits (bounded, by the TSC) for the AP to say it is online.
 * An AP loads the kernel's page tables, its own GDT and TSS, the IDT and its per-CPU
 * block and enables its local APIC. In the single-CPU kernel it then parks: interrupts
 * off, halted for good. In the SMP build (klock.h) every CPU first takes part in a test
 * of the kernel lock, then the AP takes the lock and idles: it halts without the lock,
 * and an interrupt that wakes it takes the lock for its handler. Nothing is scheduled on
 * it yet (docs/kernel.md, "Several CPUs").
 */
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/io.h>
#include <arch/gdt.h>
#include <arch/lapic.h>
#include <arch/layout.h>
#include <arch/madt.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <boot.h>
#include <kmem.h>
#include <klock.h>
#include <kprintf.h>
#include <kstring.h>
#include <machine.h>
#include <thread/budget.h>
#include <thread/sched.h>
#include <timer.h>

#define BIOS_AREA         0xe0000ull
#define BIOS_AREA_SIZE    0x20000ull
#define MADT_ENTRIES      44u /* the MADT's header: the table header, the LAPIC address, flags */
#define MADT_LAPIC        0u
#define MADT_X2APIC       9u
#define CPU_ENABLED       BIT(0)
#define CPU_CAPABLE       BIT(1)  /* online capable: it may be started */
#define ICR_INIT          0x4500u /* INIT, level assert */
#define ICR_STARTUP       0x4600u /* STARTUP, with the vector (the trampoline's page number) */
/* The boot test of the kernel lock: acquisitions per CPU, and the pauses between the
 * load and the store inside the lock, enough that a test with the lock taken out loses
 * increments on every run on 2 and 4 CPUs (1439 of 4000, 1000 and 1091 of 2000); each
 * pause lets a vCPU thread be descheduled under TCG, so the test takes about 0.2 s on
 * 2 CPUs and 1.3 s on 4 on a loaded 2-core host. */
#define LOCK_TEST_ROUNDS  1000u
#define LOCK_TEST_WINDOW  100u      /* pauses between the load and the store */
#define LOCK_TEST_WAIT_US 20000000u /* 20 s: four vCPUs on a loaded 2-core host under TCG */
#define WAKE_TEST_ROUNDS  50u       /* wake-up IPIs to each AP in the boot test */
#define CALL_TEST_ROUNDS  100u      /* cross-CPU calls to each AP in the boot test */
#define WAKE_TEST_WINDOW  1000u     /* pauses between its handler's load and store */
#define CR0_NW            BIT(29)   /* not write-through, and */
#define CR0_CD            BIT(30)   /* cache disable: both set after INIT */
#define ICR_FIXED         0x4000u   /* a fixed interrupt, edge, asserted: OR in the vector */

extern char smp_trampoline_start[], smp_trampoline_end[], smp_trampoline_data[];
extern char boot_pml4[];
void ap_main(unsigned cpu);

/* Each AP's kernel stack. */
static uint8_t ap_stacks[ARCH_MAX_CPUS][KERNEL_STACK_SIZE] __attribute__((aligned(16)));
static volatile unsigned online = 1; /* CPUs that said so, the boot CPU first */

/* The boot test of the kernel lock (SMP build): every CPU increments `count` under the
 * lock LOCK_TEST_ROUNDS times, by a load, LOCK_TEST_WINDOW pauses and a store, so that
 * two CPUs inside the lock at once would lose increments. The APs start when `go` is set. */
static struct {
    volatile unsigned go, done;
    volatile uint64_t count;
} lock_test;

/* The boot test of waking an idle AP (SMP build): each round sends every AP the wake-up
 * IPI; each handler, under the kernel lock its idle halt gave up and the interrupt took
 * again, increments `count` as the lock test does and marks its CPU in `cpus`. */
static struct {
    volatile uint64_t count;
    volatile uint32_t cpus;
} wake_test;
static uint32_t cpu_apic_ids[ARCH_MAX_CPUS]; /* by CPU number, as started */

/* What a CPU needs to run threads as the boot CPU does: protections and FPU control bits
 * (CR0, CR4), long mode, NX and SYSCALL (EFER), the SYSCALL MSRs and the FPU state
 * components (XCR0). Each AP compares its own with the boot CPU's after its set-up and
 * marks itself in `setup_differs` where they differ. */
struct cpu_setup {
    uint64_t cr0, cr4, efer, star, lstar, fmask, xcr0;
};
static struct cpu_setup boot_setup;
static volatile uint32_t setup_differs;
static struct cpu_setup differing_setup; /* one that differed, for the report */

static struct cpu_setup cpu_setup_read(void)
{
    struct cpu_setup s = {
        .cr0 = read_cr0(),
        .cr4 = read_cr4(),
        .efer = rdmsr(MSR_EFER) & (EFER_SCE | EFER_NXE | EFER_LME),
        .star = rdmsr(MSR_STAR),
        .lstar = rdmsr(MSR_LSTAR),
        .fmask = rdmsr(MSR_FMASK),
    };
    if (cpu_features.xsave) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        s.xcr0 = (uint64_t)hi << 32 | lo;
    }
    return s;
}

static bool read_firmware(void *ctx, uint64_t pa, void *dst, size_t n)
{
    (void)ctx;
    return paging_read_phys(pa, dst, n);
}

/* The local APIC ids of the CPUs the MADT lists as usable, the boot CPU's among them,
 * at most `max`; how many were listed in all (more than max: reported). A malformed
 * entry ends the walk. */
static unsigned madt_cpus(uint32_t *ids, unsigned max, unsigned *listed)
{
    const struct boot_info *bi = kernel_boot_info();
    const struct acpi_memory m = {read_firmware, NULL};
    uint8_t rsdp[ACPI_RSDP_MAX];
    uint64_t madt = 0;
    uint32_t length = 0;
    struct acpi_status st =
        acpi_rsdp_find(&m, bi->acpi_rsdp, bi->acpi_rsdp_size, BIOS_AREA, BIOS_AREA_SIZE, rsdp);
    if (st.what == NULL) {
        st = acpi_madt_find(&m, rsdp, &madt, &length);
    }
    *listed = 0;
    if (st.what != NULL) {
        kprintf("smp: no usable MADT (%s: %s): the boot CPU alone\n", st.table, st.what);
        return 0;
    }
    unsigned n = 0;
    for (uint32_t at = MADT_ENTRIES; at + 2 <= length;) {
        uint8_t e[16];
        if (!paging_read_phys(madt + at, e, 2) || e[1] < 2 || e[1] > length - at) {
            kprintf("smp: MADT entry at offset %u malformed: the walk ends\n", at);
            break;
        }
        uint8_t type = e[0], len = e[1];
        uint32_t id = 0, flags = 0;
        bool cpu = false;
        if (type == MADT_LAPIC && len >= 8 && paging_read_phys(madt + at, e, 8)) {
            id = e[3];
            flags =
                (uint32_t)e[4] | (uint32_t)e[5] << 8 | (uint32_t)e[6] << 16 | (uint32_t)e[7] << 24;
            cpu = true;
        } else if (type == MADT_X2APIC && len >= 16 && paging_read_phys(madt + at, e, 16)) {
            memcpy(&id, &e[4], 4);
            memcpy(&flags, &e[8], 4);
            cpu = true;
        }
        if (cpu && (flags & (CPU_ENABLED | CPU_CAPABLE)) != 0) {
            (*listed)++;
            if (n < max) {
                ids[n++] = id;
            }
        }
        at += len;
    }
    return n;
}

/* Busy-wait `us` microseconds by the TSC, or until *flag reaches `want` (if flag). */
static bool wait_us(uint64_t us, const volatile unsigned *flag, unsigned want)
{
    uint64_t end = arch_counter_read() + us * arch_counter_hz() / 1000000;
    while (arch_counter_read() < end) {
        if (flag != NULL && *flag >= want) {
            return true;
        }
        cpu_relax();
    }
    return flag != NULL && *flag >= want;
}

static bool start_ap(unsigned cpu, uint32_t apic_id)
{
    uint8_t *data =
        (uint8_t *)kmem_ptr(SMP_TRAMPOLINE) + (smp_trampoline_data - smp_trampoline_start);
    uint32_t cr3 = (uint32_t)kernel_image_paddr(boot_pml4);
    uint32_t nx = cpu_features.nx ? 1 : 0;
    uint64_t stack = (uint64_t)&ap_stacks[cpu][KERNEL_STACK_SIZE], index = cpu;
    memcpy(data + SMP_TR_CR3, &cr3, 4);
    memcpy(data + SMP_TR_NX, &nx, 4);
    memcpy(data + SMP_TR_STACK, &stack, 8);
    memcpy(data + SMP_TR_CPU, &index, 8);
    unsigned want = online + 1;
    lapic_send_ipi(apic_id, ICR_INIT);
    wait_us(10000, NULL, 0);
    for (int i = 0; i < 2 && online < want; i++) {
        lapic_send_ipi(apic_id, ICR_STARTUP | (SMP_TRAMPOLINE >> 12));
        wait_us(i == 0 ? 200 : 1000000, &online, want); /* 1 s: a loaded host runs TCG slowly */
    }
    return online >= want;
}

/* One CPU's part of the lock test. */
static void lock_test_rounds(void)
{
    for (unsigned i = 0; i < LOCK_TEST_ROUNDS; i++) {
        klock_acquire();
        uint64_t v = lock_test.count;
        for (unsigned j = 0; j < LOCK_TEST_WINDOW; j++) {
            cpu_relax(); /* a window for another CPU inside the lock to show */
        }
        lock_test.count = v + 1;
        klock_release();
    }
}

/* The boot CPU (holding the lock) runs the test with every AP online and says whether
 * the count came out exact: no increment lost, so no two CPUs were inside at once. */
static void lock_test_run(unsigned cpus)
{
    uint64_t start = arch_counter_read();
    klock_release();
    __atomic_store_n(&lock_test.go, 1, __ATOMIC_RELEASE);
    lock_test_rounds();
    bool all = wait_us(LOCK_TEST_WAIT_US, &lock_test.done, cpus - 1);
    klock_acquire();
    uint64_t want = (uint64_t)cpus * LOCK_TEST_ROUNDS;
    if (all && lock_test.count == want) {
        kprintf("smp: kernel lock: %u CPUs x %u acquisitions, count %lu: exact (%lu us)\n", cpus,
                LOCK_TEST_ROUNDS, lock_test.count,
                (arch_counter_read() - start) * 1000000 / arch_counter_hz());
    } else {
        kprintf("smp: kernel lock: FAILED: count %lu of %lu, %u of %u APs done\n", lock_test.count,
                want, lock_test.done, cpus - 1);
    }
}

void smp_wake_interrupt(void)
{
    uint64_t v = wake_test.count;
    for (unsigned j = 0; j < WAKE_TEST_WINDOW; j++) {
        cpu_relax();
    }
    wake_test.count = v + 1;
    wake_test.cpus |= 1u << this_cpu()->id;
}

unsigned smp_cpus_online(void)
{
    return online;
}

uint32_t smp_cpu_apic_id(unsigned cpu)
{
    return cpu < ARCH_MAX_CPUS ? cpu_apic_ids[cpu] : cpu_apic_ids[0];
}

void smp_send_ipi(unsigned cpu, uint8_t vector)
{
    lapic_send_ipi(cpu_apic_ids[cpu], ICR_FIXED | vector);
}

/* The boot test of cross-CPU calls (smp_call.c): each call adds one to its CPU's count,
 * which only that CPU writes. */
static volatile uint64_t call_test_count[ARCH_MAX_CPUS];

static void call_test_fn(uint64_t arg)
{
    call_test_count[this_cpu()->id] += arg;
}

/* The boot CPU, holding the lock, calls every AP CALL_TEST_ROUNDS times. The first call
 * finds an AP in its idle halt and is served by the IPI's handler; the halt then ends and
 * the AP waits for the lock, which the boot CPU keeps, with interrupts off: the rest are
 * served from the lock's wait loop. Each must be served once, within its second. */
static void call_test_run(unsigned cpus)
{
    uint32_t aps = ((1u << cpus) - 1) & ~1u;
    unsigned served = 0;
    for (unsigned r = 0; r < CALL_TEST_ROUNDS && served == r; r++) {
        served += smp_call(aps, call_test_fn, 1);
    }
    bool exact = true;
    for (unsigned c = 1; c < cpus; c++) {
        exact = exact && call_test_count[c] == served;
    }
    if (served == CALL_TEST_ROUNDS && exact) {
        kprintf("smp: cross-CPU calls: %u to each of %u APs, each served once without the "
                "kernel lock (in the IPI's handler or the lock's wait loop)\n",
                CALL_TEST_ROUNDS, cpus - 1);
    } else {
        kprintf("smp: cross-CPU calls: FAILED: %u of %u served; CPU 1 counted %lu\n", served,
                CALL_TEST_ROUNDS, call_test_count[1]);
    }
}

/* The boot CPU (holding the lock) wakes every AP from its idle halt WAKE_TEST_ROUNDS
 * times, giving the lock up while it waits for the handlers, and says whether each AP
 * ran its handler every time (an AP that never woke, or two handlers inside the lock at
 * once, shows in the count). */
static void wake_test_run(unsigned cpus)
{
    unsigned aps = cpus - 1;
    bool all = true;
    for (unsigned r = 0; r < WAKE_TEST_ROUNDS && all; r++) {
        for (unsigned c = 1; c < cpus; c++) {
            lapic_send_ipi(cpu_apic_ids[c], ICR_FIXED | VEC_SMP_WAKE);
        }
        uint64_t want = (uint64_t)(r + 1) * aps;
        uint64_t end = arch_counter_read() + arch_counter_hz(); /* 1 s a round */
        klock_release();
        while (wake_test.count < want && arch_counter_read() < end) {
            cpu_relax();
        }
        klock_acquire();
        all = wake_test.count == want;
    }
    uint32_t mask = ((1u << cpus) - 1) & ~1u;
    if (all && wake_test.cpus == mask) {
        kprintf("smp: wake-up: %u IPIs to each of %u APs, each woke from its idle halt and "
                "ran its handler under the kernel lock\n",
                WAKE_TEST_ROUNDS, aps);
    } else {
        kprintf("smp: wake-up: FAILED: %lu handlers ran of %u, CPUs %#x of %#x\n", wake_test.count,
                WAKE_TEST_ROUNDS * aps, wake_test.cpus, mask);
    }
}

unsigned smp_start_aps(void)
{
    uint32_t ids[ARCH_MAX_CPUS + 8];
    unsigned listed, n = madt_cpus(ids, ARRAY_SIZE(ids), &listed);
    uint32_t self = lapic_id();
    cpu_apic_ids[0] = self;
    memcpy(kmem_ptr(SMP_TRAMPOLINE), smp_trampoline_start,
           (size_t)(smp_trampoline_end - smp_trampoline_start));
    unsigned cpu = 1;
    boot_setup = cpu_setup_read();
    for (unsigned i = 0; i < n; i++) {
        if (ids[i] == self) {
            continue;
        }
        if (cpu == ARCH_MAX_CPUS) {
            kprintf("smp: LAPIC id %u left alone: the kernel takes %u CPUs\n", ids[i],
                    ARCH_MAX_CPUS);
            continue;
        }
        cpu_apic_ids[cpu] = ids[i];
        if (start_ap(cpu, ids[i])) {
            kprintf("smp: CPU %u (LAPIC id %u) online, %s\n", cpu, ids[i],
                    KLOCK_SMP ? "idle" : "parked");
            cpu++;
        } else { /* held in INIT: a late start must not take the next AP's stack */
            lapic_send_ipi(ids[i], ICR_INIT);
            kprintf("smp: CPU with LAPIC id %u did not start; held in INIT\n", ids[i]);
        }
    }
    kprintf("smp: %u of %u CPUs online (the MADT lists %u); the application processors "
            "are %s\n",
            online, n > 0 ? n : 1, listed,
            KLOCK_SMP ? "idle, each with its own scheduler (threads run where their "
                        "scheduling context is bound)"
                      : "parked: the kernel schedules on CPU 0 only");
    if (setup_differs != 0) {
        const struct cpu_setup *b = &boot_setup, *d = &differing_setup;
        kprintf("smp: FAILED: CPUs %#x differ from the boot CPU; one has CR0 %#lx CR4 %#lx EFER "
                "%#lx STAR %#lx LSTAR %#lx FMASK %#lx XCR0 %#lx, the boot CPU %#lx %#lx %#lx %#lx "
                "%#lx %#lx %#lx\n",
                setup_differs, d->cr0, d->cr4, d->efer, d->star, d->lstar, d->fmask, d->xcr0,
                b->cr0, b->cr4, b->efer, b->star, b->lstar, b->fmask, b->xcr0);
    } else if (online > 1) {
        kprintf("smp: every AP has the boot CPU's CR0, CR4, EFER, SYSCALL MSRs and XCR0\n");
    }
    if (KLOCK_SMP && online > 1) {
        lock_test_run(online);
        wake_test_run(online);
        call_test_run(online);
    }
    return online;
}

/* An AP, in the higher half on its own stack, still on the boot page tables. */
void ap_main(unsigned cpu)
{
    write_cr3(paging_kernel_root());
    gdt_init_ap(cpu, (uint64_t)&ap_stacks[cpu][KERNEL_STACK_SIZE]);
    idt_load();
    percpu_init_ap(cpu, (uint64_t)&ap_stacks[cpu][KERNEL_STACK_SIZE]);
    write_cr0(read_cr0() & ~(CR0_CD | CR0_NW)); /* INIT left the caches off */
    cpu_enable_protections();
    fpu_init_ap();
    lapic_init_ap();
    struct cpu_setup s = cpu_setup_read();
    if (memcmp(&s, &boot_setup, sizeof(s)) != 0) {
        differing_setup = s;
        __atomic_fetch_or(&setup_differs, 1u << cpu, __ATOMIC_RELEASE);
    }
    __atomic_fetch_add(&online, 1, __ATOMIC_RELEASE);
    if (!KLOCK_SMP) {
        for (;;) {
            __asm__ volatile("cli; hlt");
        }
    }
    while (!__atomic_load_n(&lock_test.go, __ATOMIC_ACQUIRE)) {
        cpu_relax();
    }
    lock_test_rounds();
    __atomic_fetch_add(&lock_test.done, 1, __ATOMIC_RELEASE);
    klock_acquire();
    sched_tickless_start(); /* its own timer, stopped until its scheduler arms it */
    kernel_exit();          /* its own scheduler: idle until a thread is bound to it */
}

unsigned arch_cpus_start(void)
{
    return smp_start_aps();
}
