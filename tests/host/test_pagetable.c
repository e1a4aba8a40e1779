/*
 * Host tests of the x86_64 page-table editing (kernel/arch/x86_64/pagetable.c): pure
 * logic over tables reached through kmem_ptr(), so the host's "physical memory" holds
 * them. Levels as arch/pagetable.h: 0 = PT (4 KiB pages), 1 = PD (2 MiB), 2 = PDPT
 * (1 GiB), 3 = PML4.
 */
#include "support.h"

#include <arch/kpti.h>
#include <arch/pagetable.h>

#define KB4 UINT64_C(0x1000)
#define MB2 UINT64_C(0x200000)
#define GB1 UINT64_C(0x40000000)

/* Frames the tests map: addresses only, never touched (above the host RAM). */
#define FRAME_A UINT64_C(0x200000000)
#define FRAME_B UINT64_C(0x280000000)

static paddr_t next_page;

/* A zeroed 4 KiB page of host "physical memory". */
static paddr_t new_page(void)
{
    if (next_page == 0 || next_page + KB4 > PHYS_BASE + PHYS_SIZE) {
        next_page = PHYS_BASE;
    }
    paddr_t p = next_page;
    next_page += KB4;
    phys_fill(p, KB4, 0);
    return p;
}

/* A zeroed root pair (arch/kpti.h): the kernel view, the user view 4 KiB after it. */
static paddr_t new_root(void)
{
    paddr_t p = new_page();
    if (p & KPTI_USER_VIEW) {
        p = new_page();
    }
    new_page();
    return p;
}

static uint64_t *table(paddr_t pa)
{
    return kmem_ptr(pa);
}

static unsigned idx(vaddr_t va, unsigned level)
{
    return (unsigned)((va >> (12 + 9 * level)) & 511);
}

/* A root with the PDPT, PD and PT for vaddr (those up to `lowest` level). */
struct tables {
    paddr_t pml4, pdpt, pd, pt;
};

static struct tables build(vaddr_t va, unsigned lowest)
{
    struct tables t = {.pml4 = new_root()};
    t.pdpt = new_page();
    pt_table_map(t.pml4, 2, t.pdpt, va);
    if (lowest <= 1) {
        t.pd = new_page();
        pt_table_map(t.pml4, 1, t.pd, va);
    }
    if (lowest == 0) {
        t.pt = new_page();
        pt_table_map(t.pml4, 0, t.pt, va);
    }
    return t;
}

static const struct pt_leaf rw = {.writable = true, .executable = true};
static const struct pt_leaf ro_nx = {.writable = false, .executable = false};

static void test_init_root(void)
{
    paddr_t kernel = new_root(), root = new_root();
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        table(kernel)[i] = 0x1000ull * (i + 1) | PT_PRESENT;
        table(kernel + KPTI_USER_VIEW)[i] = i == 511 ? 0x7000ull | PT_PRESENT : 0;
        table(root)[i] = i < PT_KERNEL_HALF ? 0xabc000ull : 0;
        table(root + KPTI_USER_VIEW)[i] = i < PT_KERNEL_HALF ? 0xabc000ull : 0x5000;
    }
    pt_init_root(root, kernel, 4095);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t want = i < PT_KERNEL_HALF ? 0xabc000ull : table(kernel)[i];
        if (i == PT_ID_SLOT) {
            want = 4095ull << 12;
        }
        CHECK(table(root)[i] == want);
        /* The user view gets the kernel's user view (and no id). */
        want = i < PT_KERNEL_HALF ? 0xabc000ull : table(kernel + KPTI_USER_VIEW)[i];
        CHECK(table(root + KPTI_USER_VIEW)[i] == want);
    }
    CHECK(!(table(root)[PT_ID_SLOT] & PT_PRESENT)); /* the CPU ignores it */
    CHECK(pt_root_id(root) == 4095);
    CHECK(pt_root_id(kernel) == ((PT_ID_SLOT + 1) & 0xfff)); /* whatever is stored */
    pt_clear_root_id(root);
    CHECK(pt_root_id(root) == 0);
    CHECK(table(root)[PT_ID_SLOT] == 0);
    CHECK(table(root)[PT_ID_SLOT + 1] == table(kernel)[PT_ID_SLOT + 1]);
    pt_init_root(root, kernel, 1);
    CHECK(pt_root_id(root) == 1);
    /* The I/O port flag beside the id (iomap.c): the id reads the same either way. */
    CHECK(!(pt_root_id_entry(root) & PT_ID_PORTS));
    pt_set_root_flag(root, PT_ID_PORTS, true);
    CHECK(pt_root_id(root) == 1 && (pt_root_id_entry(root) & PT_ID_PORTS));
    CHECK(!(pt_root_id_entry(root) & PT_PRESENT));
    pt_set_root_flag(root, PT_ID_PORTS, false);
    CHECK(pt_root_id_entry(root) == 1ull << 12);
    pt_set_root_flag(root, PT_ID_PORTS, true);
    pt_clear_root_id(root); /* a deleted VSpace keeps no flag */
    CHECK(pt_root_id_entry(root) == 0);
}

