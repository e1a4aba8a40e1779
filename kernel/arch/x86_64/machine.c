/*
 * Machine control: halting, and ending the emulator with a status for tests.
 *
 * QEMU's isa-debug-exit device (iobase 0xf4) exits with status (value << 1) | 1. The
 * values below give 33 for pass and 35 for fail, which cannot be mistaken for QEMU's
 * own exit statuses (0 and 1). scripts/qemu-run.sh knows the same two numbers.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/layout.h>
#include <machine.h>
#include <object/boot.h>

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

unsigned arch_phys_addr_bits(void)
{
    return cpu_features.phys_addr_bits;
}

paddr_t arch_phys_reachable_limit(void)
{
    return PHYSMAP_MAX_BYTES;
}

/* The IOAPIC and local APIC register pages, at their architectural default addresses
 * (ACPI's MADT may move them; reading it comes with interrupt routing). */
size_t arch_kernel_device_ranges(struct boot_range *out, size_t max)
{
    static const struct boot_range kept[] = {
        {0xfec00000, 0xfec01000}, /* IOAPIC */
        {0xfee00000, 0xfee01000}, /* local APIC */
    };
    size_t n = 0;
    for (; n < ARRAY_SIZE(kept) && n < max; n++) {
        out[n] = kept[n];
    }
    return n;
}
