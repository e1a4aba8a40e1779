/*
 * sensor (label low): writes one reading into the shared region and notifies the logger.
 * It may: the policy allows low -> high by memory and notify. It learns the region's
 * physical address too (init patches it); the driver, its peer, has the region in its
 * device's I/O space for that.
 */
#include <libbastion/pd.h>

#define LOGGER 0

uintptr_t reading;       /* patched by the tool (setvar_vaddr): the region, mapped rw */
uintptr_t reading_paddr; /* patched by init (setvar_paddr): its physical address */

void init(void)
{
    *(volatile uint64_t *)reading = 42;
    if (reading_paddr == 0)
        bst_printf("sensor: FAIL: no physical address for the reading\n");
    bst_notify(LOGGER);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
