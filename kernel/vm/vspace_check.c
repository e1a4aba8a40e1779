/*
 * The VSpace oracle. See vm/vspace_check.h.
 */
#include <arch/pagetable.h>
#include <object/cdt.h>
#include <vm/vspace.h>
#include <vm/vspace_check.h>

struct check {
    struct vspace_check_result r;
    unsigned id;
    uint64_t generation;
};

static bool fail(struct check *ck, const char *why, const struct pt_entry *e)
{
    ck->r.why = why;
    ck->r.id = ck->id;
    ck->r.vaddr = e != NULL ? e->vaddr : 0;
    ck->r.paddr = e != NULL ? e->paddr : 0;
    return false;
}

/* The cap type an entry needs; NULL for one no cap can own (a large PML4 entry). */
static bst_objtype_t owner_type(const struct pt_entry *e)
{
    static const bst_objtype_t tables[] = {BST_OBJ_PT_L1, BST_OBJ_PT_L2, BST_OBJ_PT_L3};
    static const bst_objtype_t pages[] = {BST_OBJ_FRAME_4K, BST_OBJ_FRAME_2M, BST_OBJ_FRAME_1G};
    if (e->level > 2) {
        return BST_OBJ_NULL;
    }
    return e->table ? tables[e->level] : pages[e->level];
}

static bool owns(const struct check *ck, const struct cap *c, const struct pt_entry *e)
{
    return cap_type(c) == owner_type(e) && c->paddr == e->paddr &&
           vm_level_of(cap_type(c)) == e->level &&
           vm_cap_records(c, ck->id, ck->generation, e->vaddr) &&
           (e->table || !e->writable || (c->rights & BST_RIGHT_WRITE));
}

static bool has_owner(const struct check *ck, const struct pt_entry *e)
{
    for (const struct cte *n = cdt_next_preorder(cdt_root()); n != NULL; n = cdt_next_preorder(n)) {
        if (owns(ck, &n->cap, e)) {
            return true;
        }
    }
    return false;
}

static bool check_entry(void *ctx, const struct pt_entry *e)
{
    struct check *ck = ctx;
    ck->r.entries++;
    if (!e->user) {
        return fail(ck, "an entry of the user half lacks the user bit", e);
    }
    if (owner_type(e) == BST_OBJ_NULL) {
        return fail(ck, "a large page in the top-level table", e);
    }
    if (!has_owner(ck, e)) {
        return fail(ck,
                    e->table ? "a table no live page-table cap maps here"
                             : "a page no live frame cap (with the rights it has) maps here",
                    e);
    }
    return true;
}

static bool vspace_has_cap(paddr_t pml4)
{
    for (const struct cte *n = cdt_next_preorder(cdt_root()); n != NULL; n = cdt_next_preorder(n)) {
        if (cap_type(&n->cap) == BST_OBJ_VSPACE && n->cap.paddr == pml4) {
            return true;
        }
    }
    return false;
}

static bool check_vspace(struct check *ck, paddr_t pml4)
{
    ck->r.vspaces++;
    if (!vspace_has_cap(pml4)) {
        return fail(ck, "an identifier names a VSpace no live cap names", NULL);
    }
    if (arch_vspace_id(pml4) != ck->id) {
        return fail(ck, "a VSpace holds another identifier than the one naming it", NULL);
    }
    if (!pt_views_agree(pml4)) {
        return fail(ck, "the user view's user half differs from the kernel view's", NULL);
    }
    return pt_walk_user(pml4, check_entry, ck);
}

struct vspace_check_result vspace_check_mappings(void)
{
    struct check ck = {.r = {.why = NULL}};
    for (unsigned id = 1; id < VSPACE_MAX_IDS; id++) {
        ck.id = id;
        ck.generation = vspace_id_generation(id);
        paddr_t pml4 = vspace_id_lookup(id, ck.generation);
        if (pml4 != 0 && !check_vspace(&ck, pml4)) {
            break;
        }
    }
    return ck.r;
}
