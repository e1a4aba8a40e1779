/*
 * Capability values: construction, identity and derivation rules.
 *
 * Pure functions of capability values, no side effects: the rules that make a
 * capability only ever lose rights as it is derived live here, in one place.
 */
#include "object/cap.h"
#include "kassert.h"
#include <bastion/capdata.h>

bool cap_is_issuer(const struct cap *c)
{
    switch (cap_type(c)) {
    case BST_OBJ_UNTYPED:
    case BST_OBJ_IRQ_CONTROL:
    case BST_OBJ_IOPORT_CONTROL:
        return true;
    default:
        return false;
    }
}

bool cap_same_object(const struct cap *a, const struct cap *b)
{
    if (a->type != b->type || cap_is_null(a))
        return false;
    switch (cap_type(a)) {
    case BST_OBJ_UNTYPED:
        return false;
    case BST_OBJ_IRQ_HANDLER:
        return a->u.irq.irq == b->u.irq.irq;
    case BST_OBJ_IOPORT:
        return a->u.ioport.first == b->u.ioport.first && a->u.ioport.last == b->u.ioport.last;
    default:
        return a->paddr == b->paddr;
    }
}

struct cap cap_make_object(bst_objtype_t type, paddr_t paddr, unsigned size_bits, unsigned radix,
                           unsigned flags)
{
    struct cap c = cap_null();
    kassert(bst_obj_flags(type) & BST_OBJF_MEMORY);
    kassert(IS_ALIGNED(paddr, BIT(size_bits)));
    c.type = (uint8_t)type;
    c.rights = BST_RIGHTS_ALL;
    c.size_bits = (uint8_t)size_bits;
    c.flags = (uint8_t)flags;
    c.paddr = paddr;
    if (type == BST_OBJ_CNODE)
        c.u.cnode.radix = (uint8_t)radix;
    return c;
}

struct cap cap_make_control(bst_objtype_t type)
{
    struct cap c = cap_null();
    kassert(!(bst_obj_flags(type) & BST_OBJF_MEMORY) && type != BST_OBJ_NULL);
    c.type = (uint8_t)type;
    c.rights = BST_RIGHTS_ALL;
    if (type == BST_OBJ_IOPORT_CONTROL)
        c.u.ioport.last = 0xffff;
    return c;
}

/* Apply a CNode guard data word to `c`. */
/*@ requires \valid(c) && c->type == BST_OBJ_CNODE && cap_cnode_ok(*c);
    assigns c->u.cnode.guard, c->u.cnode.guard_bits;
    ensures \result == BST_OK || \result == BST_INVALID_ARGUMENT;
    ensures cap_cnode_ok(*c);
 */
static bst_error_t cap_set_guard(struct cap *c, uint64_t data)
{
    unsigned bits = bst_guard_data_bits(data);
    uint64_t value = bst_guard_data_value(data);
    if (bits + c->u.cnode.radix > 64)
        return BST_INVALID_ARGUMENT;
    if (bits < BST_GUARD_VALUE_BITS && (value >> bits) != 0)
        return BST_INVALID_ARGUMENT;
    c->u.cnode.guard = value;
    c->u.cnode.guard_bits = (uint8_t)bits;
    return BST_OK;
}

/* Apply an IPC badge data word to `c`: only an unbadged cap can be given a badge. */
/*@ requires \valid(c);
    assigns c->u.ipc.badge;
    ensures \result == BST_OK || \result == BST_ILLEGAL_OPERATION;
    ensures \old(c->u.ipc.badge) != 0 ==> c->u.ipc.badge == \old(c->u.ipc.badge);
 */
static bst_error_t cap_set_badge(struct cap *c, uint64_t data)
{
    if (data == 0)
        return BST_OK;
    if (c->u.ipc.badge != 0)
        return BST_ILLEGAL_OPERATION;
    c->u.ipc.badge = data;
    return BST_OK;
}

/*@ requires \valid(c) && cap_ok(*c);
    assigns c->u.cnode.guard, c->u.cnode.guard_bits, c->u.ipc.badge;
    ensures \result == BST_OK || \result == BST_INVALID_ARGUMENT ||
            \result == BST_ILLEGAL_OPERATION;
    ensures cap_ok(*c);
    ensures cap_is_ipc(*c) && \old(c->u.ipc.badge) != 0 ==>
                c->u.ipc.badge == \old(c->u.ipc.badge);
 */
static bst_error_t cap_set_data(struct cap *c, uint64_t data)
{
    switch (cap_type(c)) {
    case BST_OBJ_CNODE:
        return cap_set_guard(c, data);
    case BST_OBJ_ENDPOINT:
    case BST_OBJ_NOTIFICATION:
        return cap_set_badge(c, data);
    default:
        if (data != 0)
            return BST_INVALID_ARGUMENT;
        return BST_OK;
    }
}

bool cap_may_copy(const struct cap *c)
{
    bst_objtype_t t = cap_type(c);
    return !cap_is_issuer(c) && t != BST_OBJ_PT_L1 && t != BST_OBJ_PT_L2 && t != BST_OBJ_PT_L3 &&
           t != BST_OBJ_IOPT && t != BST_OBJ_GPT;
}

struct cap_result cap_derive(const struct cap *src, bst_rights_t rights, enum cap_data_mode mode,
                             uint64_t data)
{
    struct cap_result r = {.status = BST_OK, .cap = *src};
    if (!bst_rights_subset(rights, BST_RIGHTS_ALL)) {
        r.status = BST_INVALID_ARGUMENT;
        return r;
    }
    r.cap.rights = (uint8_t)(src->rights & rights);
    cap_clear_binding(&r.cap); /* a copy maps (or grants) nothing yet */
    if (mode == CAP_DATA_SET)
        r.status = cap_set_data(&r.cap, data);
    return r;
}
