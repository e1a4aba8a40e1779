/*
 * Address spaces: map, remap, unmap, rights, execute-never, large frames, cache
 * attributes, physical addresses, and what deleting frame and page-table caps does.
 */
#include "probe_child.h"

/* A fresh region of the root's space with tables down to 4 KiB pages. */
static bst_error_t region_with_tables(uint64_t *base, struct tables *t)
{
    *base = region_alloc();
    return tables_map(ROOT_VS, *base, 1, t);
}

static volatile uint64_t *word(uint64_t vaddr)
{
    return (volatile uint64_t *)(uintptr_t)vaddr;
}

void test_vspace_map_alias(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f, f2;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    CHECK(*word(base) == 0, "a new frame reads %lx, not zero", (unsigned long)*word(base));
    CHECK_OK(cap_copy(f, BST_RIGHTS_RW, &f2));
    CHECK_OK(bst_frame_map(f2, ROOT_VS, base + 16 * PAGE_SIZE, BST_RIGHT_READ, 0));
    *word(base + 8) = 0x1234567887654321ull;
    CHECK(*word(base + 16 * PAGE_SIZE + 8) == 0x1234567887654321ull, "the alias reads %lx",
          (unsigned long)*word(base + 16 * PAGE_SIZE + 8));
}

void test_vspace_remap_readonly(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    *word(base) = 7;
    CHECK_OK(bst_frame_map(f, ROOT_VS, base, BST_RIGHT_READ, 0));
    CHECK(*word(base) == 7, "the remapped frame reads %lx", (unsigned long)*word(base));
    CHECK_PROBE_FAULTS(PROBE_WRITE, base, 9, &r);
    CHECK(*word(base) == 7, "the read-only page changed to %lx", (unsigned long)*word(base));
    CHECK_OK(bst_frame_map(f, ROOT_VS, base, BST_RIGHTS_RW, 0));
    CHECK_PROBE_PASSES(PROBE_WRITE, base, 9, &r);
    CHECK(*word(base) == 9, "the write after remapping RW left %lx", (unsigned long)*word(base));
}

void test_vspace_unmap(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f, f2;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    CHECK_OK(cap_copy(f, BST_RIGHTS_RW, &f2));
    CHECK_OK(bst_frame_map(f2, ROOT_VS, base + PAGE_SIZE, BST_RIGHTS_RW, 0));
    *word(base) = 0xabc;
    CHECK_PROBE_PASSES(PROBE_READ, base, 0, &r);
    CHECK(r.value == 0xabc, "read %lx", (unsigned long)r.value);
    CHECK_OK(bst_frame_unmap(f));
    CHECK_PROBE_FAULTS(PROBE_READ, base, 0, &r);
    CHECK(*word(base + PAGE_SIZE) == 0xabc, "the other mapping lost the data");
    CHECK_OK(bst_frame_unmap(f)); /* unmapping twice is no error */
    /* The slot is free again: the frame maps there anew. */
    CHECK_OK(bst_frame_map(f, ROOT_VS, base, BST_RIGHT_READ, 0));
    CHECK(*word(base) == 0xabc, "mapped again, reads %lx", (unsigned long)*word(base));
}

void test_vspace_write_readonly(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHT_READ, 0, &f));
    CHECK_PROBE_PASSES(PROBE_READ, base, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_WRITE, base, 1, &r);
    CHECK(*word(base) == 0, "the read-only page changed");
}

void test_vspace_rights_masked(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f, ro;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &f));
    CHECK_OK(cap_copy(f, BST_RIGHT_READ, &ro));
    CHECK_OK(bst_frame_map(ro, ROOT_VS, base, BST_RIGHTS_RW, 0));
    CHECK_PROBE_PASSES(PROBE_READ, base, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_WRITE, base, 1, &r);
}

