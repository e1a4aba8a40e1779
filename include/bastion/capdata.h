/*
 * The "data" word given to mint and mutate, and how it reads per object type.
 *
 *   Endpoint, Notification: the badge (non-zero). 0 means "keep the source's badge".
 *     An unbadged capability may be given a badge once; a badged one keeps its badge.
 *   CNode: the guard. bits 0..5 guard size in bits, bits 6..63 guard value. A guard of
 *     g bits with a radix of r needs g + r <= 64 and value < 2^g. Data 0: no guard.
 *   Every other type: must be 0.
 */
#ifndef BASTION_ABI_CAPDATA_H
#define BASTION_ABI_CAPDATA_H

#include <stdint.h>

#define BST_GUARD_SIZE_BITS   6
#define BST_GUARD_VALUE_SHIFT 6
#define BST_GUARD_VALUE_BITS  58

/* Data word for a CNode guard of `bits` bits with value `value`. */
static inline uint64_t bst_cnode_guard_data(uint64_t value, unsigned bits)
{
    return (value << BST_GUARD_VALUE_SHIFT) | (bits & ((1u << BST_GUARD_SIZE_BITS) - 1));
}

static inline unsigned bst_guard_data_bits(uint64_t data)
{
    return (unsigned)(data & ((1u << BST_GUARD_SIZE_BITS) - 1));
}

static inline uint64_t bst_guard_data_value(uint64_t data)
{
    return data >> BST_GUARD_VALUE_SHIFT;
}

_Static_assert(BST_GUARD_VALUE_SHIFT + BST_GUARD_VALUE_BITS == 64, "guard data fills a word");

#endif
