/*
 * Untyped memory: the only source of kernel objects.
 *
 * An untyped cap covers 2^size_bits bytes at paddr and keeps a watermark: bytes below
 * it have been handed out. Retype carves objects at the next suitably aligned offset.
 * Once every child has been deleted or revoked, the next retype starts again from 0.
 * RAM untyped hands out zeroed memory; it zeroes lazily, at retype, only what it hands
 * out, and remembers in `zeroed` how far above the watermark memory is known clean (so
 * a preempted retype keeps its progress). Device untyped only becomes frames or smaller
 * device untyped, and is never touched.
 */
#ifndef BASTION_OBJECT_UNTYPED_H
#define BASTION_OBJECT_UNTYPED_H

#include "object/cspace.h"

/* Bytes zeroed between two preemption points. */
#define UNTYPED_ZERO_CHUNK (64u * 1024u)

struct retype_args {
    uint64_t type;              /* bst_objtype_t, as the user gave it */
    uint64_t size_bits;         /* Untyped: log2 bytes; CNode: radix; ignored otherwise */
    struct slot_ref dest_cnode; /* the slot holding the destination CNode cap */
    uint64_t dest_offset;       /* first destination slot index */
    uint64_t count;             /* number of objects, 1 .. BST_RETYPE_MAX_COUNT */
};

/*
 * Make `count` objects of one type from the untyped cap at `ut`, put caps to them (all
 * rights) in consecutive empty slots of the destination CNode, as CDT children of the
 * untyped. Errors, in the order they are checked: lookup errors (ut), INVALID_CAPABILITY
 * (ut is not an Untyped cap), INVALID_ARGUMENT (not a retypable type), RANGE_ERROR
 * (size_bits out of range for Untyped/CNode), ILLEGAL_OPERATION (a type other than
 * frames or untyped from device untyped), RANGE_ERROR (count), lookup errors (dest),
 * INVALID_CAPABILITY (dest is not a CNode cap), RANGE_ERROR (slots outside the CNode,
 * or slot 0), SLOT_OCCUPIED, NOT_ENOUGH_MEMORY, PREEMPTED (zeroing; progress kept).
 */
bst_error_t untyped_retype(struct slot_ref ut, const struct retype_args *args);

/* Set up an untyped cap for the block [paddr, paddr + 2^size_bits). */
struct cap untyped_make(paddr_t paddr, unsigned size_bits, bool device);

#endif
