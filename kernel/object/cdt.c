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

/*
 * The three helpers below compute with a link's address bits, which WP's memory model
 * cannot follow: their contracts are assumed, not proved (docs/testing.md, "Proofs").
 * A link in a slot is either a slot's `sib` or its `kids` anchor.
 */
/*@ predicate cdt_sib_of_slot(struct cdt_link *l) =
        \exists struct cte *c; \valid(c) && l == &c->sib;
    predicate cdt_kids_of_slot(struct cdt_link *l) =
        \exists struct cte *c; \valid(c) && l == &c->kids;
    predicate cdt_link_in_slot(struct cdt_link *l) = cdt_sib_of_slot(l) || cdt_kids_of_slot(l);
 */
/*@ requires cdt_link_in_slot((struct cdt_link *)l);
    assigns \nothing;
    ensures \result ==> cdt_kids_of_slot((struct cdt_link *)l);
    ensures !\result ==> cdt_sib_of_slot((struct cdt_link *)l);
 */
static bool link_is_anchor(const struct cdt_link *l)
{
    return ((uintptr_t)l & (sizeof(struct cte) - 1)) == offsetof(struct cte, kids);
}

/*@ requires cdt_sib_of_slot((struct cdt_link *)l);
    assigns \nothing;
    ensures \valid(\result) && &\result->sib == l;
 */
static struct cte *cte_of_sib(const struct cdt_link *l)
{
    kassert(!link_is_anchor(l));
    return (struct cte *)((uintptr_t)l - offsetof(struct cte, sib));
}

/*@ requires cdt_kids_of_slot((struct cdt_link *)l);
    assigns \nothing;
    ensures \valid(\result) && &\result->kids == l;
 */
static struct cte *cte_of_kids(const struct cdt_link *l)
{
    kassert(link_is_anchor(l));
    return (struct cte *)((uintptr_t)l - offsetof(struct cte, kids));
}

/*
 * Contracts for the proofs (docs/testing.md "Proofs"): the ring operations below touch
 * only the links they are given and those links' two neighbours, which must be valid and
 * apart from the node's own links, as in every well-formed ring (docs/capabilities.md).
 */
/*@ requires \valid(anchor);
    assigns anchor->next, anchor->prev;
    ensures anchor->next == anchor && anchor->prev == anchor;
 */
static void ring_init(struct cdt_link *anchor)
{
    anchor->next = anchor;
    anchor->prev = anchor;
}

/*@ requires \valid_read(anchor);
    assigns \nothing;
    ensures \result <==> anchor->next == anchor;
 */
static bool ring_is_empty(const struct cdt_link *anchor)
{
    return (const struct cdt_link *)anchor->next == anchor; /* one pointer type for WP */
}

/*@ requires \valid(pos) && \valid(pos->prev) && \valid(l);
    requires \separated(l, pos) && \separated(l, pos->prev);
    assigns l->next, l->prev, pos->prev->next, pos->prev;
    ensures l->next == pos && l->prev == \old(pos->prev);
    ensures pos->prev == l && \old(pos->prev)->next == l;
 */
static void link_insert_before(struct cdt_link *pos, struct cdt_link *l)
{
    l->prev = pos->prev;
    l->next = pos;
    pos->prev->next = l;
    pos->prev = l;
}

/*@ requires \valid(l);
    assigns l->next, l->prev;
    ensures l->next == \null && l->prev == \null;
 */
static void link_clear(struct cdt_link *l)
{
    l->next = NULL;
    l->prev = NULL;
}

/* Take over the place of `from` in its ring; `from` is left untouched. */
/*@ requires \valid(to) && \valid_read(from) && \valid(from->next) && \valid(from->prev);
    requires \separated(to, from) && \separated(to, from->next) && \separated(to, from->prev);
    assigns to->next, to->prev, from->next->prev, from->prev->next;
    ensures to->next == \old(from->next) && to->prev == \old(from->prev);
 */
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

/*@ assigns \nothing;
    ensures \result == &cdt_root_node;
 */
struct cte *cdt_root(void)
{
    return &cdt_root_node;
}

/*@ requires \valid_read(n);
    assigns \nothing;
    ensures \result <==> n->sib.next != \null;
 */
bool cdt_is_linked(const struct cte *n)
{
    return n->sib.next != NULL;
}

