/*
 * CNodes: slot access, reaping of dead CNodes, and the CNode invocations.
 *
 * Each invocation runs cnode_reap() first (so that no CDT query sees caps that are
 * only waiting to be reaped), then decodes everything, then performs. The perform
 * steps cannot fail.
 */
#include "object/cnode.h"
#include "object/cdt.h"
#include "object/delete.h"
#include "kassert.h"
#include "kmem.h"
#include "kpreempt.h"

static struct cnode_header *reap_queue;

struct cnode_header *cnode_header(paddr_t paddr)
{
    struct cnode_header *h = kmem_ptr(paddr);
    kassert(h->magic == CNODE_MAGIC);
    return h;
}

void cnode_init(paddr_t paddr, unsigned radix)
{
    struct cnode_header *h = kmem_ptr(paddr);
    kassert(radix >= BST_CNODE_MIN_RADIX && radix <= BST_CNODE_MAX_RADIX);
    h->reap_next = NULL;
    h->reap_cursor = 0;
    h->magic = CNODE_MAGIC;
    h->radix = (uint8_t)radix;
    h->dead = 0;
}

static struct cte *header_slot(struct cnode_header *h, uint64_t index)
{
    kassert(index > 0 && index < BIT(h->radix));
    return (struct cte *)(void *)h + index;
}

struct cte *cnode_slot(const struct cap *cnode, uint64_t index)
{
    kassert(cap_type(cnode) == BST_OBJ_CNODE);
    return header_slot(cnode_header(cnode->paddr), index);
}

/* ---- Reaping ------------------------------------------------------------------- */

void cnode_finalise(const struct cap *cnode)
{
    struct cnode_header *h = cnode_header(cnode->paddr);
    kassert(!h->dead);
    h->dead = 1;
    h->reap_cursor = BIT(h->radix) - 1;
    h->reap_next = reap_queue;
    reap_queue = h;
}

/* One unit of reaping: empty one slot, step past an empty one, or retire a CNode. */
static void cnode_reap_step(void)
{
    struct cnode_header *h = reap_queue;
    if (h->reap_cursor == 0) {
        reap_queue = h->reap_next;
        h->reap_next = NULL;
        h->dead = 0;
        return;
    }
    struct cte *slot = header_slot(h, h->reap_cursor);
    if (cap_is_null(&slot->cap))
        h->reap_cursor--;
    else
        cap_delete_slot(slot); /* may queue another CNode in front of h */
}

bst_error_t cnode_reap(void)
{
    while (reap_queue != NULL) {
        cnode_reap_step();
        if (reap_queue != NULL && kpreempt_pending())
            return BST_PREEMPTED;
    }
    return BST_OK;
}

const struct cnode_header *cnode_reap_queue(void)
{
    return reap_queue;
}

void cnode_reap_reset(void)
{
    reap_queue = NULL;
}

/* ---- Invocations ----------------------------------------------------------------- */

/* Reap, then look up two slots: the prologue of every two-slot invocation. */
struct two_slots {
    bst_error_t status;
    struct cte *src;
    struct cte *dst;
};

static struct two_slots prologue_two(struct slot_ref dst, struct slot_ref src)
{
    struct two_slots s = {.status = cnode_reap()};
    if (s.status != BST_OK)
        return s;
    struct lookup_result l = cspace_lookup_ref(src);
    s.status = l.status;
    s.src = l.slot;
    if (s.status != BST_OK)
        return s;
    l = cspace_lookup_ref(dst);
    s.status = l.status;
    s.dst = l.slot;
    return s;
}

/* Decode src -> dst for copy/move style operations. */
static bst_error_t check_src_dst(const struct two_slots *s)
{
    if (cap_is_null(&s->src->cap))
        return BST_INVALID_CAPABILITY;
    if (!cap_is_null(&s->dst->cap))
        return BST_SLOT_OCCUPIED;
    return BST_OK;
}

static bst_error_t cnode_derive(struct slot_ref dst, struct slot_ref src, bst_rights_t rights,
                                enum cap_data_mode mode, uint64_t data)
{
    struct two_slots s = prologue_two(dst, src);
    if (s.status != BST_OK)
        return s.status;
    bst_error_t e = check_src_dst(&s);
    if (e != BST_OK)
        return e;
    if (!cap_may_copy(&s.src->cap))
        return BST_ILLEGAL_OPERATION;
    struct cap_result d = cap_derive(&s.src->cap, rights, mode, data);
    if (d.status != BST_OK)
        return d.status;