static void test_table_map_order(void)
{
    paddr_t root = new_root(), pdpt = new_page(), pd = new_page(), pt = new_page();
    vaddr_t va = UINT64_C(0x7f1234567000);
    CHECK(!pt_table_present(root, 2, va));
    struct pt_result r = pt_table_map(root, 1, pd, va);
    CHECK_ERR(r.status, BST_FAILED_LOOKUP); /* no PDPT yet */
    r = pt_table_map(root, 0, pt, va);
    CHECK_ERR(r.status, BST_FAILED_LOOKUP);
    r = pt_table_map(root, 2, pdpt, va);
    CHECK_ERR(r.status, BST_OK);
    CHECK(!r.flush);
    CHECK(table(root)[idx(va, 3)] == (pdpt | PT_PRESENT | PT_WRITE | PT_USER));
    CHECK(pt_table_present(root, 2, va));
    CHECK(!pt_table_present(root, 1, va));
    CHECK_ERR(pt_table_map(root, 1, pd, va).status, BST_OK);
    CHECK_ERR(pt_table_map(root, 0, pt, va).status, BST_OK);
    CHECK(pt_table_present(root, 1, va) && pt_table_present(root, 0, va));
    CHECK(table(pd)[idx(va, 1)] == (pt | PT_PRESENT | PT_WRITE | PT_USER));
    /* Another table, or the same one again, where one is: SLOT_OCCUPIED. */
    CHECK_ERR(pt_table_map(root, 0, new_page(), va).status, BST_SLOT_OCCUPIED);
    CHECK_ERR(pt_table_map(root, 0, pt, va).status, BST_SLOT_OCCUPIED);
    CHECK_ERR(pt_table_map(root, 2, new_page(), va + GB1 * 4).status, BST_SLOT_OCCUPIED);
    /* Neighbouring ranges are separate. */
    CHECK(!pt_table_present(root, 0, va + MB2));
    CHECK(!pt_table_present(root, 1, va + GB1));
    CHECK(!pt_table_present(root, 2, va + GB1 * 512));
}

static void test_table_unmap(void)
{
    vaddr_t va = UINT64_C(0x400000);
    struct tables t = build(va, 0);
    /* Another table at that place, or an address it does not cover: nothing happens. */
    struct pt_result r = pt_table_unmap(t.pml4, 0, new_page(), va);
    CHECK(r.status == BST_OK && !r.flush);
    CHECK(pt_table_present(t.pml4, 0, va));
    r = pt_table_unmap(t.pml4, 0, t.pt, va + MB2);
    CHECK(r.status == BST_OK && !r.flush);
    r = pt_table_unmap(t.pml4, 0, t.pt, va + 5 * KB4); /* same PT, another address */
    CHECK(r.status == BST_OK && r.flush);
    CHECK(!pt_table_present(t.pml4, 0, va));
    r = pt_table_unmap(t.pml4, 0, t.pt, va);
    CHECK(r.status == BST_OK && !r.flush); /* already gone */
    /* A missing table above: nothing to do. */
    r = pt_table_unmap(t.pml4, 0, t.pt, va + GB1 * 512);
    CHECK(r.status == BST_OK && !r.flush);
    /* Removing the PDPT hides the PD below it. */
    CHECK(pt_table_present(t.pml4, 1, va));
    r = pt_table_unmap(t.pml4, 2, t.pdpt, va);
    CHECK(r.flush);
    CHECK(!pt_table_present(t.pml4, 1, va) && !pt_table_present(t.pml4, 2, va));
    CHECK(table(t.pml4)[idx(va, 3)] == 0);
}

/* The user view's user half follows the kernel view's: a PDPT installed or removed
 * shows in both; lower levels are shared tables, so they need nothing. */
