/*
 * Guest-physical address spaces (docs/virtualisation.md): what a guest's physical
 * accesses reach through nested paging.
 *
 * A GSPACE object is the top-level nested table, GPTs are the tables below it, and
 * frames are mapped into it with the rights the guest gets (read, write, execute). Each
 * space in use has an identifier (its slot in a fixed table, with a generation, as
 * VSpaces and I/O spaces have) which is also the hardware's address-space tag (AMD
 * ASID). A frame or GPT cap records its one guest mapping in the cap, marked
 * CAP_GUEST_MAPPED (object/cap.h), so a cap whose space was deleted never touches the
 * tables of a space that reuses the identifier.
 *
 * Every removal of a guest translation bumps the space's TLB generation; a VCPU that
 * enters the guest with an older generation flushes the space's tag first (vm/vcpu.h).
 */
#ifndef BASTION_VM_GSPACE_H
#define BASTION_VM_GSPACE_H

#include <object/cap.h>

#define GSPACE_MAX_IDS 64

struct invocation;
bst_error_t gpt_invoke(struct invocation *inv);          /* GPT caps */
bst_error_t gspace_frame_invoke(struct invocation *inv); /* FRAME_GUEST_MAP */
bst_error_t gspace_invoke(struct invocation *inv);       /* GSPACE caps (none yet) */

/* Give the space an identifier on first use. Errors: NOT_ENOUGH_MEMORY (all in use). */
bst_error_t gspace_prepare(const struct cap *space, unsigned *id_out);
/* The identifier's generation now; 0 for an identifier not in use. */
uint64_t gspace_generation(unsigned id);
/* The top-level table of the space (id, generation) names; 0 if it is gone. */
paddr_t gspace_root(unsigned id, uint64_t generation);
/* How many times a translation was removed from the space `id` (its TLB generation). */
uint64_t gspace_tlb_generation(unsigned id);

/* A GSPACE's last cap is gone: its identifier is retired. */
void gspace_finalise(const struct cap *cap);

/* Every identifier's record is consistent (DEBUG_CHECK_STATE); NULL or what broke. */
const char *gspace_check_invariants(void);

/*
 * Architecture hooks (x86_64: AMD nested paging, kernel/arch/x86_64/npt.c). Tables are
 * named by physical address; `root` is a GSPACE's table. Page levels: 0 a 4 KiB frame,
 * 1 a 2 MiB one, 2 a 1 GiB one; table levels: 1 the leaf table (maps 4 KiB frames).
 */
/* Put `table` at the first level without a table on the path to `gpa`; *level gets
 * it. Errors: SLOT_OCCUPIED (every level has its table, or a frame covers gpa). */
bst_error_t arch_gpt_map(paddr_t root, paddr_t table, uint64_t gpa, unsigned *level);
/* Remove `table` from level `level` on the path to `gpa`, if it is there. */
void arch_gpt_unmap(paddr_t root, paddr_t table, uint64_t gpa, unsigned level);
/* Empty a table. */
void arch_gpt_clear(paddr_t table);
/* Map a frame with BST_GUEST_MAP_* rights. Errors: ILLEGAL_OPERATION (a 1 GiB frame
 * where the CPU has no 1 GiB pages), FAILED_LOOKUP (a table on the way is missing),
 * SLOT_OCCUPIED (something is there). */
bst_error_t arch_guest_frame_map(paddr_t root, paddr_t frame, unsigned page_level, uint64_t gpa,
                                 uint64_t rights);
/* Remove the frame's entry at gpa, if it is still that frame's. */
void arch_guest_frame_unmap(paddr_t root, paddr_t frame, unsigned page_level, uint64_t gpa);

#endif
