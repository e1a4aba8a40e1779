/*
 * CSpace address resolution (see object/cspace.h for the addressing rules).
 *
 * Lookups only read: they are safe in the decode phase of every invocation.
 */
#include "object/cspace.h"
#include "object/cnode.h"
#include "kassert.h"

/* The low `n` bits of `w` (n <= 63). */
/*@ requires n <= 63;
    assigns \nothing;
    ensures \result <= (1 << n) - 1;
 */
static uint64_t low_bits(uint64_t w, unsigned n)
{
    return w & (BIT(n) - 1);
}

/* Resolve one level: `remaining` address bits are left to use at CNode cap `cn`. */
/*@ requires \valid_read(cn) && cn->type == BST_OBJ_CNODE && cap_cnode_ok(*cn);
    requires 1 <= remaining <= 64;
    assigns \nothing;
    ensures \result.status == BST_OK || \result.status == BST_FAILED_LOOKUP;
    ensures \result.status == BST_OK ==> \valid(\result.slot) && cap_ok(\result.slot->cap) &&
                cn->u.cnode.guard_bits + cn->u.cnode.radix <= remaining;
 */
static struct lookup_result lookup_level(const struct cap *cn, cptr_t cptr, unsigned remaining)
{
    struct lookup_result r = {.status = BST_FAILED_LOOKUP, .slot = NULL};
    unsigned guard_bits = cn->u.cnode.guard_bits;
    unsigned radix = cn->u.cnode.radix;
    if (guard_bits + radix > remaining)
        return r;
    if (guard_bits > 0 &&
        low_bits(cptr.bits >> (remaining - guard_bits), guard_bits) != cn->u.cnode.guard)
        return r;
    uint64_t index = low_bits(cptr.bits >> (remaining - guard_bits - radix), radix);
    if (index == 0)
        return r;
    r.status = BST_OK;
    r.slot = cnode_slot(cn, index);
    return r;
}

/* Walk from `root`. With `stop_at_leaf`, stop at the first non-CNode cap. */
/*@ requires \valid_read(root) && cap_ok(*root);
    assigns \nothing;
    ensures !(1 <= depth <= 64) ==> \result.status == BST_RANGE_ERROR;
    ensures 1 <= depth <= 64 && root->type != BST_OBJ_CNODE ==>
                \result.status == BST_INVALID_CAPABILITY;
    ensures \result.status == BST_OK ==> \valid(\result.slot);
    ensures \result.status == BST_OK || \result.status == BST_RANGE_ERROR ||
            \result.status == BST_INVALID_CAPABILITY || \result.status == BST_FAILED_LOOKUP;
 */
static struct lookup_result lookup_walk(const struct cap *root, cptr_t cptr, unsigned depth,
                                        bool stop_at_leaf)
{
    struct lookup_result r = {.status = BST_RANGE_ERROR, .slot = NULL};
    if (depth < 1 || depth > 64)
        return r;
    r.status = BST_INVALID_CAPABILITY;
    if (cap_type(root) != BST_OBJ_CNODE)
        return r;
    const struct cap *cn = root;
    unsigned remaining = depth;
    /*@ loop invariant 1 <= remaining <= depth;
        loop invariant \valid_read(cn) && cn->type == BST_OBJ_CNODE && cap_cnode_ok(*cn);
        loop assigns r, cn, remaining;
        loop variant remaining;
     */
    for (;;) {
        r = lookup_level(cn, cptr, remaining);
        if (r.status != BST_OK)
            return r;
        remaining -= (unsigned)cn->u.cnode.guard_bits + cn->u.cnode.radix;
        cn = &r.slot->cap;
        if (remaining == 0)
            return r;
        if (cap_type(cn) != BST_OBJ_CNODE) {
            if (!stop_at_leaf)
                r.status = BST_FAILED_LOOKUP;
            return r;
        }
    }
}

struct lookup_result cspace_lookup_slot(const struct cap *root, cptr_t cptr, unsigned depth)
{
    return lookup_walk(root, cptr, depth, false);
}

struct lookup_result cspace_lookup_ref(struct slot_ref ref)
{
    return lookup_walk(ref.root, ref.cptr, ref.depth, false);
}

struct lookup_result cspace_lookup_cap(const struct cap *root, cptr_t cptr)
{
    struct lookup_result r = lookup_walk(root, cptr, 64, true);
    if (r.status == BST_OK && cap_is_null(&r.slot->cap))
        r.status = BST_INVALID_CAPABILITY;
    return r;
}