static void test_user_view_mirrors(void)
{
    paddr_t root = new_root(), user = root + KPTI_USER_VIEW;
    vaddr_t va = UINT64_C(0x7f8000000000), other = UINT64_C(0x1000);
    paddr_t pdpt = new_page(), pdpt2 = new_page(), pd = new_page();
    CHECK_ERR(pt_table_map(root, 2, pdpt, va).status, BST_OK);
    CHECK_ERR(pt_table_map(root, 2, pdpt2, other).status, BST_OK);
    CHECK(table(user)[idx(va, 3)] == (pdpt | PT_PRESENT | PT_WRITE | PT_USER));
    CHECK(table(user)[idx(other, 3)] == table(root)[idx(other, 3)]);
    CHECK_ERR(pt_table_map(root, 1, pd, va).status, BST_OK);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        CHECK(table(user)[i] == table(root)[i]);
    }
    /* A failed map or an unmap of another table changes neither view. */
    CHECK_ERR(pt_table_map(root, 2, new_page(), va).status, BST_SLOT_OCCUPIED);
    CHECK(!pt_table_unmap(root, 2, pdpt2, va).flush);
    CHECK(table(user)[idx(va, 3)] == (pdpt | PT_PRESENT | PT_WRITE | PT_USER));
    CHECK(pt_table_unmap(root, 2, pdpt, va).flush);
    CHECK(table(user)[idx(va, 3)] == 0 && table(root)[idx(va, 3)] == 0);
    CHECK(table(user)[idx(other, 3)] == (pdpt2 | PT_PRESENT | PT_WRITE | PT_USER));
    /* The kernel half and the id slot of the user view are never written. */
    for (unsigned i = PT_KERNEL_HALF; i < PT_ENTRIES; i++) {
        CHECK(table(user)[i] == 0);
    }
}

static void test_frame_map_4k(void)
{
    vaddr_t va = UINT64_C(0x7ffffffff000); /* the last user page */
    struct tables t = build(va, 0);
    struct pt_result r = pt_frame_map(t.pml4, 0, FRAME_A, va, rw);
    CHECK(r.status == BST_OK && !r.flush);
    CHECK(table(t.pt)[idx(va, 0)] == (FRAME_A | PT_PRESENT | PT_USER | PT_WRITE));
    struct pt_translation x = pt_translate(t.pml4, va + 0x123);
    CHECK(x.present && x.writable && x.user && x.executable);
    CHECK(x.paddr == FRAME_A + 0x123);
    CHECK(!pt_translate(t.pml4, va - KB4).present);
    /* No PT for another 2 MiB range, no PD for another 1 GiB: FAILED_LOOKUP. */
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A, va - MB2, rw).status, BST_FAILED_LOOKUP);
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A, va - GB1, rw).status, BST_FAILED_LOOKUP);
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A, 0, rw).status, BST_FAILED_LOOKUP);
}

static void test_frame_map_large(void)
{
    vaddr_t va2 = UINT64_C(0x40000000) + 3 * MB2, va1 = UINT64_C(0x8000000000);
    struct tables t = build(va2, 1);
    struct pt_result r = pt_frame_map(t.pml4, 1, FRAME_A, va2, rw);
    CHECK(r.status == BST_OK && !r.flush);
    CHECK(table(t.pd)[idx(va2, 1)] == (FRAME_A | PT_PRESENT | PT_USER | PT_WRITE | PT_LARGE));
    struct pt_translation x = pt_translate(t.pml4, va2 + 0x1abcde);
    CHECK(x.present && x.paddr == FRAME_A + 0x1abcde);
    CHECK(!pt_table_present(t.pml4, 0, va2)); /* a large page is not a table */
    /* 1 GiB pages sit in a PDPT. */
    struct tables u = build(va1, 2);
    r = pt_frame_map(u.pml4, 2, FRAME_B, va1, ro_nx);
    CHECK(r.status == BST_OK);
    CHECK(table(u.pdpt)[idx(va1, 2)] & PT_LARGE);
    x = pt_translate(u.pml4, va1 + 0x3ffffff8);
    CHECK(x.present && !x.writable && x.paddr == FRAME_B + 0x3ffffff8);
    CHECK(!pt_translate(u.pml4, va1 + GB1).present);
    CHECK(!pt_table_present(u.pml4, 1, va1));
}

static void test_frame_map_remap(void)
{
    vaddr_t va = UINT64_C(0x10000);
    struct tables t = build(va, 0);
    pt_nx_supported = true;
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A, va, rw).status, BST_OK);
    /* The same frame again: its rights are replaced, and the old ones may be cached. */
    struct pt_result r = pt_frame_map(t.pml4, 0, FRAME_A, va, ro_nx);
    CHECK(r.status == BST_OK && r.flush);
    struct pt_translation x = pt_translate(t.pml4, va);
    CHECK(x.present && !x.writable && !x.executable);
    r = pt_frame_map(t.pml4, 0, FRAME_A, va, (struct pt_leaf){.uncached = true});
    CHECK(r.status == BST_OK && r.flush);
    CHECK((table(t.pt)[idx(va, 0)] & (PT_PCD | PT_PWT)) == (PT_PCD | PT_PWT));
    /* Another frame there: SLOT_OCCUPIED, nothing changes. */
    uint64_t before = table(t.pt)[idx(va, 0)];
    r = pt_frame_map(t.pml4, 0, FRAME_B, va, rw);
    CHECK(r.status == BST_SLOT_OCCUPIED && !r.flush);
    CHECK(table(t.pt)[idx(va, 0)] == before);
    pt_nx_supported = false;
}

