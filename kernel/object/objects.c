/*
 * The object layer's initialisation and its invariant checker.
 *
 * objects_check_invariants() checks, read-only, every invariant that
 * docs/capabilities.md lists; host tests run it after every step, and the kernel may
 * run it in debug builds. It walks the CDT without recursion or scratch memory.
 */
#include "object/objects.h"
#include "object/cdt.h"
#include "object/cnode.h"
#include "kassert.h"
#include <bastion/capdata.h>

void objects_init(void)
{
    cdt_init();
    cnode_reap_reset();
}

struct check_state {
    struct invariant_result r;
    uint64_t nodes; /* CDT nodes reached from the root, but those in TCB slots */
    uint64_t slots; /* non-empty slots in live and dying CNodes */
};

static bool fail(struct check_state *st, const char *why, const struct cte *where)
{
    if (st->r.ok) {
        st->r.ok = false;
        st->r.why = why;
        st->r.where = where;
    }
    return false;
}

static bool links_consistent(const struct cte *n)
{
    return n->sib.next && n->sib.prev && n->sib.next->prev == &n->sib &&
           n->sib.prev->next == &n->sib && n->kids.next && n->kids.prev &&
           n->kids.next->prev == &n->kids && n->kids.prev->next == &n->kids;
}

static bool size_consistent(const struct cap *c)
{
    bst_objtype_t t = cap_type(c);
    if (t == BST_OBJ_UNTYPED)
        return c->size_bits >= BST_UNTYPED_MIN_BITS && c->size_bits <= BST_UNTYPED_MAX_BITS;
    if (t == BST_OBJ_CNODE)
        return c->u.cnode.radix >= BST_CNODE_MIN_RADIX && c->u.cnode.radix <= BST_CNODE_MAX_RADIX &&
               c->size_bits == c->u.cnode.radix + BST_CNODE_SLOT_BITS;
    return c->size_bits == bst_obj_fixed_bits(t);
}

/* Count the non-empty slots of a CNode; every one must be linked, every empty one not. */
static bool count_cnode_slots(struct check_state *st, const struct cnode_header *h)
{
    const struct cte *slots = (const struct cte *)(const void *)h;
    for (uint64_t i = 1; i < BIT(h->radix); i++) {
        bool linked = slots[i].sib.next != NULL;
        if (linked == cap_is_null(&slots[i].cap))
            return fail(st, "slot emptiness disagrees with its CDT links", &slots[i]);
        if (slots[i].cap.flags & (CAP_F_THREAD | CAP_F_KIMAGE))
            return fail(st, "a CNode slot holds a cap marked as a TCB's or image's", &slots[i]);
        st->slots += linked;
    }
    return true;
}

static bool check_cnode_cap(struct check_state *st, const struct cte *n, bool first_of_object)
{
    const struct cap *c = &n->cap;
    if (c->u.cnode.guard_bits + c->u.cnode.radix > 64 ||
        (c->u.cnode.guard_bits < BST_GUARD_VALUE_BITS &&
         (c->u.cnode.guard >> c->u.cnode.guard_bits) != 0))
        return fail(st, "CNode guard does not fit", n);
    const struct cnode_header *h = cnode_header(c->paddr);
    if (h->radix != c->u.cnode.radix)
        return fail(st, "CNode header radix differs from its cap", n);
    if (h->dead)
        return fail(st, "a cap names a CNode queued for reaping", n);
    return !first_of_object || count_cnode_slots(st, h);
}

static bool check_cap_value(struct check_state *st, const struct cte *n)
{
    const struct cap *c = &n->cap;
    if (c->type == BST_OBJ_NULL || c->type >= BST_OBJTYPE_COUNT)
        return fail(st, "CDT node holds a null or unknown cap", n);
    if (!bst_rights_subset(c->rights, BST_RIGHTS_ALL))
        return fail(st, "rights outside the rights mask", n);
    if (!links_consistent(n))
        return fail(st, "CDT ring links are inconsistent", n);
    if (!cap_has_memory(c))
        return c->paddr == 0 || fail(st, "object without memory has an address", n);
    if (!size_consistent(c))
        return fail(st, "object size does not match its type", n);
    if (!IS_ALIGNED(c->paddr, BIT(c->size_bits)))
        return fail(st, "object is not naturally aligned", n);
    if (cap_is_device(c) && !(bst_obj_flags(cap_type(c)) & BST_OBJF_DEVICE))
        return fail(st, "device flag on a type that cannot be device memory", n);
    if (cap_type(c) == BST_OBJ_UNTYPED) {
        uint64_t w = c->u.untyped.watermark, z = c->u.untyped.zeroed;
        if (w > z || z > BIT(c->size_bits) || (cap_is_device(c) && z != w))
            return fail(st, "untyped watermark/zeroed marks are inconsistent", n);
    }
    return true;
}

/* A child of an Untyped: inside its allocated part, after its previous sibling. */
static bool check_untyped_child(struct check_state *st, const struct cte *n,
                                const struct cte *parent)
{
    const struct cap *c = &n->cap, *u = &parent->cap;
    if (!cap_has_memory(c))
        return fail(st, "untyped child without memory", n);
    if (c->paddr < u->paddr || c->paddr + cap_obj_size(c) > u->paddr + u->u.untyped.watermark)
        return fail(st, "object outside its untyped's allocated range", n);
    if (cap_is_device(c) != cap_is_device(u))
        return fail(st, "device flag differs from the parent untyped", n);
    const struct cte *prev = cdt_prev_sibling(n);
    if (prev && !cap_same_object(&prev->cap, c) &&
        c->paddr < prev->cap.paddr + cap_obj_size(&prev->cap))
        return fail(st, "untyped children overlap or are out of address order", n);
    return true;
}

