/*
 * native: an ordinary PD beside the guest (init/tests/guest): it only says that it ran,
 * so the test shows that init built both and started them.
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("native: running beside the guest\n");
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
