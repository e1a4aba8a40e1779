/*
 * CSpace addressing: from a user-chosen capability address to a slot.
 *
 * A CSpace is a graph of CNodes rooted at a CNode capability. An address (CPtr) is read
 * from its most significant used bit down: `depth` bits in all. At each CNode the next
 * guard_bits bits must equal the cap's guard, and the next radix bits index the CNode;
 * if bits remain, the slot must hold a CNode cap and resolution continues there. So a
 * CSpace can be large and sparse with few levels (guards skip unused address bits).
 * Slot 0 of every CNode is reserved: an address that indexes it fails.
 */
#ifndef BASTION_OBJECT_CSPACE_H
#define BASTION_OBJECT_CSPACE_H

#include "object/cap.h"

/* A capability address chosen by user code: only cspace_lookup_*() interpret it. */
typedef struct {
    uint64_t bits;
} cptr_t;

static inline cptr_t cptr_from_word(uint64_t w)
{
    return (cptr_t){.bits = w};
}

struct lookup_result {
    bst_error_t status;
    struct cte *slot;
};

/* A slot named by a CSpace root capability, an address and the address's depth. */
struct slot_ref {
    const struct cap *root;
    cptr_t cptr;
    unsigned depth;
};

/*
 * The slot that exactly `depth` bits of `cptr` name, starting at the CNode cap `root`.
 * The slot may be empty. No side effects.
 * Errors: RANGE_ERROR (depth not in 1..64), INVALID_CAPABILITY (root is not a CNode
 * cap), FAILED_LOOKUP (a guard mismatch, a level needing more bits than remain, a
 * non-CNode cap where bits remain, or slot 0).
 */
/*@ requires \valid_read(root) && cap_ok(*root);
    assigns \nothing;
    ensures !(1 <= depth <= 64) ==> \result.status == BST_RANGE_ERROR;
    ensures 1 <= depth <= 64 && root->type != BST_OBJ_CNODE ==>
                \result.status == BST_INVALID_CAPABILITY;
    ensures \result.status == BST_OK || \result.status == BST_RANGE_ERROR ||
            \result.status == BST_INVALID_CAPABILITY || \result.status == BST_FAILED_LOOKUP;
    ensures \result.status == BST_OK ==> \valid(\result.slot);
 */
struct lookup_result cspace_lookup_slot(const struct cap *root, cptr_t cptr, unsigned depth);

/*
 * The slot holding the capability that 64-bit address `cptr` names, for invoking it:
 * resolution stops at the first slot that does not hold a CNode cap, or when the bits
 * run out. Errors: as cspace_lookup_slot(), and INVALID_CAPABILITY if the slot is empty.
 */
/*@ requires \valid_read(root) && cap_ok(*root);
    assigns \nothing;
    ensures \result.status == BST_OK || \result.status == BST_RANGE_ERROR ||
            \result.status == BST_INVALID_CAPABILITY || \result.status == BST_FAILED_LOOKUP;
    ensures \result.status == BST_OK ==> \valid(\result.slot);
    ensures \result.status == BST_OK ==> \result.slot->cap.type != BST_OBJ_NULL;
 */
struct lookup_result cspace_lookup_cap(const struct cap *root, cptr_t cptr);

/* cspace_lookup_slot() on a slot_ref. */
/*@ requires \valid_read(ref.root) && cap_ok(*ref.root);
    assigns \nothing;
    ensures \result.status == BST_OK || \result.status == BST_RANGE_ERROR ||
            \result.status == BST_INVALID_CAPABILITY || \result.status == BST_FAILED_LOOKUP;
    ensures \result.status == BST_OK ==> \valid(\result.slot);
 */
struct lookup_result cspace_lookup_ref(struct slot_ref ref);

#endif
