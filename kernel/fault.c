/*
 * The end of the road for the kernel's own faults and failed assertions: report, tell
 * an expecting test (ktest), then stop the machine. A test image exits the emulator
 * with a failure status so the harness never waits for a timeout.
 */
#include <fault.h>
#include <kassert.h>
#include <kprintf.h>
#include <ktest.h>
#include <machine.h>

void kernel_fault(const struct fault_info *fi)
{
    if (ktest_fault_expected(fi)) {
        ktest_finish(); /* the fault was the test; does not return */
    }
    kprintf("*** kernel stopped: %s\n", fi->name);
    arch_emulator_exit(MACHINE_EXIT_FAIL);
    arch_halt();
}

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
    kprintf("\n*** KERNEL ASSERTION FAILED: %s\n  at %s:%d in %s()\n", expr, file, line, func);
    ktest_fail_current("assertion failed");
    arch_emulator_exit(MACHINE_EXIT_FAIL);
    arch_halt();
}
