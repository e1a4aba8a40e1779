/*
 * victim: owns the region `secret` (no device): fills it with a pattern and publishes
 * its physical address in its last word, for the driver to aim its device at. It runs
 * first (higher priority), so the pattern is there before the driver starts.
 */
#include <stdint.h>

#include <libbastion/pd.h>

#include "iommu_test.h"

uintptr_t secret_vaddr, secret_paddr;

void init(void)
{
    volatile uint8_t *p = (volatile uint8_t *)secret_vaddr;
    for (unsigned i = 0; i < SECRET_PATTERN_BYTES; i++)
        p[i] = SECRET_BYTE;
    *(volatile uint64_t *)(secret_vaddr + SECRET_PADDR_OFFSET) = secret_paddr;
    bst_printf("victim: secret region at physical 0x%lx\n", (unsigned long)secret_paddr);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