void test_vspace_exec_nx(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f, x;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    *(volatile uint8_t *)(uintptr_t)base = 0xc3; /* ret */
    CHECK_PROBE_FAULTS(PROBE_CALL, base, 0, &r);
    CHECK_OK(cap_copy(f, BST_RIGHT_READ, &x));
    CHECK_OK(bst_frame_map(x, ROOT_VS, base + PAGE_SIZE, BST_RIGHT_READ, BST_MAP_EXECUTABLE));
    CHECK_PROBE_PASSES(PROBE_CALL, base + PAGE_SIZE, 0, &r);
}

void test_vspace_large_frame(void)
{
    uint64_t base = region_alloc();
    struct tables t;
    bst_cptr_t f, f2;
    CHECK_OK(tables_map(ROOT_VS, base, 2, &t));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_2M, 0, &f));
    CHECK_ERR(bst_frame_map(f, ROOT_VS, base + PAGE_SIZE, BST_RIGHTS_RW, 0), BST_ALIGNMENT_ERROR);
    CHECK_OK(bst_frame_map(f, ROOT_VS, base, BST_RIGHTS_RW, 0));
    *word(base + LARGE_PAGE_SIZE - 8) = 0x2222;
    CHECK_OK(cap_copy(f, BST_RIGHT_READ, &f2));
    CHECK_OK(bst_frame_map(f2, ROOT_VS, base + LARGE_PAGE_SIZE, BST_RIGHT_READ, 0));
    CHECK(*word(base + 2 * LARGE_PAGE_SIZE - 8) == 0x2222, "the 2 MiB alias reads %lx",
          (unsigned long)*word(base + 2 * LARGE_PAGE_SIZE - 8));
    uint64_t pa;
    CHECK_OK(bst_frame_get_address(f, &pa));
    CHECK((pa & (LARGE_PAGE_SIZE - 1)) == 0, "2 MiB frame at %lx", (unsigned long)pa);
}

void test_vspace_cache_attrs(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t uc, wc;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, BST_CACHE_UC, &uc));
    CHECK_OK(frame_alloc_map(ROOT_VS, base + PAGE_SIZE, BST_RIGHTS_RW, BST_CACHE_WC, &wc));
    *word(base) = 1;
    *word(base + PAGE_SIZE) = 2;
    CHECK(*word(base) == 1 && *word(base + PAGE_SIZE) == 2, "uncached or WC memory lost data");
    CHECK_OK(bst_frame_map(uc, ROOT_VS, base, BST_RIGHTS_RW, BST_CACHE_WB));
    CHECK(*word(base) == 1, "remapped write-back, reads %lx", (unsigned long)*word(base));
}

void test_vspace_get_address(void)
{
    const struct bst_untyped_desc *d;
    bst_cptr_t ut = env_spare_untyped(&d);
    CHECK(ut != 0, "no spare untyped in the boot info");
    bst_cptr_t s0 = slot_alloc(), s1 = slot_alloc();
    CHECK(s1 == s0 + 1, "slots not consecutive");
    CHECK_OK(bst_untyped_retype(ut, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, s0, 2));
    uint64_t p0, p1;
    CHECK_OK(bst_frame_get_address(s0, &p0));
    CHECK_OK(bst_frame_get_address(s1, &p1));
    /* The kernel may have carved the root task's own objects from this untyped first,
     * so the frames lie at its watermark: inside it, page aligned, one after the other. */
    uint64_t end = d->paddr + (1ull << d->size_bits);
    CHECK(p0 >= d->paddr && p0 < end && (p0 & (PAGE_SIZE - 1)) == 0 && p1 == p0 + PAGE_SIZE,
          "frames at %lx, %lx from the untyped [%lx, %lx)", (unsigned long)p0, (unsigned long)p1,
          (unsigned long)d->paddr, (unsigned long)end);
    /* The physical address is the memory the mapping shows: write through one frame
     * mapped twice, and compare with what the other cap says. */
    uint64_t base = region_alloc();
    struct tables t;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    CHECK_OK(bst_frame_map(s1, ROOT_VS, base, BST_RIGHTS_RW, 0));
    bst_cptr_t c;
    CHECK_OK(cap_copy(s1, BST_RIGHTS_RW, &c));
    uint64_t pc;
    CHECK_OK(bst_frame_get_address(c, &pc));
    CHECK(pc == p1, "a copy of the cap names %lx, the original %lx", (unsigned long)pc,
          (unsigned long)p1);
}

