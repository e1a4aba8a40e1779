/*
 * dev: never started (init refuses the HPET's region: its phys_addr is not ACPI's).
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("dev: FAIL: started\n");
}
