/*
 * native: a native PD beside the Linux guest (vmm/tests/linux): it says that it runs
 * (at a higher priority than the VMM PD, so before the guest starts).
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("native: running beside the Linux guest\n");
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
