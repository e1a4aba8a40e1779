/*
 * Preemption points (kernel/include/kpreempt.h): a long kernel operation yields when an
 * interrupt is waiting in the local APIC's request register, which the kernel (running
 * with interrupts masked) would otherwise leave waiting.
 */
#include <arch/lapic.h>
#include <kpreempt.h>

#define LAPIC_IRR 0x200

bool kpreempt_pending(void)
{
    for (uint32_t reg = 1; reg < 8; reg++) { /* vectors 0-31 are exceptions, never requested */
        if (lapic_read(LAPIC_IRR + reg * 0x10) != 0) {
            return true;
        }
    }
    return false;
}
