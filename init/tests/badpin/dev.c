/*
 * dev: never started (init refuses its IRQ).
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("dev: FAIL: started\n");
}