    s.dst->cap = d.cap;
    cdt_insert_last_child(s.src, s.dst);
    return BST_OK;
}

bst_error_t cnode_copy(struct slot_ref dst, struct slot_ref src, bst_rights_t rights)
{
    return cnode_derive(dst, src, rights, CAP_DATA_KEEP, 0);
}

bst_error_t cnode_mint(struct slot_ref dst, struct slot_ref src, bst_rights_t rights, uint64_t data)
{
    return cnode_derive(dst, src, rights, CAP_DATA_SET, data);
}

bst_error_t cnode_move(struct slot_ref dst, struct slot_ref src)
{
    struct two_slots s = prologue_two(dst, src);
    if (s.status != BST_OK)
        return s.status;
    bst_error_t e = check_src_dst(&s);
    if (e != BST_OK)
        return e;

    cap_move_slot(s.dst, s.src);
    return BST_OK;
}

bst_error_t cnode_mutate(struct slot_ref dst, struct slot_ref src, bst_rights_t rights,
                         uint64_t data)
{
    struct two_slots s = prologue_two(dst, src);
    if (s.status != BST_OK)
        return s.status;
    bst_error_t e = check_src_dst(&s);
    if (e != BST_OK)
        return e;
    if (cdt_has_children(s.src))
        return BST_REVOKE_FIRST;
    struct cap_result d = cap_derive(&s.src->cap, rights, CAP_DATA_SET, data);
    if (d.status != BST_OK)
        return d.status;

    if (cap_is_bound(&s.src->cap) && d.cap.rights != s.src->cap.rights)
        return BST_ILLEGAL_OPERATION; /* its mapping or grant has the old rights: undo it first */
    if (cap_records_binding(&d.cap))
        d.cap.u = s.src->cap.u; /* a move: the binding goes with the cap (no data word) */
    cap_move_slot(s.dst, s.src);
    s.dst->cap = d.cap;
    return BST_OK;
}

/* Reap, then look up one slot. */
static struct lookup_result prologue_one(struct slot_ref target)
{
    struct lookup_result l = {.status = cnode_reap(), .slot = NULL};
    if (l.status != BST_OK)
        return l;
    return cspace_lookup_ref(target);
}

bst_error_t cnode_delete(struct slot_ref target)
{
    struct lookup_result l = prologue_one(target);
    if (l.status != BST_OK)
        return l.status;

    if (!cap_is_null(&l.slot->cap))
        cap_delete_slot(l.slot);
    return BST_OK;
}

bst_error_t cnode_revoke(struct slot_ref target)
{
    struct lookup_result l = prologue_one(target);
    if (l.status != BST_OK)
        return l.status;

    if (cap_is_null(&l.slot->cap))
        return BST_OK;
    return cap_revoke_slot(l.slot);
}

/* Swap the caps (and CDT places) of two non-empty slots. */
static void swap_slots(struct cte *a, struct cte *b)
{
    struct cap tmp = a->cap;
    cdt_swap(a, b);
    a->cap = b->cap;
    b->cap = tmp;
}

bst_error_t cnode_rotate(struct slot_ref dst, struct slot_ref pivot, struct slot_ref src)
{
    struct two_slots s = prologue_two(pivot, src);
    if (s.status != BST_OK)
        return s.status;
    struct cte *pv = s.dst;
    struct lookup_result l = cspace_lookup_ref(dst);
    if (l.status != BST_OK)
        return l.status;
    if (cap_is_null(&s.src->cap) || cap_is_null(&pv->cap))
        return BST_INVALID_CAPABILITY;
    if (pv == s.src || pv == l.slot)
        return BST_ILLEGAL_OPERATION;
    if (l.slot != s.src && !cap_is_null(&l.slot->cap))
        return BST_SLOT_OCCUPIED;

    if (l.slot == s.src) {
        swap_slots(s.src, pv);
        return BST_OK;
    }
    cap_move_slot(l.slot, pv);
    cap_move_slot(pv, s.src);
    return BST_OK;
}
