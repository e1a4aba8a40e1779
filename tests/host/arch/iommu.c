/*
 * The host "architecture" has no IOMMU (the arch hooks of vm/iospace.h; x86_64:
 * kernel/arch/x86_64/iommu.c): IOMMU_SETUP finds no unit, so DMA remapping is never
 * enabled and the I/O-space invocations stop at that check. The table format past it
 * is never used: its hooks abort, so that reaching one is a finding, not a silent success.
 */
#include <vm/iospace.h>

#include <stdlib.h>

bst_error_t arch_iommu_setup(paddr_t regs, uint64_t ioapic_source)
{
    (void)regs;
    (void)ioapic_source;
    return BST_INVALID_ARGUMENT; /* no unit there */
}

bool arch_iommu_enabled(void)
{
    return false;
}

uint64_t arch_iospace_limit(void)
{
    return UINT64_C(1) << 39;
}

bool arch_iommu_source_valid(uint64_t source_id)
{
    (void)source_id;
    abort();
}

paddr_t arch_iommu_assigned_root(uint64_t source_id)
{
    (void)source_id;
    return 0; /* nothing assigned: a deleted I/O space has nothing to take back */
}

void arch_iommu_assign(uint64_t source_id, paddr_t root, unsigned id)
{
    (void)source_id;
    (void)root;
    (void)id;
    abort();
}

void arch_iommu_unassign_root(paddr_t root)
{
    (void)root;
}

bool arch_iommu_large_pages(void)
{
    return false;
}

static unsigned no_levels(void)
{
    abort();
}

static uint64_t no_rights(uint64_t rights)
{
    (void)rights;
    abort();
}

const struct second_level_format arch_iospace_format = {
    .levels = no_levels,
    .rights = no_rights,
    .covered = BST_SLOT_OCCUPIED,
};