void test_vspace_delete_frame(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    CHECK_PROBE_PASSES(PROBE_WRITE, base, 5, &r);
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, f, BST_ROOT_DEPTH));
    CHECK_PROBE_FAULTS(PROBE_READ, base, 0, &r);
    /* The page-table slot is free: another frame maps there. */
    bst_cptr_t g;
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &g));
}

void test_vspace_delete_page_table(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f1, f2;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f1));
    CHECK_OK(frame_alloc_map(ROOT_VS, base + 5 * PAGE_SIZE, BST_RIGHTS_RW, 0, &f2));
    CHECK_PROBE_PASSES(PROBE_READ, base + 5 * PAGE_SIZE, 0, &r);
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, t.l1, BST_ROOT_DEPTH));
    CHECK_PROBE_FAULTS(PROBE_READ, base, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_READ, base + 5 * PAGE_SIZE, 0, &r);
    /* The L1 slot of the L2 is free again, and a fresh table shows nothing. */
    bst_cptr_t l1;
    CHECK_OK(obj_alloc(BST_OBJ_PT_L1, 0, &l1));
    CHECK_OK(bst_page_table_map(l1, ROOT_VS, base));
    CHECK_PROBE_FAULTS(PROBE_READ, base, 0, &r);
}

void test_vspace_page_table_unmap(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f1, f2, l1b;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    /* A second L1 under the same L2, 2 MiB further on. */
    CHECK_OK(obj_alloc(BST_OBJ_PT_L1, 0, &l1b));
    CHECK_OK(bst_page_table_map(l1b, ROOT_VS, base + LARGE_PAGE_SIZE));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f1));
    CHECK_OK(frame_alloc_map(ROOT_VS, base + LARGE_PAGE_SIZE, BST_RIGHTS_RW, 0, &f2));
    CHECK_PROBE_PASSES(PROBE_READ, base + LARGE_PAGE_SIZE, 0, &r);
    CHECK_OK(bst_page_table_unmap(t.l2));
    CHECK_PROBE_FAULTS(PROBE_READ, base, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_READ, base + LARGE_PAGE_SIZE, 0, &r);
    /* The L2 slot in the L3 is free again. */
    bst_cptr_t l2;
    CHECK_OK(obj_alloc(BST_OBJ_PT_L2, 0, &l2));
    CHECK_OK(bst_page_table_map(l2, ROOT_VS, base));
}

/* An unmapped table holds nothing: mapped again elsewhere it shows nothing of its old
 * place (issue 26: its entries once survived, so a frame stayed reachable there after
 * its cap was deleted and its memory retyped). */
void test_vspace_unmapped_table_empty(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    *word(base) = 0x5a5a;
    CHECK_OK(bst_page_table_unmap(t.l1));
    CHECK_OK(bst_page_table_map(t.l1, ROOT_VS, base + LARGE_PAGE_SIZE));
    CHECK_PROBE_FAULTS(PROBE_READ, base + LARGE_PAGE_SIZE, 0, &r);
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, f, BST_ROOT_DEPTH));
    CHECK_PROBE_FAULTS(PROBE_READ, base + LARGE_PAGE_SIZE, 0, &r);
}

/* A page table has one cap, the one place it is mapped from: Copy and Mint refuse it
 * (two caps could map it in two places); Move keeps one and works. */
