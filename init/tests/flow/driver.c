/*
 * driver (label low): holds QEMU's edu device and maps no memory. The sensor can tell
 * it the physical address of the region the logger reads, so its device reaches that
 * region by DMA: the flow low -> high by dma that the policy allows. It does nothing.
 */
#include <libbastion/pd.h>

void init(void)
{
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
