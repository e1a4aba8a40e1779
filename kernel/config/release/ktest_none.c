/*
 * Release configuration: the in-kernel test and benchmark runners are not built; a
 * `ktest=` or `kbench=` on the command line says so and stops.
 */
#include <kbench.h>
#include <kprintf.h>
#include <ktest.h>
#include <machine.h>

void ktest_run(const char *selection)
{
    kprintf("ktest: '%s' asked for, but this is a release kernel (no in-kernel tests)\n",
            selection);
    arch_emulator_exit(MACHINE_EXIT_FAIL);
    arch_halt();
}

void kbench_run(const char *selection)
{
    kprintf("kbench: '%s' asked for, but this is a release kernel (no benchmarks)\n", selection);
    arch_emulator_exit(MACHINE_EXIT_FAIL);
    arch_halt();
}

bool ktest_fault_expected(const struct fault_info *fi)
{
    (void)fi;
    return false;
}

void ktest_finish(void)
{
    arch_halt();
}

void ktest_fail_current(const char *why)
{
    (void)why;
}
