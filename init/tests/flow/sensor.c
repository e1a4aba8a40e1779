/*
 * sensor (label low): writes one reading into the shared region and notifies the logger.
 * It may: the policy allows low -> high by memory and notify.
 */
#include <libbastion/pd.h>

#define LOGGER 0

uintptr_t reading; /* patched by the tool (setvar_vaddr): the region, mapped rw */

void init(void)
{
    *(volatile uint64_t *)reading = 42;
    bst_notify(LOGGER);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
