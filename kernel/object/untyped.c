/*
 * Untyped memory and retype (see object/untyped.h).
 *
 * Invariants kept here (docs/capabilities.md): watermark <= zeroed <= size; every child
 * object lies in [paddr, paddr + watermark); children are appended in address order;
 * in RAM untyped, [watermark, zeroed) holds zeros. Retype is decode (no side effects),
 * then zero (preemptible; progress is kept in `zeroed` and is invisible to users), then
 * commit (bounded by BST_RETYPE_MAX_COUNT).
 */
#include "object/untyped.h"
#include "object/cdt.h"
#include "object/cnode.h"
#include "kassert.h"
#include "kmem.h"
#include "kpreempt.h"
#include "kstring.h"

struct cap untyped_make(paddr_t paddr, unsigned size_bits, bool device)
{
    struct cap c = cap_make_object(BST_OBJ_UNTYPED, paddr, size_bits, 0, device ? CAP_F_DEVICE : 0);
    c.u.untyped.watermark = 0;
    c.u.untyped.zeroed = 0;
    return c;
}

/* Everything retype decided, so that performing it needs no more checks. */
struct retype_plan {
    struct cte *ut;
    struct cap dest; /* the destination CNode cap */
    bst_objtype_t type;
    unsigned obj_bits; /* log2 size of one object */
    unsigned radix;    /* CNodes only */
    bool reset;        /* no children: start again from offset 0 */
    uint64_t start;    /* offset of the first object in the untyped */
    uint64_t count;
    uint64_t dest_offset;
};

static bst_error_t decode_type(const struct retype_args *a, bool device, struct retype_plan *p)
{
    if (a->type >= BST_OBJTYPE_COUNT || !(bst_obj_flags((bst_objtype_t)a->type) & BST_OBJF_RETYPE))
        return BST_INVALID_ARGUMENT;
    p->type = (bst_objtype_t)a->type;
    if (p->type == BST_OBJ_UNTYPED &&
        (a->size_bits < BST_UNTYPED_MIN_BITS || a->size_bits > BST_UNTYPED_MAX_BITS))
        return BST_RANGE_ERROR;
    if (p->type == BST_OBJ_CNODE &&
        (a->size_bits < BST_CNODE_MIN_RADIX || a->size_bits > BST_CNODE_MAX_RADIX))
        return BST_RANGE_ERROR;
    p->radix = p->type == BST_OBJ_CNODE ? (unsigned)a->size_bits : 0;
    p->obj_bits = bst_obj_size_bits(p->type, (unsigned)a->size_bits);
    if (device && !(bst_obj_flags(p->type) & BST_OBJF_DEVICE))
        return BST_ILLEGAL_OPERATION;
    if (a->count < 1 || a->count > BST_RETYPE_MAX_COUNT)
        return BST_RANGE_ERROR;
    p->count = a->count;
    return BST_OK;
}

static bst_error_t decode_dest(const struct retype_args *a, struct retype_plan *p)
{
    struct lookup_result l = cspace_lookup_ref(a->dest_cnode);
    if (l.status != BST_OK)
        return l.status;
    if (cap_type(&l.slot->cap) != BST_OBJ_CNODE)
        return BST_INVALID_CAPABILITY;
    p->dest = l.slot->cap;
    uint64_t nslots = BIT(p->dest.u.cnode.radix);
    if (a->dest_offset < 1 || a->dest_offset >= nslots || a->count > nslots - a->dest_offset)
        return BST_RANGE_ERROR;
    p->dest_offset = a->dest_offset;
    for (uint64_t i = 0; i < p->count; i++) {
        if (!cap_is_null(&cnode_slot(&p->dest, p->dest_offset + i)->cap))
            return BST_SLOT_OCCUPIED;
    }
    return BST_OK;
}

