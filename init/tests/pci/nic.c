/*
 * nic: never started (init refuses PCI devices).
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("nic: FAIL: started\n");
}