void test_vspace_table_cap_not_copied(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t c, moved = slot_alloc();
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_ERR(cap_copy(t.l1, BST_RIGHTS_ALL, &c), BST_ILLEGAL_OPERATION);
    CHECK_ERR(cap_copy(t.l2, BST_RIGHTS_ALL, &c), BST_ILLEGAL_OPERATION);
    CHECK_ERR(cap_copy(t.l3, BST_RIGHTS_ALL, &c), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_cnode_mint(ROOT_CNODE, slot_alloc(), BST_ROOT_DEPTH, ROOT_CNODE, t.l1,
                             BST_ROOT_DEPTH, BST_RIGHTS_ALL, 0),
              BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_cnode_move(ROOT_CNODE, moved, BST_ROOT_DEPTH, ROOT_CNODE, t.l1, BST_ROOT_DEPTH));
    bst_cptr_t f;
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    CHECK_PROBE_PASSES(PROBE_READ, base, 0, &r); /* the moved cap's table is still in place */
}

/* The tables of a deleted VSpace keep nothing either: once unmapped (their caps still
 * say where they were), mapped into another space they show nothing. */
void test_vspace_deleted_space_tables_empty(void)
{
    uint64_t base = region_alloc(), other = region_alloc();
    struct tables t;
    bst_cptr_t vs, f;
    struct probe_result r;
    CHECK_OK(obj_alloc(BST_OBJ_VSPACE, 0, &vs));
    CHECK_OK(tables_map(vs, base, 1, &t));
    CHECK_OK(frame_alloc_map(vs, base, BST_RIGHTS_RW, 0, &f));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, vs, BST_ROOT_DEPTH));
    CHECK_ERR(bst_page_table_map(t.l3, ROOT_VS, other), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_page_table_unmap(t.l3));
    CHECK_OK(bst_page_table_map(t.l3, ROOT_VS, other));
    CHECK_PROBE_FAULTS(PROBE_READ, other, 0, &r);
}

/* Mutate cannot lower the rights of a cap whose mapping has the old ones (a read-only
 * frame cap behind a writable mapping); unmapped, it can. */
void test_vspace_mutate_mapped_rights(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f, ro = slot_alloc();
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    CHECK_ERR(bst_cnode_mutate(ROOT_CNODE, ro, BST_ROOT_DEPTH, ROOT_CNODE, f, BST_ROOT_DEPTH,
                               BST_RIGHT_READ, 0),
              BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_frame_unmap(f));
    CHECK_OK(bst_cnode_mutate(ROOT_CNODE, ro, BST_ROOT_DEPTH, ROOT_CNODE, f, BST_ROOT_DEPTH,
                              BST_RIGHT_READ, 0));
}

/* A copy of a frame cap cannot map over the mapping another cap of the same frame made
 * (the coverage-guided fuzzer found a read-only copy "remapping" the root's IPC buffer
 * read-only, whose deletion then unmapped it): the slot is occupied, the page keeps
 * its rights, and the copy records nothing, so unmapping it leaves the page mapped. */
void test_vspace_copy_cannot_remap(void)
{
    uint64_t base;
    struct tables t;
    bst_cptr_t f, f2;
    struct probe_result r;
    CHECK_OK(region_with_tables(&base, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    CHECK_OK(cap_copy(f, BST_RIGHTS_RW, &f2));
    CHECK_ERR(bst_frame_map(f2, ROOT_VS, base, BST_RIGHT_READ, 0), BST_SLOT_OCCUPIED);
    CHECK_PROBE_PASSES(PROBE_WRITE, base, 5, &r);
    CHECK_OK(bst_frame_unmap(f2));
    CHECK_PROBE_PASSES(PROBE_READ, base, 0, &r);
    CHECK(r.value == 5, "after the copy's unmap the page reads %lx", (unsigned long)r.value);
    CHECK_OK(bst_frame_map(f, ROOT_VS, base, BST_RIGHT_READ, 0)); /* its own cap remaps */
    CHECK_PROBE_FAULTS(PROBE_WRITE, base, 6, &r);
}
