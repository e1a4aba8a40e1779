/*
 * IOMMU invocations (docs/syscalls.md, "I/O address spaces"): set up the DMA remapping
 * unit once (init), give a PCI function an I/O address space, build the space's tables
 * and map frames into it for the device, and read the DMA faults the space recorded.
 *
 * An I/O address is what the device puts on the bus; the space translates it to the
 * frame mapped there, with the rights it was mapped with. Everything else is blocked.
 */
#ifndef LIBBASTION_IOMMU_H
#define LIBBASTION_IOMMU_H

#include <bastion/rights.h>
#include <bastion/vmattr.h>
#include <libbastion/syscall.h>

/* The PCI requester id of bus:dev.fn, as IOSPACE_ASSIGN takes it. */
static inline uint64_t bst_pci_source_id(unsigned bus, unsigned dev, unsigned fn)
{
    return ((uint64_t)(bus & 0xff) << 8) | ((dev & 0x1f) << 3) | (fn & 7);
}

/* Turn DMA remapping on with the unit whose register page the device frame cap `regs`
 * (FRAME_4K) names; `irq_control` is the IRQ control cap. From then on every device's
 * DMA is blocked unless its function is assigned an I/O space. Once only. */
bst_error_t bst_iommu_setup(bst_cptr_t irq_control, bst_cptr_t regs);
/* The same, the IOAPIC's interrupts accepted from its requester id `ioapic_source` only
 * (where the unit remaps interrupts). */
bst_error_t bst_iommu_setup_ioapic(bst_cptr_t irq_control, bst_cptr_t regs, uint64_t ioapic_source);

/* Translate the DMA of PCI function `source_id` (bst_pci_source_id) through `iospace`;
 * `irq_control` is the authority over devices. */
bst_error_t bst_iospace_assign(bst_cptr_t iospace, bst_cptr_t irq_control, uint64_t source_id);

/* Each DMA fault of the space ORs the badge of `ntfn` (write right) into it. */
bst_error_t bst_iospace_set_notification(bst_cptr_t iospace, bst_cptr_t ntfn);

/* The DMA faults an I/O space has recorded: how many since it was made, and the last. */
struct bst_io_fault {
    uint64_t count;
    uint64_t address;   /* the I/O address (page) the device tried */
    uint64_t source_id; /* the requester */
    uint64_t reason;    /* bits 0-7 the hardware's reason code; BST_IO_FAULT_WRITE: a write */
};
bst_error_t bst_iospace_read_fault(bst_cptr_t iospace, struct bst_io_fault *out);

/* Put the I/O page table `iopt` into `iospace` at the first missing level on the way
 * to `ioaddr`. */
bst_error_t bst_iopt_map(bst_cptr_t iopt, bst_cptr_t iospace, uint64_t ioaddr);
bst_error_t bst_iopt_unmap(bst_cptr_t iopt);

/* Map the 4 KiB frame `frame` at `ioaddr` in `iospace`, for the device to read
 * (BST_RIGHT_READ) and/or write (BST_RIGHT_WRITE), masked by the cap's rights. Undone
 * by FRAME_UNMAP (bst_frame_unmap) or by deleting the cap. */
bst_error_t bst_frame_io_map(bst_cptr_t frame, bst_cptr_t iospace, uint64_t ioaddr,
                             uint64_t rights);

#endif
