/*
 * nic: never started (init refuses its PCI device).
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("nic: FAIL: started\n");
}