static bst_error_t decode_space(struct retype_plan *p)
{
    const struct cap *ut = &p->ut->cap;
    /* Reset only when something was handed out: a reset forgets the zeroed mark, which
     * a restarted retype of a childless untyped must keep. */
    p->reset = !cdt_has_children(p->ut) && ut->u.untyped.watermark > 0;
    uint64_t watermark = p->reset ? 0 : ut->u.untyped.watermark;
    if (p->obj_bits > ut->size_bits)
        return BST_NOT_ENOUGH_MEMORY;
    p->start = ALIGN_UP(watermark, BIT(p->obj_bits));
    if (p->start > BIT(ut->size_bits) || p->count > (BIT(ut->size_bits) - p->start) >> p->obj_bits)
        return BST_NOT_ENOUGH_MEMORY;
    return BST_OK;
}

static bst_error_t retype_decode(struct slot_ref ut, const struct retype_args *a,
                                 struct retype_plan *p)
{
    bst_error_t e = cnode_reap();
    if (e != BST_OK)
        return e;
    struct lookup_result l = cspace_lookup_ref(ut);
    if (l.status != BST_OK)
        return l.status;
    if (cap_type(&l.slot->cap) != BST_OBJ_UNTYPED)
        return BST_INVALID_CAPABILITY;
    p->ut = l.slot;
    e = decode_type(a, cap_is_device(&l.slot->cap), p);
    if (e == BST_OK)
        e = decode_dest(a, p);
    if (e == BST_OK)
        e = decode_space(p);
    return e;
}

static uint64_t plan_end(const struct retype_plan *p)
{
    return p->start + (p->count << p->obj_bits);
}

/* Make [watermark, end of the new objects) zero, a chunk between preemption points. */
static bst_error_t retype_zero(const struct retype_plan *p)
{
    struct cap *ut = &p->ut->cap;
    if (p->reset) {
        ut->u.untyped.watermark = 0;
        ut->u.untyped.zeroed = 0;
    }
    if (cap_is_device(ut) || p->type == BST_OBJ_UNTYPED)
        return BST_OK;
    uint64_t end = plan_end(p);
    while (ut->u.untyped.zeroed < end) {
        uint64_t from = ut->u.untyped.zeroed;
        uint64_t n = end - from < UNTYPED_ZERO_CHUNK ? end - from : UNTYPED_ZERO_CHUNK;
        memset(kmem_ptr(ut->paddr + from), 0, n);
        ut->u.untyped.zeroed = from + n;
        if (ut->u.untyped.zeroed < end && kpreempt_pending())
            return BST_PREEMPTED;
    }
    return BST_OK;
}

/* The cap for object i of the plan, its memory set up. */
static struct cap retype_make_object(const struct retype_plan *p, uint64_t i)
{
    const struct cap *ut = &p->ut->cap;
    uint64_t offset = p->start + (i << p->obj_bits);
    paddr_t paddr = ut->paddr + offset;
    if (p->type == BST_OBJ_UNTYPED) {
        struct cap c = untyped_make(paddr, p->obj_bits, cap_is_device(ut));
        uint64_t clean = ut->u.untyped.zeroed > offset ? ut->u.untyped.zeroed - offset : 0;
        c.u.untyped.zeroed = clean < BIT(p->obj_bits) ? clean : BIT(p->obj_bits);
        return c;
    }
    if (p->type == BST_OBJ_CNODE)
        cnode_init(paddr, p->radix);
    return cap_make_object(p->type, paddr, p->obj_bits, p->radix, ut->flags & CAP_F_DEVICE);
}

static void retype_commit(const struct retype_plan *p)
{
    struct cap *ut = &p->ut->cap;
    for (uint64_t i = 0; i < p->count; i++) {
        struct cte *slot = cnode_slot(&p->dest, p->dest_offset + i);
        slot->cap = retype_make_object(p, i);
        cdt_insert_last_child(p->ut, slot);
    }
    uint64_t end = plan_end(p);
    ut->u.untyped.watermark = end;
    if (ut->u.untyped.zeroed < end)
        ut->u.untyped.zeroed = end;
}

bst_error_t untyped_retype(struct slot_ref ut, const struct retype_args *args)
{
    struct retype_plan plan;
    bst_error_t e = retype_decode(ut, args, &plan);
    if (e != BST_OK)
        return e;
    e = retype_zero(&plan);
    if (e != BST_OK)
        return e;
    retype_commit(&plan);
    return BST_OK;
}
