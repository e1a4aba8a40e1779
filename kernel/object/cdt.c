/*
 * The capability derivation tree.
 *
 * Each node's children form a doubly linked ring through the node's `kids` anchor, in
 * order; the node itself sits in its parent's ring through its `sib` link. Because
 * every slot is 64-byte aligned, a link's offset within its 64-byte block says whether
 * it is a `sib` link (a child) or a `kids` anchor (the parent): that is how a walk
 * along a ring recognises its parent, with no parent pointers to keep up to date.
 * So removing a node splices its whole ring of children into its place in O(1), and
 * moving a node rewrites just its neighbours. docs/capabilities.md has the invariants.
 */
#include "object/cdt.h"
#include "kassert.h"

static _Alignas(sizeof(struct cte)) struct cte cdt_root_node;

_Static_assert(offsetof(struct cte, sib) != offsetof(struct cte, kids), "links are told apart");
_Static_assert(offsetof(struct cte, sib) % sizeof(struct cdt_link) == 0, "link alignment");

static bool link_is_anchor(const struct cdt_link *l)
{
    return ((uintptr_t)l & (sizeof(struct cte) - 1)) == offsetof(struct cte, kids);
}

static struct cte *cte_of_sib(const struct cdt_link *l)
{
    kassert(!link_is_anchor(l));
    return (struct cte *)((uintptr_t)l - offsetof(struct cte, sib));
}

static struct cte *cte_of_kids(const struct cdt_link *l)
{
    kassert(link_is_anchor(l));
    return (struct cte *)((uintptr_t)l - offsetof(struct cte, kids));
}

static void ring_init(struct cdt_link *anchor)
{
    anchor->next = anchor;
    anchor->prev = anchor;
}

static bool ring_is_empty(const struct cdt_link *anchor)
{
    return anchor->next == anchor;
}

static void link_insert_before(struct cdt_link *pos, struct cdt_link *l)
{
    l->prev = pos->prev;
    l->next = pos;
    pos->prev->next = l;
    pos->prev = l;
}

static void link_clear(struct cdt_link *l)
{
    l->next = NULL;
    l->prev = NULL;
}

/* Take over the place of `from` in its ring; `from` is left untouched. */
static void link_replace(struct cdt_link *to, const struct cdt_link *from)
{
    to->next = from->next;
    to->prev = from->prev;
    to->next->prev = to;
    to->prev->next = to;
}

void cdt_init(void)
{
    cdt_root_node.cap = cap_null();
    link_clear(&cdt_root_node.sib);
    ring_init(&cdt_root_node.kids);
}

struct cte *cdt_root(void)
{
    return &cdt_root_node;
}

bool cdt_is_linked(const struct cte *n)
{
    return n->sib.next != NULL;
}

void cdt_insert_last_child(struct cte *parent, struct cte *child)
{
    kassert(IS_ALIGNED((uintptr_t)child, sizeof(struct cte)));
    kassert(parent == &cdt_root_node || cdt_is_linked(parent));
    kassert(!cdt_is_linked(child));
    link_insert_before(&parent->kids, &child->sib);
    ring_init(&child->kids);
}

void cdt_remove(struct cte *n)
{
    kassert(cdt_is_linked(n));
    if (!ring_is_empty(&n->kids)) {
        struct cdt_link *first = n->kids.next;
        struct cdt_link *last = n->kids.prev;
        first->prev = n->sib.prev;
        n->sib.prev->next = first;
        last->next = &n->sib;
        n->sib.prev = last;
    }
    n->sib.prev->next = n->sib.next;
    n->sib.next->prev = n->sib.prev;
    link_clear(&n->sib);
    link_clear(&n->kids);
}

void cdt_move(struct cte *dst, struct cte *src)
{
    kassert(IS_ALIGNED((uintptr_t)dst, sizeof(struct cte)));
    kassert(cdt_is_linked(src) && !cdt_is_linked(dst));
    link_replace(&dst->sib, &src->sib);
    if (ring_is_empty(&src->kids))
        ring_init(&dst->kids);
    else
        link_replace(&dst->kids, &src->kids);
    link_clear(&src->sib);
    link_clear(&src->kids);
}

void cdt_swap(struct cte *a, struct cte *b)
{
    _Alignas(sizeof(struct cte)) struct cte tmp = {.cap = cap_null()};
    cdt_move(&tmp, a);
    cdt_move(a, b);
    cdt_move(b, &tmp);
}

bool cdt_has_children(const struct cte *n)
{
    return n->kids.next != NULL && !ring_is_empty(&n->kids);
}

struct cte *cdt_first_child(const struct cte *n)
{
    return cdt_has_children(n) ? cte_of_sib(n->kids.next) : NULL;
}

struct cte *cdt_next_sibling(const struct cte *n)
{
    return link_is_anchor(n->sib.next) ? NULL : cte_of_sib(n->sib.next);
}

struct cte *cdt_prev_sibling(const struct cte *n)
{
    return link_is_anchor(n->sib.prev) ? NULL : cte_of_sib(n->sib.prev);
}

struct cte *cdt_adjacent_parent(const struct cte *n)
{
    if (link_is_anchor(n->sib.next))
        return cte_of_kids(n->sib.next);
    if (link_is_anchor(n->sib.prev))
        return cte_of_kids(n->sib.prev);
    return NULL;
}

struct cte *cdt_parent(const struct cte *n)
{
    const struct cdt_link *l = n->sib.next;
    while (!link_is_anchor(l))
        l = l->next;
    return cte_of_kids(l);
}

struct cte *cdt_next_preorder(const struct cte *n)
{
    struct cte *child = cdt_first_child(n);
    if (child != NULL)
        return child;
    const struct cte *root = cdt_root();
    while (n != root) {
        struct cte *next = cdt_next_sibling(n);
        if (next != NULL)
            return next;
        n = cdt_adjacent_parent(n); /* n is its parent's last child: O(1) */
    }
    return NULL;
}
