/*
 * Address spaces, generically: which VSpaces exist (each with an identifier that
 * doubles as the hardware address-space tag), and what frame and page-table caps have
 * mapped where. The architecture edits the tables (arch/vspace.h).
 *
 * A frame or page-table cap maps at most once. Its mapping is recorded in the cap
 * itself: the vaddr, the VSpace identifier, and the identifier's generation. The
 * generation changes whenever an identifier is given to a new VSpace, so a cap whose
 * VSpace was deleted can never touch the tables of the VSpace that replaced it.
 */
#ifndef BASTION_VM_VSPACE_H
#define BASTION_VM_VSPACE_H

#include <arch/vspace.h>
#include <object/cap.h>

/* Give the VSpace an identifier and the kernel's mappings on first use. Errors:
 * NOT_ENOUGH_MEMORY (every identifier is in use). */
bst_error_t vspace_prepare(const struct cap *vspace);

/* Whether vspace_prepare() has run for it. */
bool vspace_is_prepared(const struct cap *vspace);

/* The identifier of a prepared VSpace, and the generation that identifier has now: a
 * record (id, generation) still names the same VSpace exactly when
 * vspace_id_generation(id) == generation. */
unsigned vspace_id_of(const struct cap *vspace);
uint64_t vspace_id_generation(unsigned id);
/* The top-level table of the VSpace a record (id, generation) names; 0 if it is gone. */
paddr_t vspace_id_lookup(unsigned id, uint64_t generation);

/* Switch to the address space `vspace` names (a prepared VSPACE cap), if it is not the
 * active one already. Inline: the IPC fastpath uses it. */
static inline __attribute__((always_inline)) void vspace_switch_to(const struct cap *vspace)
{
    arch_vspace_switch(vspace->paddr);
}

/* vm_unmap_cap() (object/finalise.h) undoes a cap's mapping; it runs on FRAME_UNMAP,
 * PAGE_TABLE_UNMAP and whenever such a cap is deleted. */

/* A VSpace's last cap is gone: retire its identifier. */
void vspace_finalise(const struct cap *vspace);

/* Whether `c` (frame or page table) records a mapping; and where. */
bool vm_cap_is_mapped(const struct cap *c);
vaddr_t vm_cap_mapped_vaddr(const struct cap *c);
/* Whether `c` records exactly the mapping at `vaddr` in the VSpace (id, generation). */
bool vm_cap_records(const struct cap *c, unsigned id, uint64_t generation, vaddr_t vaddr);
/* The page level of a frame type (0: 4 KiB) or the level of a table type (0: PT_L1). */
unsigned vm_level_of(bst_objtype_t type);

/* Map a frame (rights: BST_RIGHT_*, masked by the cap's; attrs: bastion/vmattr.h) or
 * a page table into `vs` at vaddr, recording the mapping in the cap. Errors as
 * FRAME_MAP / PAGE_TABLE_MAP in docs/syscalls.md. For invocations and the kernel's own
 * set-up of the root task. */
bst_error_t vm_map_frame(struct cap *frame, const struct cap *vs, vaddr_t vaddr, uint64_t rights,
                         uint64_t attrs);
bst_error_t vm_map_table(struct cap *table, const struct cap *vs, vaddr_t vaddr);

/* Whether `vs` has a page table of type `table_type` (PT_L1..L3) covering vaddr. */
bool vm_table_present(const struct cap *vs, bst_objtype_t table_type, vaddr_t vaddr);

/* A copy of a frame or page-table cap starts unmapped. */
static inline void vm_cap_clear_mapping(struct cap *c)
{
    c->u.raw[0] = c->u.raw[1] = 0;
}

/* Frame and page-table invocations; args/results as docs/syscalls.md. */
struct invocation;
bst_error_t frame_invoke(struct invocation *inv);
bst_error_t page_table_invoke(struct invocation *inv);

/* The frame mapped writable at `vaddr` in `vspace` is `frame`? (IPC buffer checks) */
bool vspace_maps_frame_writable(const struct cap *vspace, const struct cap *frame, vaddr_t vaddr);

#endif