static void test_frame_map_occupied_by_table(void)
{
    vaddr_t va = UINT64_C(0x600000);
    struct tables t = build(va, 0);
    /* A 2 MiB page where a PT is, a 1 GiB page where a PD is: SLOT_OCCUPIED, even when
     * the "frame" is the table's own address. */
    CHECK_ERR(pt_frame_map(t.pml4, 1, FRAME_A, va, rw).status, BST_SLOT_OCCUPIED);
    CHECK_ERR(pt_frame_map(t.pml4, 1, t.pt, va, rw).status, BST_SLOT_OCCUPIED);
    CHECK_ERR(pt_frame_map(t.pml4, 2, t.pd, va, rw).status, BST_SLOT_OCCUPIED);
    CHECK(pt_table_present(t.pml4, 0, va) && pt_table_present(t.pml4, 1, va));
    /* And unmapping a "frame" there leaves the table alone. */
    struct pt_result r = pt_frame_unmap(t.pml4, 1, t.pt, va);
    CHECK(r.status == BST_OK && !r.flush);
    CHECK(pt_table_present(t.pml4, 0, va));
}

static void test_large_page_in_the_way(void)
{
    vaddr_t va = UINT64_C(0xc00000);
    struct tables t = build(va, 1);
    CHECK_ERR(pt_frame_map(t.pml4, 1, FRAME_A, va, rw).status, BST_OK);
    /* Below a 2 MiB page there is no table: a 4 KiB page cannot go there. */
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_B, va + KB4, rw).status, BST_FAILED_LOOKUP);
    /* A PT cannot replace the large page either. */
    CHECK_ERR(pt_table_map(t.pml4, 0, new_page(), va).status, BST_SLOT_OCCUPIED);
    struct pt_result r = pt_table_unmap(t.pml4, 0, FRAME_A, va);
    CHECK(r.status == BST_OK && !r.flush);
    CHECK(pt_translate(t.pml4, va).present);
    /* A 1 GiB page in the PDPT hides the whole range. */
    vaddr_t vg = UINT64_C(0x4000000000);
    struct tables u = build(vg, 2);
    CHECK_ERR(pt_frame_map(u.pml4, 2, FRAME_B, vg, rw).status, BST_OK);
    CHECK_ERR(pt_table_map(u.pml4, 0, new_page(), vg + MB2).status, BST_FAILED_LOOKUP);
    CHECK_ERR(pt_frame_map(u.pml4, 1, FRAME_A, vg + MB2, rw).status, BST_FAILED_LOOKUP);
    CHECK(!pt_table_present(u.pml4, 1, vg));
}

static void test_frame_unmap(void)
{
    vaddr_t va = UINT64_C(0x20000000);
    struct tables t = build(va, 0);
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A, va, rw).status, BST_OK);
    /* Only the frame that is there is removed. */
    struct pt_result r = pt_frame_unmap(t.pml4, 0, FRAME_B, va);
    CHECK(r.status == BST_OK && !r.flush);
    CHECK(pt_translate(t.pml4, va).present);
    r = pt_frame_unmap(t.pml4, 0, FRAME_A, va + KB4); /* nothing mapped there */
    CHECK(r.status == BST_OK && !r.flush);
    r = pt_frame_unmap(t.pml4, 0, FRAME_A, va + GB1); /* no tables there */
    CHECK(r.status == BST_OK && !r.flush);
    r = pt_frame_unmap(t.pml4, 0, FRAME_A, va);
    CHECK(r.status == BST_OK && r.flush);
    CHECK(!pt_translate(t.pml4, va).present);
    CHECK(table(t.pt)[idx(va, 0)] == 0);
    r = pt_frame_unmap(t.pml4, 0, FRAME_A, va);
    CHECK(r.status == BST_OK && !r.flush);
    CHECK(pt_table_present(t.pml4, 0, va)); /* the tables stay */
    /* Large pages: the same rules. */
    vaddr_t v2 = va + 4 * MB2;
    CHECK_ERR(pt_frame_map(t.pml4, 1, FRAME_B, v2, rw).status, BST_OK);
    CHECK(!pt_frame_unmap(t.pml4, 1, FRAME_A, v2).flush);
    CHECK(!pt_frame_unmap(t.pml4, 0, FRAME_B, v2).flush); /* the wrong size */
    CHECK(pt_frame_unmap(t.pml4, 1, FRAME_B, v2).flush);
    CHECK(!pt_translate(t.pml4, v2).present);
}

