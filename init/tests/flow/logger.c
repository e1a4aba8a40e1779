/*
 * logger (label high): maps the sensor's region read-only and takes the sensor's
 * notification; it holds no way to answer (its channel end cannot notify).
 */
#include <libbastion/pd.h>

#define SENSOR 0

uintptr_t reading; /* patched by the tool (setvar_vaddr): the region, mapped r */

void init(void)
{
}

void notified(bst_channel_t ch)
{
    uint64_t value = *(volatile uint64_t *)reading;
    if (ch != SENSOR || value != 42) {
        bst_printf("logger: FAIL: channel %u, reading %lu\n", (unsigned)ch, (unsigned long)value);
        bst_system_exit(1);
    }
    bst_printf("logger: reading %lu from the low sensor\n", (unsigned long)value);
    bst_system_exit(0);
}
