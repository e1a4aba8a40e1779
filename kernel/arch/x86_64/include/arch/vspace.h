/*
 * User address spaces on x86_64: 4-level page tables. A VSpace is a PML4 page (object
 * type VSPACE); PT_L3 = PDPT, PT_L2 = PD, PT_L1 = PT. The generic layer (kernel/vm)
 * decides what may be mapped; these functions only edit tables and the TLB.
 *
 * Every VSpace has a small identifier (its PCID when the CPU has PCID), kept in a
 * non-present slot of the PML4's kernel half (entry VSPACE_ID_SLOT), so that it can be
 * found from the page alone. Entries 256.. of every PML4 are the kernel's own and are
 * copied in when the VSpace is first used.
 */
#ifndef ARCH_VSPACE_H
#define ARCH_VSPACE_H

#include <arch/cpu.h>
#include <arch/iomap.h>
#include <arch/pagetable.h>
#include <arch/physmap.h>
#include <bastion/errors.h>
#include <kpercpu.h>
#include <ktypes.h>

#define VSPACE_LEVELS  4
#define VSPACE_ID_BITS 12 /* = PCID width; id 0 is the kernel's */
#define VSPACE_MAX_IDS (1u << VSPACE_ID_BITS)

/* Page size at a level: 0 -> 4 KiB, 1 -> 2 MiB, 2 -> 1 GiB. */
static inline unsigned vspace_page_bits(unsigned level)
{
    return 12 + 9 * level;
}

/* Prepare a fresh (zeroed) PML4 for use with identifier `id`: copy the kernel half. */
void arch_vspace_init(paddr_t pml4, unsigned id);
/* The identifier stored in the PML4; 0 when the VSpace was never prepared. */
unsigned arch_vspace_id(paddr_t pml4);
/* The VSpace is being deleted: forget its identifier, and stop using it if it is
 * the active one (the kernel's own tables take over). */
void arch_vspace_clear_id(paddr_t pml4);

/*
 * Install table `table` (a page-table page of level `level`, 0 = PT .. 2 = PDPT) in
 * `pml4` so that it translates `vaddr`. Errors: FAILED_LOOKUP (the table one level up
 * is missing, or a large page is there), SLOT_OCCUPIED.
 */
bst_error_t arch_table_map(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr);
/* Whether a table of `level` translating `vaddr` is installed. */
bool arch_table_present(paddr_t pml4, unsigned level, vaddr_t vaddr);
/* Remove `table` from `pml4` at `vaddr` if it is still there; true if it was. */
bool arch_table_unmap(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr);
/* Empty a table that is no longer in any VSpace (after arch_table_unmap, or once the
 * VSpace or the table above it went). */
void arch_table_clear(paddr_t table);

struct arch_mapping {
    bool writable, executable;
    unsigned cache; /* BST_CACHE_* */
};

/*
 * Map the frame at `frame` (2^(12+9*level) bytes) at `vaddr`. An existing mapping of
 * the same frame at vaddr is replaced (remap). Errors: FAILED_LOOKUP (a table on the
 * way is missing), SLOT_OCCUPIED (another frame or a table is there).
 */
bst_error_t arch_frame_map(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr,
                           struct arch_mapping m);
/* Remove the mapping of `frame` at `vaddr` if it is still that frame; true if it was. */
bool arch_frame_unmap(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr);

struct arch_translation {
    bool present, writable, user, executable;
    paddr_t paddr; /* of the byte at vaddr */
};
struct arch_translation arch_vspace_translate(paddr_t pml4, vaddr_t vaddr);

/* The switch itself, inline for the IPC fastpath: the PML4 in CR3, whether PCIDs are
 * in use, and which identifiers must be flushed at their next activation. */
KCPU_HOT_DECLARE(paddr_t, arch_active_pml4); /* this CPU's (kpercpu.h) */
extern bool arch_vspace_pcid;
extern bool arch_vspace_stale[VSPACE_MAX_IDS];

/* Switch to `pml4` unless it is active already. A VSpace that is not active has no
 * pending flush of its own when PCIDs are off (every CR3 load flushes then). The one
 * function that switches address spaces (the scheduler's exit and the IPC fastpath
 * both come here), so it is also where the I/O permission map follows the switch:
 * only when the outgoing or the incoming space holds ports (arch/iomap.h). */
static inline __attribute__((always_inline)) void arch_vspace_switch(paddr_t pml4)
{
    if (pml4 == KCPU_HOT(arch_active_pml4)) {
        return;
    }
    if (__builtin_expect(arch_iomap_spaces != 0, 0)) {
        arch_iomap_follow(pml4);
    }
    uint64_t cr3 = pml4;
    if (arch_vspace_pcid) {
        unsigned id = (unsigned)(((const uint64_t *)arch_physmap_ptr(pml4))[PT_ID_SLOT] >> 12) &
                      (VSPACE_MAX_IDS - 1);
        cr3 |= id | (arch_vspace_stale[id] ? 0 : BIT(63));
        arch_vspace_stale[id] = false;
    }
    KCPU_HOT(arch_active_pml4) = pml4;
    write_cr3(cr3);
}
/* Whether 1 GiB frames can be mapped. */
bool arch_vspace_has_huge_pages(void);

#endif