static void test_translate_rights(void)
{
    vaddr_t va = UINT64_C(0x5000);
    struct tables t = build(va, 0);
    pt_nx_supported = true;
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A, va, rw).status, BST_OK);
    uint64_t *pml4e = &table(t.pml4)[idx(va, 3)], *pdpte = &table(t.pdpt)[idx(va, 2)];
    uint64_t *pde = &table(t.pd)[idx(va, 1)], *pte = &table(t.pt)[idx(va, 0)];
    struct pt_translation x = pt_translate(t.pml4, va);
    CHECK(x.present && x.writable && x.user && x.executable);
    /* A right missing at any level is missing from the translation. */
    *pdpte &= ~PT_WRITE;
    x = pt_translate(t.pml4, va);
    CHECK(x.present && !x.writable && x.user && x.executable);
    *pdpte |= PT_WRITE;
    *pml4e &= ~PT_USER;
    x = pt_translate(t.pml4, va);
    CHECK(x.present && x.writable && !x.user);
    *pml4e |= PT_USER;
    *pde |= PT_NX;
    x = pt_translate(t.pml4, va);
    CHECK(x.present && x.writable && x.user && !x.executable);
    *pde &= ~PT_NX;
    *pte &= ~PT_WRITE;
    CHECK(!pt_translate(t.pml4, va).writable);
    *pte &= ~PT_PRESENT;
    CHECK(!pt_translate(t.pml4, va).present);
    *pde &= ~PT_PRESENT;
    CHECK(!pt_translate(t.pml4, va).present);
    pt_nx_supported = false;
}

static void test_nx_only_when_supported(void)
{
    vaddr_t va = UINT64_C(0x7000);
    struct tables t = build(va, 0);
    pt_nx_supported = true;
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A, va, ro_nx).status, BST_OK);
    CHECK(table(t.pt)[idx(va, 0)] & PT_NX);
    CHECK(!pt_translate(t.pml4, va).executable);
    CHECK(!pt_translate(t.pml4, va).writable);
    /* Without NX in the CPU the bit is reserved: it is never set, so every page is
     * executable. */
    pt_nx_supported = false;
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A, va, ro_nx).status, BST_OK);
    CHECK(!(table(t.pt)[idx(va, 0)] & PT_NX));
    CHECK(pt_translate(t.pml4, va).executable);
    CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A, va + KB4, (struct pt_leaf){0}).status, BST_OK);
    CHECK(!(table(t.pt)[idx(va + KB4, 0)] & PT_NX));
}

static void test_map_unmap_many(void)
{
    /* Every 4 KiB slot of one PT, then every other removed: exact entries. */
    vaddr_t base = UINT64_C(0x7fffffe00000);
    struct tables t = build(base, 0);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        CHECK_ERR(pt_frame_map(t.pml4, 0, FRAME_A + i * KB4, base + i * KB4, rw).status, BST_OK);
    }
    for (unsigned i = 0; i < PT_ENTRIES; i += 2) {
        CHECK(pt_frame_unmap(t.pml4, 0, FRAME_A + i * KB4, base + i * KB4).flush);
    }
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        struct pt_translation x = pt_translate(t.pml4, base + i * KB4 + 8);
        CHECK(x.present == (i % 2 == 1));
        CHECK(!x.present || x.paddr == FRAME_A + i * KB4 + 8);
    }
}

static const struct test tests[] = {
    {"init_root", test_init_root},
    {"table_map_order", test_table_map_order},
    {"table_unmap", test_table_unmap},
    {"frame_map_4k", test_frame_map_4k},
    {"frame_map_large", test_frame_map_large},
    {"frame_map_remap", test_frame_map_remap},
    {"frame_map_occupied_by_table", test_frame_map_occupied_by_table},
    {"large_page_in_the_way", test_large_page_in_the_way},
    {"frame_unmap", test_frame_unmap},
    {"user_view_mirrors", test_user_view_mirrors},
    {"translate_rights", test_translate_rights},
    {"nx_only_when_supported", test_nx_only_when_supported},
    {"map_unmap_many", test_map_unmap_many},
};

int main(void)
{
    objects_init(); /* no objects: the checker run_tests() calls after each test holds */
    return run_tests("pagetable", tests, ARRAY_SIZE(tests));
}
