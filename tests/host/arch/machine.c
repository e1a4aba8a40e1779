/*
 * The host "architecture"'s machine hooks (machine.h) and the debug hooks the debug
 * system calls reach (kernel/config/debug/debug_syscalls.c): halting returns to the
 * test (host_kernel_leave), the emulator exit is counted, and the x86-only debug
 * features (interrupt stamps, page-table isolation, the floor benchmark entry) are off.
 */
#include <arch/irq_stamp.h>
#include <arch/kpti.h>
#include <console.h>
#include <machine.h>

#include "host_arch.h"

struct host_machine_stats host_machine_stats;

void arch_halt(void)
{
    host_machine_stats.halts++;
    host_kernel_leave(HOST_EXIT_HALT);
}

void arch_emulator_exit(enum machine_exit status)
{
    if (status == MACHINE_EXIT_PASS) {
        host_machine_stats.exits_pass++;
    } else {
        host_machine_stats.exits_fail++;
    }
}

uint64_t arch_idle_cycles(void)
{
    return 0;
}

void arch_console_putc(char c)
{
    (void)c;
}

/* Interrupt entry stamps: none on the host. */
uint64_t arch_irq_entry_stamp;

void arch_irq_stamp_enable(bool on)
{
    (void)on;
}

/* Page-table isolation: off, so every user view is right and no entry misses. */
uint8_t arch_kpti;

const char *kpti_check_user_view(paddr_t root)
{
    (void)root;
    return NULL;
}

uint64_t kpti_misses(void)
{
    return 0;
}

/* The floor benchmark's entry: nothing to route on the host. */
void arch_floor_begin(void);
void arch_floor_begin(void)
{
}