/* A child of a non-issuer cap: a copy of it, with no more rights and the same badge. */
static bool check_copy_child(struct check_state *st, const struct cte *n, const struct cte *parent)
{
    const struct cap *c = &n->cap, *p = &parent->cap;
    if (!cap_same_object(c, p) || c->size_bits != p->size_bits ||
        (c->flags & ~CAP_F_THREAD) != (p->flags & ~CAP_F_THREAD))
        return fail(st, "child of a non-issuer names another object", n);
    if (!bst_rights_subset(c->rights, p->rights))
        return fail(st, "child has rights its parent lacks", n);
    if (cap_badge(p) != 0 && cap_badge(c) != cap_badge(p))
        return fail(st, "child of a badged cap has another badge", n);
    return true;
}

static bool check_issued_child(struct check_state *st, const struct cte *n,
                               const struct cte *parent)
{
    bst_objtype_t want =
        cap_type(&parent->cap) == BST_OBJ_IRQ_CONTROL ? BST_OBJ_IRQ_HANDLER : BST_OBJ_IOPORT;
    return cap_type(&n->cap) == want || fail(st, "control issued a cap of the wrong type", n);
}

static bool check_parent_relation(struct check_state *st, const struct cte *n,
                                  const struct cte *parent)
{
    if (parent == cdt_root())
        return true; /* root children: check_root_children() */
    switch (cap_type(&parent->cap)) {
    case BST_OBJ_UNTYPED:
        return check_untyped_child(st, n, parent);
    case BST_OBJ_IRQ_CONTROL:
    case BST_OBJ_IOPORT_CONTROL:
        return check_issued_child(st, n, parent);
    default:
        return check_copy_child(st, n, parent);
    }
}

static bool check_node(struct check_state *st, const struct cte *n, const struct cte *parent)
{
    /* A TCB's slots and a kernel image's are not a CNode's. */
    st->nodes += !(n->cap.flags & (CAP_F_THREAD | CAP_F_KIMAGE));
    if (!check_cap_value(st, n) || !check_parent_relation(st, n, parent))
        return false;
    if (cap_type(&n->cap) != BST_OBJ_CNODE)
        return true;
    const struct cte *prev = cdt_prev_sibling(n);
    bool first =
        !(prev && cap_same_object(&prev->cap, &n->cap)) && !cap_same_object(&parent->cap, &n->cap);
    return check_cnode_cap(st, n, first);
}

static bool objects_overlap(const struct cap *a, const struct cap *b)
{
    return a->paddr < b->paddr + cap_obj_size(b) && b->paddr < a->paddr + cap_obj_size(a);
}

/* Root children: pairwise disjoint objects; caps to one object adjacent. */
static bool check_root_children(struct check_state *st)
{
    for (const struct cte *a = cdt_first_child(cdt_root()); a; a = cdt_next_sibling(a)) {
        const struct cte *next = cdt_next_sibling(a);
        for (const struct cte *b = next; b; b = cdt_next_sibling(b)) {
            bool same = cap_same_object(&a->cap, &b->cap);
            if (same && !cap_same_object(&a->cap, &next->cap))
                return fail(st, "caps to one object are not adjacent", b);
            if (!same && cap_has_memory(&a->cap) && cap_has_memory(&b->cap) &&
                objects_overlap(&a->cap, &b->cap))
                return fail(st, "boot objects overlap", b);
        }
    }
    return true;
}

static void walk_tree(struct check_state *st)
{
    struct cte *root = cdt_root();
    struct cte *parent = root;
    struct cte *n = cdt_first_child(root);
    while (n != NULL) {
        if (!check_node(st, n, parent))
            return;
        struct cte *child = cdt_first_child(n);
        if (child != NULL) {
            parent = n;
            n = child;
            continue;
        }
        while (n != root && cdt_next_sibling(n) == NULL) {
            n = parent;
            parent = n == root ? NULL : cdt_parent(n);
        }
        n = n == root ? NULL : cdt_next_sibling(n);
    }
}

static bool check_reap_queue(struct check_state *st)
{
    for (const struct cnode_header *h = cnode_reap_queue(); h; h = h->reap_next) {
        if (h->magic != CNODE_MAGIC || !h->dead || h->reap_cursor >= BIT(h->radix))
            return fail(st, "reap queue holds a CNode in a bad state", NULL);
        if (!count_cnode_slots(st, h))
            return false;
    }
    return true;
}

struct invariant_result objects_check_invariants(void)
{
    struct check_state st = {.r = {.ok = true, .why = NULL, .where = NULL}};
    const struct cte *root = cdt_root();
    if (!cap_is_null(&root->cap) || root->kids.next == NULL) {
        fail(&st, "CDT root is not initialised", root);
        return st.r;
    }
    walk_tree(&st);
    if (st.r.ok)
        check_root_children(&st);
    if (st.r.ok)
        check_reap_queue(&st);
    if (st.r.ok && st.nodes != st.slots)
        fail(&st, "CDT nodes and non-empty CNode slots differ in number", NULL);
    return st.r;
}
