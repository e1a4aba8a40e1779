/*
 * Interrupt-entry timestamps for the interrupt latency benchmark (debug builds only:
 * kernel/arch/x86_64/debug/irq_stamp.S and .c). While switched on, the IOAPIC pin
 * vectors enter through stubs whose first instructions read the TSC into a global;
 * the stubs then continue into the ordinary entry, which never knows. Assembly-safe.
 */
#ifndef ARCH_IRQ_STAMP_H
#define ARCH_IRQ_STAMP_H

#define IRQ_STAMP_FIRST_VECTOR 0x30 /* = IRQ_VECTOR_BASE (checked in irq_stamp.c) */
#define IRQ_STAMP_VECTORS      24   /* = IRQ_PIN_LINES: the IOAPIC pins */
#define IRQ_STAMP_STUB_SIZE    64

#ifndef __ASSEMBLY__
#include <ktypes.h>

/* The TSC at the entry of the last stamped interrupt (0: none yet). */
extern uint64_t arch_irq_entry_stamp;

/* Route the pin vectors through the stamping stubs (on) or straight to the ordinary
 * entry (off, the default). */
void arch_irq_stamp_enable(bool on);
#endif

#endif
