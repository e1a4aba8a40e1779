/*
 * greedy: never runs; its system asks for more memory than there is.
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("greedy: FAIL: started\n");
}
