/*
 * The host "architecture" has no IOMMU (the arch hooks of vm/iospace.h; x86_64:
 * kernel/arch/x86_64/iommu.c): IOMMU_SETUP finds no unit, so DMA remapping is never
 * enabled and the I/O-space invocations stop at that check. The hooks past it are never
 * reached; they abort, so that reaching one is a finding, not a silent success.
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

bst_error_t arch_iopt_map(paddr_t root, paddr_t table, uint64_t ioaddr, unsigned *level)
{
    (void)root;
    (void)table;
    (void)ioaddr;
    (void)level;
    abort();
}

void arch_iopt_unmap(paddr_t root, paddr_t table, uint64_t ioaddr, unsigned level)
{
    (void)root;
    (void)table;
    (void)ioaddr;
    (void)level;
}

void arch_iopt_clear(paddr_t table)
{
    (void)table;
}

bool arch_iommu_large_pages(void)
{
    return false;
}

bst_error_t arch_io_frame_map(paddr_t root, paddr_t frame, unsigned page_level, uint64_t ioaddr,
                              uint64_t rights)
{
    (void)root;
    (void)frame;
    (void)page_level;
    (void)ioaddr;
    (void)rights;
    abort();
}

void arch_io_frame_unmap(paddr_t root, paddr_t frame, unsigned page_level, uint64_t ioaddr)
{
    (void)root;
    (void)frame;
    (void)page_level;
    (void)ioaddr;
}
