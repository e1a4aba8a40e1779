/*
 * tiny: never started (init refuses the budget).
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("tiny: FAIL: started\n");
}
