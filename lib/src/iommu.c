/*
 * IOMMU invocation wrappers; argument order is docs/syscalls.md's.
 */
#include <libbastion/invoke.h>
#include <libbastion/iommu.h>

bst_error_t bst_iommu_setup(bst_cptr_t irq_control, bst_cptr_t regs)
{
    const uint64_t a[] = {regs};
    return bst_invoke(irq_control, BST_INV_IOMMU_SETUP, a, 1, NULL, 0);
}

bst_error_t bst_iommu_setup_ioapic(bst_cptr_t irq_control, bst_cptr_t regs, uint64_t ioapic_source)
{
    const uint64_t a[] = {regs, ioapic_source};
    return bst_invoke(irq_control, BST_INV_IOMMU_SETUP, a, 2, NULL, 0);
}

bst_error_t bst_iospace_assign(bst_cptr_t iospace, bst_cptr_t irq_control, uint64_t source_id)
{
    const uint64_t a[] = {irq_control, source_id};
    return bst_invoke(iospace, BST_INV_IOSPACE_ASSIGN, a, 2, NULL, 0);
}

bst_error_t bst_iospace_set_notification(bst_cptr_t iospace, bst_cptr_t ntfn)
{
    const uint64_t a[] = {ntfn};
    return bst_invoke(iospace, BST_INV_IOSPACE_SET_NOTIFICATION, a, 1, NULL, 0);
}

bst_error_t bst_iospace_read_fault(bst_cptr_t iospace, struct bst_io_fault *out)
{
    uint64_t r[4] = {0, 0, 0, 0};
    bst_error_t e = bst_invoke(iospace, BST_INV_IOSPACE_READ_FAULT, NULL, 0, r, 4);
    *out = (struct bst_io_fault){r[0], r[1], r[2], r[3]};
    return e;
}

bst_error_t bst_iopt_map(bst_cptr_t iopt, bst_cptr_t iospace, uint64_t ioaddr)
{
    const uint64_t a[] = {iospace, ioaddr};
    return bst_invoke(iopt, BST_INV_IOPT_MAP, a, 2, NULL, 0);
}

bst_error_t bst_iopt_unmap(bst_cptr_t iopt)
{
    return bst_invoke(iopt, BST_INV_IOPT_UNMAP, NULL, 0, NULL, 0);
}

bst_error_t bst_frame_io_map(bst_cptr_t frame, bst_cptr_t iospace, uint64_t ioaddr, uint64_t rights)
{
    const uint64_t a[] = {iospace, ioaddr, rights};
    return bst_invoke(frame, BST_INV_FRAME_IO_MAP, a, 3, NULL, 0);
}
