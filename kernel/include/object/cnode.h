/*
 * CNodes: arrays of 2^radix capability slots, and the CNode invocations that copy,
 * mint, move, mutate, delete, revoke and rotate capabilities.
 *
 * Slot 0 of every CNode is its header (reap bookkeeping, below): it never holds a
 * capability and no address can name it. A CNode whose last capability is deleted is
 * queued for reaping: its slots are emptied one by one, at preemption points, by
 * cnode_reap(), which every invocation runs first, so no operation ever sees a
 * half-reaped CNode.
 *
 * Every invocation decodes completely (lookups, types, rights, emptiness) before it
 * changes anything, and returns one of the errors listed with it, or PREEMPTED (from
 * reaping or revoke) with nothing user-visible half-done; the caller restarts it.
 * Lookup errors (cspace.h) are returned for each slot_ref, in argument order src,
 * pivot, dst.
 */
#ifndef BASTION_OBJECT_CNODE_H
#define BASTION_OBJECT_CNODE_H

#include "object/cspace.h"

struct cnode_header {
    struct cnode_header *reap_next; /* next CNode queued for reaping */
    uint64_t reap_cursor;           /* highest slot index that may still hold a cap */
    uint64_t magic;                 /* CNODE_MAGIC */
    uint8_t radix;
    uint8_t dead; /* 1 while queued for reaping */
    uint8_t reserved[7];
};

#define CNODE_MAGIC UINT64_C(0x65646f4e43747362) /* "bstCNode" */

_Static_assert(sizeof(struct cnode_header) <= sizeof(struct cte), "the header fits slot 0");

/* Set up a CNode of 2^radix slots in zeroed memory at `paddr`. */
void cnode_init(paddr_t paddr, unsigned radix);

/* Slot `index` (1 .. 2^radix - 1) of the CNode that `cnode` names. */
/*@ requires \valid_read(cnode) && cnode->type == BST_OBJ_CNODE && cap_cnode_ok(*cnode);
    requires 1 <= index < (1 << cnode->u.cnode.radix);
    assigns \nothing;
    ensures \valid(\result) && cap_ok(\result->cap);
 */
struct cte *cnode_slot(const struct cap *cnode, uint64_t index);

/* The header of the CNode at `paddr`. */
struct cnode_header *cnode_header(paddr_t paddr);

/* The last cap to the CNode `cnode` was deleted: queue it for reaping. */
void cnode_finalise(const struct cap *cnode);

/* Empty every queued CNode. Errors: PREEMPTED (progress is kept; call again). */
bst_error_t cnode_reap(void);

/* The first CNode queued for reaping, or NULL (for the invariant checker). */
const struct cnode_header *cnode_reap_queue(void);

/* Forget the reap queue. Boot and host tests only. */
void cnode_reap_reset(void);

/* Copy src into empty dst as its CDT child, keeping rights in `rights` only.
 * Errors: INVALID_CAPABILITY (src empty), SLOT_OCCUPIED (dst not empty),
 * ILLEGAL_OPERATION (src is an Untyped or other issuer cap), INVALID_ARGUMENT (rights). */
bst_error_t cnode_copy(struct slot_ref dst, struct slot_ref src, bst_rights_t rights);

/* As cnode_copy(), and apply `data` (badge or guard, bastion/capdata.h).
 * Errors: those of cnode_copy(); INVALID_ARGUMENT (data invalid for the type),
 * ILLEGAL_OPERATION (a new badge on a badged cap). */
bst_error_t cnode_mint(struct slot_ref dst, struct slot_ref src, bst_rights_t rights,
                       uint64_t data);

/* Move the cap in src, with its CDT place, to empty dst.
 * Errors: INVALID_CAPABILITY (src empty), SLOT_OCCUPIED (dst not empty). */
bst_error_t cnode_move(struct slot_ref dst, struct slot_ref src);

/* Move src to dst, keeping rights in `rights` only and applying `data`. The cap must
 * have no CDT children (their rights and badges must stay within the parent's).
 * Errors: INVALID_CAPABILITY, SLOT_OCCUPIED, REVOKE_FIRST (src has children),
 * INVALID_ARGUMENT (rights or data), ILLEGAL_OPERATION (a new badge on a badged cap). */
bst_error_t cnode_mutate(struct slot_ref dst, struct slot_ref src, bst_rights_t rights,
                         uint64_t data);

/* Delete the cap in `target` (an empty slot is fine). Its CDT children move up to its
 * parent; if it was the last cap to its object, the object is finalised. Errors: lookup
 * errors, PREEMPTED (reaping a previously deleted CNode). */
bst_error_t cnode_delete(struct slot_ref target);

/* Delete every capability derived from the cap in `target` (the cap itself stays).
 * Errors: lookup errors, PREEMPTED (progress is kept: what was deleted stays deleted). */
bst_error_t cnode_revoke(struct slot_ref target);

/* Move pivot to dst and src to pivot. dst must be empty unless dst is src, which swaps
 * src and pivot. Errors: INVALID_CAPABILITY (src or pivot empty), ILLEGAL_OPERATION
 * (pivot is src or dst), SLOT_OCCUPIED (dst not empty and not src). */
bst_error_t cnode_rotate(struct slot_ref dst, struct slot_ref pivot, struct slot_ref src);

#endif
