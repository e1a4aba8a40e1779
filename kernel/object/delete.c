/*
 * Deleting and revoking capabilities.
 *
 * The "last capability" test relies on the CDT invariants of docs/capabilities.md:
 * the children of a non-issuer cap are copies of it, and among the children of an
 * issuer (or the root) all caps to one object are adjacent. So if another cap to the
 * object exists, one is a child, an adjacent sibling, or the parent -- and when both
 * neighbours are siblings, a parent naming the same object would make them copies too.
 */
#include "object/delete.h"
#include "object/cdt.h"
#include "object/finalise.h"
#include "kassert.h"
#include "kpreempt.h"

static bool same_object_at(const struct cte *other, const struct cap *c)
{
    return other != NULL && cap_same_object(&other->cap, c);
}

bool cap_is_final(const struct cte *slot)
{
    const struct cap *c = &slot->cap;
    if (cap_is_issuer(c))
        return true; /* issuers are never copied */
    if (cdt_has_children(slot))
        return false;
    if (same_object_at(cdt_prev_sibling(slot), c) || same_object_at(cdt_next_sibling(slot), c))
        return false;
    return !same_object_at(cdt_adjacent_parent(slot), c);
}

void cap_delete_slot(struct cte *slot)
{
    kassert(!cap_is_null(&slot->cap));
    if (cap_records_binding(&slot->cap))
        cap_unbind(&slot->cap);
    bool final = cap_is_final(slot);
    struct cap old = slot->cap;
    cdt_remove(slot);
    slot->cap = cap_null();
    if (old.flags & CAP_F_THREAD)
        tcb_slot_emptied(slot);
    if (old.flags & CAP_F_KIMAGE)
        kimage_slot_emptied(slot);
    if (final)
        cap_finalise(&old);
}

void cap_move_slot(struct cte *dst, struct cte *src)
{
    kassert(!cap_is_null(&src->cap) && cap_is_null(&dst->cap));
    cdt_move(dst, src);
    dst->cap = src->cap;
    src->cap = cap_null();
}

bst_error_t cap_revoke_slot(struct cte *slot)
{
    while (cdt_has_children(slot)) {
        cap_delete_slot(cdt_first_child(slot));
        if (cdt_has_children(slot) && kpreempt_pending())
            return BST_PREEMPTED;
    }
    return BST_OK;
}
