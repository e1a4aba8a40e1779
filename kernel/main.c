/*
 * kernel_main: the generic kernel's start. Reports what the machine is (version, CPU,
 * memory map, boot modules), starts time, then runs the selected in-kernel tests or
 * the demo.
 *
 * Command line: `ktest=<selection>` runs tests (see ktest.h); `kbench=<selection>`
 * runs benchmarks (kbench.h); `ticks=<n>` makes the
 * demo print the tick count once a second for n seconds (default 3); `exit` ends the
 * emulator after the demo instead of idling (for the harness); `nofastpath` sends every
 * IPC through the full path; `tp_nopad` ignores the pads of protected domain slots and
 * `tp_nodefer` delivers interrupts in any domain's slot (the faults that the
 * time-protection test must catch).
 */
#include <boot.h>
#include <ipc/fastpath.h>
#include <kbench.h>
#include <klock.h>
#include <kprintf.h>
#include <ktest.h>
#include <machine.h>
#include <memmap.h>
#include <rootcaps.h>
#include <roottask.h>
#include <thread/budget.h>
#include <thread/domain.h>
#include <thread/sched.h>
#include <timeprot.h>
#include <timer.h>

#ifndef BASTION_VERSION
#define BASTION_VERSION "unknown"
#endif

#define TICK_HZ 100

static const struct boot_info *boot_info;

const struct boot_info *kernel_boot_info(void)
{
    return boot_info;
}

static void print_banner(const struct boot_info *bi)
{
    kprintf("\nBastion " BASTION_VERSION " (x86_64) booting via %s%s%s\n", bi->loader,
            bi->loader_name[0] ? " from " : "", bi->loader_name);
    kprintf("command line: \"%s\"\n", bi->cmdline);
    kprintf("firmware: %s; memory map from the %s; ACPI RSDP %s%s\n",
            bi->firmware ? bi->firmware : "not named by the loader",
            bi->mmap_from ? bi->mmap_from : "loader", bi->rsdp_from ? "from the " : "not given",
            bi->rsdp_from ? bi->rsdp_from : " (init searches the BIOS area)");
}

static void print_modules(const struct boot_info *bi)
{
    kprintf("boot modules: %zu\n", bi->n_modules);
    for (size_t i = 0; i < bi->n_modules; i++) {
        const struct boot_module *m = &bi->modules[i];
        kprintf("  [%#014lx - %#014lx) %8lu bytes  %s\n", m->base, m->base + m->size, m->size,
                m->name);
    }
}

static unsigned parse_uint(const char *s, unsigned fallback)
{
    unsigned v = 0;
    if (s == NULL || *s == '\0') {
        return fallback;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (unsigned)(*s - '0');
    }
    return v;
}

/* The demo: show the tick arriving for a few seconds, then idle for good. */
static NORETURN void demo(const struct boot_info *bi)
{
    char buf[16];
    unsigned seconds = parse_uint(cmdline_get(bi->cmdline, "ticks", buf, sizeof(buf)), 3);
    arch_timer_start_periodic(TICK_HZ);
    kprintf("timer: periodic tick at %u Hz\n", TICK_HZ);
    for (unsigned s = 1; s <= seconds; s++) {
        while (timer_ticks() < (uint64_t)s * TICK_HZ) {
            arch_wait_for_interrupt();
        }
        kprintf("tick: %lu interrupts after %u s\n", timer_ticks(), s);
    }
    if (cmdline_get(bi->cmdline, "exit", buf, sizeof(buf)) != NULL) {
        kprintf("demo done; exiting\n");
        arch_emulator_exit(MACHINE_EXIT_PASS);
    }
    kprintf("idle. (QEMU: press Ctrl-A then X to quit)\n");
    for (;;) {
        arch_wait_for_interrupt();
    }
}

/* Hand the machine to the root task (the first boot module). */
static NORETURN void start_root_task(const struct boot_info *bi, const struct root_caps *rc)
{
    const char *why = roottask_start(&bi->modules[0], rc);
    if (why != NULL) {
        kprintf("roottask: cannot start '%s': %s\n", bi->modules[0].name, why);
        arch_emulator_exit(MACHINE_EXIT_FAIL);
        arch_halt();
    }
    kprintf("roottask: '%s' started\n", bi->modules[0].name);
    sched_tickless_start();
    kernel_exit();
}

void kernel_main(const struct boot_info *bi)
{
    char selection[64];
    klock_acquire(); /* the boot CPU holds the kernel lock until its first exit */
    boot_info = bi;
    print_banner(bi);
    arch_print_cpu_features();
    arch_timeprot_init();
    memmap_print(bi);
    print_modules(bi);
    if (cmdline_get(bi->cmdline, "calib_stall", selection, sizeof(selection)) != NULL) {
        unsigned us = parse_uint(selection, 0);
        arch_timer_calibration_stall(us);
        kprintf("timer: calibration stalled %u us at each weak point (fault injection)\n", us);
    }
    arch_timer_init();
    arch_cpus_start();
    const struct root_caps *rc = root_caps_create(bi);
    if (rc == NULL) {
        arch_emulator_exit(MACHINE_EXIT_FAIL);
        arch_halt();
    }
    if (cmdline_get(bi->cmdline, "ktest", selection, sizeof(selection)) != NULL) {
        ktest_run(selection);
    }
    if (cmdline_get(bi->cmdline, "kbench", selection, sizeof(selection)) != NULL) {
        kbench_run(selection);
    }
    if (cmdline_get(bi->cmdline, "nofastpath", selection, sizeof(selection)) != NULL) {
        fastpath_disable();
        kprintf("ipc: fastpath disabled\n");
    }
    if (cmdline_get(bi->cmdline, "late_timer", selection, sizeof(selection)) != NULL) {
        unsigned us = parse_uint(selection, 0);
        budget_timer_late_by((uint64_t)us * arch_counter_hz() / 1000000);
        kprintf("timer: every deadline armed %u us late (fault injection)\n", us);
    }
    if (cmdline_get(bi->cmdline, "tp_nopad", selection, sizeof(selection)) != NULL) {
        domain_pads_disable();
        kprintf("domain: pads ignored (fault injection): protected switches are not padded\n");
    }
    if (cmdline_get(bi->cmdline, "tp_nodefer", selection, sizeof(selection)) != NULL) {
        domain_defer_disable();
        kprintf("domain: interrupts not deferred (fault injection): delivered in any slot\n");
    }
    if (bi->n_modules > 0) {
        start_root_task(bi, rc);
    }
    demo(bi);
}
