/*
 * snoop: has no PCI device, and reads where a PD's first device's configuration space
 * would be. Isolation holds when this faults.
 */
#include <stdint.h>

#include <bastion/spec.h>
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("snoop: reading configuration space at 0x%lx\n",
               (unsigned long)BASTION_PCI_CONFIG_VADDR);
    uint32_t id = *(volatile uint32_t *)(uintptr_t)BASTION_PCI_CONFIG_VADDR;
    bst_printf("snoop: FAIL: read 0x%x from configuration space it was not given\n", id);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
