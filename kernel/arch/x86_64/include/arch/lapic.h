/*
 * The local APIC, in x2APIC mode (MSRs) when the CPU has it and xAPIC mode (MMIO)
 * otherwise. The legacy 8259 PICs are remapped and masked: all interrupts come
 * through the local APIC (and, later, the IOAPIC and MSI).
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <ktypes.h>

#define LAPIC_ID            0x20
#define LAPIC_VERSION       0x30
#define LAPIC_TPR           0x80
#define LAPIC_EOI           0xb0
#define LAPIC_SVR           0xf0
#define LAPIC_ICR_LOW       0x300
#define LAPIC_ICR_HIGH      0x310
#define LAPIC_LVT_TIMER     0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3e0

#define LVT_MASKED         BIT(16)
#define LVT_TIMER_PERIODIC BIT(17)

void lapic_init(void);
bool lapic_is_x2apic(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);
void lapic_eoi(void);
/* This CPU's local APIC id (all 32 bits in x2APIC mode, bits 31:24 of the register in
 * xAPIC mode). */
uint32_t lapic_id(void);
/* Send the interprocessor interrupt `icr_low` (vector, delivery mode, level) to the CPU
 * whose local APIC id is `apic_id`, and wait until the local APIC has sent it. */
void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);
/* An application processor's local APIC, in the boot CPU's mode, enabled, its timer
 * masked (smp.c). */
void lapic_init_ap(void);

#endif
