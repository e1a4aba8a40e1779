/*
 * reader: maps the HPET's region (platform="hpet") and reads its capabilities: the
 * vendor and the counter's period, which only an HPET answers with (all ones, or a
 * period of 0 as QEMU reads an absent one: nothing there). Where the region is depends
 * on init: the description's phys_addr, checked against ACPI, or ACPI's address;
 * setvar_paddr says which page it got.
 */
#include <stdint.h>

#include <libbastion/pd.h>

uintptr_t hpet_regs, hpet_paddr;

void init(void)
{
    uint32_t caps = *(volatile uint32_t *)hpet_regs;
    uint32_t period = *(volatile uint32_t *)(hpet_regs + 4); /* femtoseconds a tick */
    if (caps == 0xffffffffu || period == 0)
        bst_printf("reader: no HPET answers at 0x%lx\n", (unsigned long)hpet_paddr);
    else
        bst_printf("reader: the HPET at 0x%lx answers: vendor 0x%x, %u fs a tick\n",
                   (unsigned long)hpet_paddr, caps >> 16, period);
    bst_system_exit(0);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
