/*
 * big: a PD with 512 KiB of zeroed data, more than its domain's colours hold; never
 * started (init refuses it: system.xml).
 */
#include <libbastion/pd.h>

static volatile uint8_t data[512 * 1024];

void init(void)
{
    data[0] = 1;
    bst_printf("big: FAIL: started\n");
}
