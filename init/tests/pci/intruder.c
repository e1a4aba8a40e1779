/*
 * intruder: has no PCI device, and reads where the driver has the edu device's BAR 0.
 * Isolation holds when this faults (init reports it and stops the PD).
 */
#include <stdint.h>

#include <libbastion/pd.h>

#define DRIVER_BAR0 0x10000000u

void init(void)
{
    bst_printf("intruder: reading the driver's BAR address 0x%x\n", DRIVER_BAR0);
    uint32_t id = *(volatile uint32_t *)(uintptr_t)DRIVER_BAR0;
    bst_printf("intruder: FAIL: read 0x%x from a BAR it was not given\n", id);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
