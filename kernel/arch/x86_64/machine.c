/*
 * Machine control: halting, and ending the emulator with a status for tests.
 *
 * QEMU's isa-debug-exit device (iobase 0xf4) exits with status (value << 1) | 1. The
 * values below give 33 for pass and 35 for fail, which cannot be mistaken for QEMU's
 * own exit statuses (0 and 1). scripts/qemu-run.sh knows the same two numbers.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <machine.h>

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11

void arch_halt(void)
{
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void arch_emulator_exit(enum machine_exit status)
{
    outl(DEBUG_EXIT_PORT, status == MACHINE_EXIT_PASS ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
}

void arch_wait_for_interrupt(void)
{
    cpu_wait_for_interrupt();
}
