/*
 * reader: never started (init refuses its region at a fixed address in RAM).
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("reader: FAIL: started\n");
}
