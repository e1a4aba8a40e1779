/*
 * I/O address spaces: what a device's DMA may reach through the IOMMU (docs/capabilities.md,
 * "I/O address spaces").
 *
 * An IOSPACE object is the top-level table of a device's DMA translation; IOPT objects
 * are the tables below it; 4 KiB (and 2 MiB, where the unit can) frames are mapped into it with the
 * rights the device gets (read: the device may read the frame, write: it may write it). A PCI
 * function is assigned to a space with the IRQ control cap as authority over devices; from then on
 * its DMA reaches exactly what the space maps, and every other access is blocked by the
 * hardware and recorded here as a fault of that space (counted, the last one kept, a
 * bound notification signalled). Without an IOMMU set up (IOMMU_SETUP) spaces can be
 * built but not assigned: DMA is not confined, and init says so.
 *
 * An I/O space is a second-level space (vm/second_level.h): its identifier also tags
 * the hardware's caches (the VT-d domain id), and a frame or IOPT cap records its one
 * I/O mapping in the cap, marked CAP_IO_MAPPED (object/cap.h).
 */
#ifndef BASTION_VM_IOSPACE_H
#define BASTION_VM_IOSPACE_H

#include <vm/second_level.h>

struct invocation;
bst_error_t iospace_invoke(struct invocation *inv); /* IOSPACE caps */
bst_error_t iopt_invoke(struct invocation *inv);    /* IOPT caps */
bst_error_t
iospace_frame_invoke(struct invocation *inv);           /* FRAME_IO_MAP, FRAME_UNMAP of I/O maps */
bst_error_t iommu_setup_invoke(struct invocation *inv); /* IOMMU_SETUP on IRQ control */

/* Undo the I/O mapping `cap` (an IOPT, or a frame that cap_is_io_mapped()) records;
 * an IOPT is emptied too. On unmap and on every delete of such a cap (finalise.h). */
void iospace_unmap_cap(struct cap *cap);

/* The last cap to an I/O space is gone: its devices are unassigned (their DMA is
 * blocked again) and its identifier retired. */
void iospace_finalise(const struct cap *cap);

/* A notification is being deleted: no space may signal it any more. */
struct notification;
void iospace_forget_notification(const struct notification *n);

/* The hardware blocked a DMA of PCI function `source_id` at I/O address `addr`
 * (architecture's interrupt path): record it with the space the function is assigned
 * to, if any. `reason`: the hardware's reason code, bit 8 set for a write. */
void iospace_fault(uint64_t source_id, uint64_t addr, uint64_t reason);

/* DMA faults seen since boot, whether or not a space took them (reports, tests). */
uint64_t iospace_fault_total(void);

/*
 * Architecture hooks (x86_64: Intel VT-d, kernel/arch/x86_64/iommu.c). Tables are named
 * by physical address; `root` is an IOSPACE's table. None of them fails on user input
 * that the generic decode has checked; the ones returning errors say which.
 */
/* Set up and enable DMA remapping with the unit whose registers are the device page at
 * `regs` (and interrupt remapping where it can, the IOAPIC's interrupts accepted from
 * requester `ioapic_source` only, or from any: IOMMU_ANY_SOURCE). Errors:
 * ILLEGAL_OPERATION (set up already), INVALID_ARGUMENT (no unit there, or one without
 * the translation this kernel builds). */
#define IOMMU_ANY_SOURCE UINT64_MAX
bst_error_t arch_iommu_setup(paddr_t regs, uint64_t ioapic_source);
bool arch_iommu_enabled(void);
/* The highest I/O address + 1 the spaces translate. */
uint64_t arch_iospace_limit(void);
/* Whether `source_id` (bus << 8 | dev << 3 | fn) can be assigned (RANGE_ERROR if not). */
bool arch_iommu_source_valid(uint64_t source_id);
/* The root the function is assigned to, 0 if none. */
paddr_t arch_iommu_assigned_root(uint64_t source_id);
/* Point the function's DMA at `root`, tagged `id`; the function was not assigned. */
void arch_iommu_assign(uint64_t source_id, paddr_t root, unsigned id);
/* Every function assigned to `root` is unassigned (blocked); caches invalidated. */
void arch_iommu_unassign_root(paddr_t root);
/* Whether 2 MiB frames can be mapped (page level 1). */
bool arch_iommu_large_pages(void);
/* The unit's second-level table format, with BST_RIGHT_READ/WRITE rights: 3 or 4
 * levels as set up (the top one the IOSPACE); a frame under a 2 MiB page is
 * SLOT_OCCUPIED; a write that adds or removes a translation reaches the unit and its
 * caches are invalidated (after an addition only where it caches absent entries). */
extern const struct second_level_format arch_iospace_format;

#endif
