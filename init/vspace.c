/*
 * Address spaces: mapping frames with the page tables they need (taken in order from a
 * PD's tables in the spec, or made from untyped memory for init's own VSpace), and the
 * scratch windows through which init reads and writes PD memory one frame at a time.
 */
#include "init.h"

#include <libbastion/cnode.h>
#include <libbastion/vspace.h>

static const bst_objtype_t level_type[3] = {BST_OBJ_PT_L3, BST_OBJ_PT_L2, BST_OBJ_PT_L1};

/* Levels of page table a frame of 2^bits bytes needs above it (L3 .. L1). */
static unsigned levels_for(unsigned bits)
{
    return bits == 30 ? 1 : bits == 21 ? 2 : 3;
}

/* Put a table of level `lvl` at `vaddr` unless one is there already. */
static bst_error_t ensure_table(uint64_t vspace, struct table_pool *pool, unsigned lvl,
                                uint64_t vaddr)
{
    uint64_t cap;
    if (pool->own) {
        cap = slot_alloc(1);
        if (cap == 0)
            return BST_NOT_ENOUGH_MEMORY;
        bst_error_t e = untyped_alloc(level_type[lvl], 0, cap, 1);
        if (e != BST_OK)
            return e;
    } else {
        /* None left at this level: the table there must exist already (the tool counted
         * every table the PD needs); if it does not, the frame map fails below. */
        if (pool->left[lvl] == 0)
            return BST_OK;
        cap = pool->next[lvl];
    }
    bst_error_t e = bst_page_table_map(cap, vspace, vaddr);
    if (e == BST_SLOT_OCCUPIED)
        return BST_OK; /* the pool's cap stays unused (init's own is a leaked slot) */
    if (e == BST_OK && !pool->own) {
        pool->next[lvl]++;
        pool->left[lvl]--;
    }
    return e;
}

bst_error_t vs_map(uint64_t vspace, struct table_pool *pool, uint64_t frame, unsigned bits,
                   uint64_t vaddr, unsigned rights, unsigned attrs)
{
    bst_error_t e = bst_frame_map(frame, vspace, vaddr, (bst_rights_t)rights, attrs);
    if (e != BST_FAILED_LOOKUP)
        return e;
    for (unsigned lvl = 0; lvl < levels_for(bits); lvl++) {
        e = ensure_table(vspace, pool, lvl, vaddr);
        if (e != BST_OK)
            return e;
    }
    e = bst_frame_map(frame, vspace, vaddr, (bst_rights_t)rights, attrs);
    return e == BST_FAILED_LOOKUP && !pool->own ? BST_NOT_ENOUGH_MEMORY : e;
}

static uint64_t scratch_slot;
static bool scratch_busy;

void *scratch_map(uint64_t frame, unsigned bits)
{
    static struct table_pool own = {.own = true};
    uint64_t vaddr = bits == 30 ? SCRATCH_1G : bits == 21 ? SCRATCH_2M : SCRATCH_4K;
    if (scratch_slot == 0)
        scratch_slot = slot_alloc(1);
    if (scratch_slot == 0 || scratch_busy)
        init_fatal("no scratch slot left");
    bst_error_t e = bst_cnode_copy(ROOT_CNODE, scratch_slot, BST_ROOT_DEPTH, ROOT_CNODE, frame,
                                   BST_ROOT_DEPTH, BST_RIGHTS_RW);
    if (e == BST_OK)
        e = vs_map(ROOT_VSPACE, &own, scratch_slot, bits, vaddr, BST_RIGHTS_RW, 0);
    if (e != BST_OK)
        init_fatal("cannot map a frame into init's scratch window: %s", bst_error_name(e));
    scratch_busy = true;
    return (void *)(uintptr_t)vaddr;
}

void scratch_unmap(void)
{
    /* Deleting the copy removes its mapping (and flushes it). */
    bst_cnode_delete(ROOT_CNODE, scratch_slot, BST_ROOT_DEPTH);
    scratch_busy = false;
}
