/*
 * big: a PD with 96 KiB of zeroed data: with its other frames and objects it fits its
 * domain's colours, but the domain's copy of the kernel image does not fit besides it;
 * never started (init refuses it: system.xml).
 */
#include <libbastion/pd.h>

static volatile uint8_t data[96 * 1024];

void init(void)
{
    data[0] = 1;
    bst_printf("big: FAIL: started\n");
}
