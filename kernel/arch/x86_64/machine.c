/*
 * Machine control: halting, idling (and counting the cycles spent halted), and ending
 * the emulator with a status for tests.
 *
 * QEMU's isa-debug-exit device (iobase 0xf4) exits with status (value << 1) | 1. The
 * values below give 33 for pass and 35 for fail, which cannot be mistaken for QEMU's
 * own exit statuses (0 and 1). scripts/qemu-run.sh knows the same two numbers.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/ioapic.h>
#include <arch/layout.h>
#include <arch/percpu.h>
#include <klock.h>
#include <machine.h>
#include <object/boot.h>

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11

/* Where this CPU's idle sums are, from GS (arch/percpu.h). */
#define IDLE_TSC_LO offsetof(struct cpu_local, idle_tsc_lo)
#define IDLE_TSC_HI offsetof(struct cpu_local, idle_tsc_hi)

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

/*
 * The halt, bracketed by TSC reads that account for it: this CPU's idle_tsc sums lose
 * the TSC before the halt and gain the one after it. RDTSC leaves the halves
 * zero-extended in RAX and RDX, and each goes to its own sum, so the wake-up path pays
 * three instructions (a read and two adds) and no shift, and the interrupt that ends
 * the halt is not delayed by any of it. The interrupt's handler runs between the halt
 * and the second read, so its cycles count as halted (docs/performance.md). In the SMP
 * build the CPU gives the kernel lock up for the halt and holds it again after it
 * (klock.h); the interrupt's handler takes it meanwhile.
 */
void arch_wait_for_interrupt(void)
{
    klock_idle_begin();
    __asm__ volatile("rdtsc\n\t"
                     "subq %%rax, %%gs:%c[lo]\n\t"
                     "subq %%rdx, %%gs:%c[hi]\n\t"
                     "sti\n\t"
                     "hlt\n\t"
                     "cli\n\t"
                     "rdtsc\n\t"
                     "addq %%rax, %%gs:%c[lo]\n\t"
                     "addq %%rdx, %%gs:%c[hi]"
                     :
                     : [lo] "i"(IDLE_TSC_LO), [hi] "i"(IDLE_TSC_HI)
                     : "rax", "rdx", "memory", "cc");
    klock_idle_end();
}

uint64_t arch_idle_cycles(void)
{
    const struct cpu_local *c = this_cpu();
    return c->idle_tsc_lo + (c->idle_tsc_hi << 32);
}

unsigned arch_phys_addr_bits(void)
{
    return cpu_features.phys_addr_bits;
}

paddr_t arch_phys_reachable_limit(void)
{
    return PHYSMAP_MAX_BYTES;
}

/* The interrupt controllers' register pages: the I/O APIC and local APIC pages at their
 * architectural default addresses, and the page of every I/O APIC the kernel drives from
 * the MADT (ioapic.c, which runs before the root caps are made), so that no user gets a
 * frame of them and reprograms interrupt routing. */
size_t arch_kernel_device_ranges(struct boot_range *out, size_t max)
{
    static const struct boot_range kept[] = {
        {0xfec00000, 0xfec01000}, /* the default I/O APIC */
        {0xfee00000, 0xfee01000}, /* local APIC */
    };
    size_t n = 0;
    for (; n < ARRAY_SIZE(kept) && n < max; n++) {
        out[n] = kept[n];
    }
    for (unsigned i = 0; i < ioapic_count() && n < max; i++) {
        paddr_t page = ALIGN_DOWN(ioapic_base(i), 4096);
        if (page != kept[0].base) {
            out[n++] = (struct boot_range){page, page + 4096};
        }
    }
    return n;
}
