/*
 * driver (label low): holds QEMU's edu device and maps no memory. The sensor, its peer
 * on channel 0 (only the driver can notify on it), learns the physical address of the
 * region the logger reads; with an IOMMU that region is in the device's I/O space
 * (init/iommu.c), so the device reaches it by DMA: the flow low -> high by dma that the
 * policy allows. It does nothing.
 */
#include <libbastion/pd.h>

void init(void)
{
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