/*@ requires \valid(parent) && \valid(child) && \valid(parent->kids.prev);
    requires \separated(child, parent) && \separated(child, parent->kids.prev);
    requires parent == &cdt_root_node || parent->sib.next != \null;
    requires child->sib.next == \null;
    requires ((uintptr_t)child & (sizeof(struct cte) - 1)) == 0;
    assigns child->sib, child->kids, parent->kids.prev, parent->kids.prev->next;
    ensures parent->kids.prev == &child->sib && child->sib.next == &parent->kids;
    ensures child->kids.next == &child->kids;
 */
void cdt_insert_last_child(struct cte *parent, struct cte *child)
{
    kassert(IS_ALIGNED((uintptr_t)child, sizeof(struct cte)));
    kassert(parent == &cdt_root_node || cdt_is_linked(parent));
    kassert(!cdt_is_linked(child));
    link_insert_before(&parent->kids, &child->sib);
    ring_init(&child->kids);
}

/*@ requires \valid(n) && \valid(n->sib.next) && \valid(n->sib.prev);
    requires n->kids.next != &n->kids ==> \valid(n->kids.next) && \valid(n->kids.prev);
    requires \separated(&n->sib, n->sib.next) && \separated(&n->sib, n->sib.prev);
    requires \separated(&n->kids, n->sib.next) && \separated(&n->kids, n->sib.prev);
    requires n->kids.next != &n->kids ==>
                 \separated(&n->sib, n->kids.next) && \separated(&n->sib, n->kids.prev) &&
                 \separated(&n->kids, n->kids.next) && \separated(&n->kids, n->kids.prev);
    assigns n->sib, n->kids, n->sib.next->prev, n->sib.prev->next, n->kids.next->prev,
            n->kids.prev->next;
    ensures n->sib.next == \null && n->sib.prev == \null;
    ensures n->kids.next == \null && n->kids.prev == \null;
 */
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

/*@ requires \valid(dst) && \valid(src) && \separated(dst, src);
    requires \valid(src->sib.next) && \valid(src->sib.prev);
    requires src->kids.next != &src->kids ==> \valid(src->kids.next) && \valid(src->kids.prev);
    requires \separated(dst, src->sib.next) && \separated(dst, src->sib.prev);
    requires \separated(src, src->sib.next) && \separated(src, src->sib.prev);
    requires src->kids.next != &src->kids ==>
                 \separated(dst, src->kids.next) && \separated(dst, src->kids.prev);
    requires dst->sib.next == \null && src->sib.next != \null;
    requires ((uintptr_t)dst & (sizeof(struct cte) - 1)) == 0;
    assigns dst->sib, dst->kids, src->sib, src->kids, src->sib.next->prev, src->sib.prev->next,
            src->kids.next->prev, src->kids.prev->next;
    ensures dst->sib.next == \old(src->sib.next) && dst->sib.prev == \old(src->sib.prev);
    ensures src->sib.next == \null && src->kids.next == \null;
 */
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

/*@ requires \valid_read(n);
    assigns \nothing;
    ensures \result <==> n->kids.next != \null && n->kids.next != &n->kids;
 */
bool cdt_has_children(const struct cte *n)
{
    return n->kids.next != NULL && !ring_is_empty(&n->kids);
}

/*@ requires \valid_read(n);
    requires n->kids.next != \null && n->kids.next != &n->kids ==> cdt_sib_of_slot(n->kids.next);
    assigns \nothing;
    ensures \result == \null || \valid(\result);
 */
struct cte *cdt_first_child(const struct cte *n)
{
    return cdt_has_children(n) ? cte_of_sib(n->kids.next) : NULL;
}

/*@ requires \valid_read(n);
    requires cdt_link_in_slot(n->sib.next) && cdt_link_in_slot(n->sib.prev);
    assigns \nothing;
    ensures \result == \null || \valid(\result);
 */
struct cte *cdt_next_sibling(const struct cte *n)
{
    return link_is_anchor(n->sib.next) ? NULL : cte_of_sib(n->sib.next);
}

/*@ requires \valid_read(n);
    requires cdt_link_in_slot(n->sib.next) && cdt_link_in_slot(n->sib.prev);
    assigns \nothing;
    ensures \result == \null || \valid(\result);
 */
struct cte *cdt_prev_sibling(const struct cte *n)
{
    return link_is_anchor(n->sib.prev) ? NULL : cte_of_sib(n->sib.prev);
}

/*@ requires \valid_read(n);
    requires cdt_link_in_slot(n->sib.next) && cdt_link_in_slot(n->sib.prev);
    assigns \nothing;
    ensures \result == \null || \valid(\result);
 */
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
