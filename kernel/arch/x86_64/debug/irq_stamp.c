/*
 * Switching the interrupt-entry stamps on and off (arch/irq_stamp.h). Debug builds
 * only: DEBUG_IRQ_STAMP is the one user of this file.
 */
#include <arch/ioapic.h>
#include <arch/irq_stamp.h>
#include <arch/kpti.h>
#include <arch/trap.h>
#include <irq/irq.h>

_Static_assert(IRQ_STAMP_FIRST_VECTOR == IRQ_VECTOR_BASE, "the stubs start at the pin vectors");
_Static_assert(IRQ_STAMP_VECTORS <= IRQ_LINES, "the IOAPIC's 24 pins are the first lines");

extern const char irq_stamp_stubs[];

uint64_t arch_irq_entry_stamp KPTI_SHARED; /* the stubs write it before the kernel view */

void arch_irq_stamp_enable(bool on)
{
    for (unsigned i = 0; i < IRQ_STAMP_VECTORS; i++) {
        uint64_t stub = (uint64_t)&irq_stamp_stubs[i * IRQ_STAMP_STUB_SIZE];
        idt_route(IRQ_STAMP_FIRST_VECTOR + i, on ? stub : 0);
    }
}
