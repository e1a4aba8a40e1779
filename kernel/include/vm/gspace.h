/*
 * Guest-physical address spaces (docs/virtualisation.md): what a guest's physical
 * accesses reach through nested paging.
 *
 * A GSPACE object is the top-level nested table, GPTs are the tables below it, and
 * frames are mapped into it with the rights the guest gets (read, write, execute): a
 * second-level space (vm/second_level.h) whose identifier is the hardware's
 * address-space tag (AMD ASID) and whose records are marked CAP_GUEST_MAPPED
 * (object/cap.h).
 *
 * Every removal of a guest translation bumps the space's TLB generation; a VCPU that
 * enters the guest with an older generation flushes the space's tag first (vm/vcpu.h).
 */
#ifndef BASTION_VM_GSPACE_H
#define BASTION_VM_GSPACE_H

#include <vm/second_level.h>

/* The kind: vm/second_level.h's functions with it serve VCPUs (vm/vcpu.c). */
extern const struct second_level_kind gspace_kind;

struct invocation;
bst_error_t gpt_invoke(struct invocation *inv);          /* GPT caps */
bst_error_t gspace_frame_invoke(struct invocation *inv); /* FRAME_GUEST_MAP */
bst_error_t gspace_invoke(struct invocation *inv);       /* GSPACE caps (none yet) */

/* A GSPACE's last cap is gone: its identifier is retired. */
void gspace_finalise(const struct cap *cap);

/* Every identifier's record is consistent (DEBUG_CHECK_STATE); NULL or what broke. */
const char *gspace_check_invariants(void);

/* The architecture's nested table format (x86_64: AMD nested paging,
 * kernel/arch/x86_64/npt.c), with BST_GUEST_MAP_* rights; 4 levels (the top one the
 * GSPACE). A frame under a large page is FAILED_LOOKUP; 1 GiB pages where the CPU has
 * them. The hardware's TLB is flushed by the tag when a VCPU enters (vm/vcpu.h). */
extern const struct second_level_format arch_gspace_format;

#endif
