/*
 * x86_64 page-table editing. See arch/pagetable.h.
 */
#include <arch/kpti.h>
#include <arch/pagetable.h>
#include <kassert.h>
#include <kmem.h>

bool pt_nx_supported;

static uint64_t *table_at(paddr_t pa)
{
    return kmem_ptr(pa);
}

static unsigned index_of(vaddr_t va, unsigned level)
{
    return (unsigned)((va >> (12 + 9 * level)) & (PT_ENTRIES - 1));
}

void pt_init_root(paddr_t pml4, paddr_t kernel_pml4, unsigned id)
{
    for (paddr_t view = 0; view <= KPTI_USER_VIEW; view += KPTI_USER_VIEW) {
        uint64_t *t = table_at(pml4 + view);
        const uint64_t *k = table_at(kernel_pml4 + view);
        for (unsigned i = PT_KERNEL_HALF; i < PT_ENTRIES; i++) {
            t[i] = k[i];
        }
    }
    table_at(pml4)[PT_ID_SLOT] = (uint64_t)id << 12; /* not present: the CPU ignores it */
}

/* Write top-level entry `e` for `vaddr` (user half) in both views of the pair. */
static void set_top_entry(paddr_t pml4, vaddr_t vaddr, uint64_t e)
{
    unsigned i = index_of(vaddr, 3);
    kassert(i < PT_KERNEL_HALF);
    table_at(pml4)[i] = e;
    table_at(pml4 + KPTI_USER_VIEW)[i] = e;
}

unsigned pt_root_id(paddr_t pml4)
{
    return (unsigned)((table_at(pml4)[PT_ID_SLOT] >> 12) & 0xfff);
}

void pt_clear_root_id(paddr_t pml4)
{
    table_at(pml4)[PT_ID_SLOT] = 0;
}

uint64_t pt_root_id_entry(paddr_t pml4)
{
    return table_at(pml4)[PT_ID_SLOT];
}

void pt_set_root_flag(paddr_t pml4, uint64_t flag, bool on)
{
    if (on) {
        table_at(pml4)[PT_ID_SLOT] |= flag;
    } else {
        table_at(pml4)[PT_ID_SLOT] &= ~flag;
    }
}

/* The entry for `vaddr` at `level` in pml4, or NULL if a table above is missing (or a
 * large page is in the way). */
static uint64_t *entry_at(paddr_t pml4, vaddr_t vaddr, unsigned level)
{
    uint64_t *t = table_at(pml4);
    for (unsigned l = 3; l > level; l--) {
        uint64_t e = t[index_of(vaddr, l)];
        if (!(e & PT_PRESENT) || (e & PT_LARGE)) {
            return NULL;
        }
        t = table_at(e & PT_ADDR_MASK);
    }
    return &t[index_of(vaddr, level)];
}

bool pt_table_present(paddr_t pml4, unsigned level, vaddr_t vaddr)
{
    uint64_t *e = entry_at(pml4, vaddr, level + 1);
    return e != NULL && (*e & PT_PRESENT) && !(*e & PT_LARGE);
}

struct pt_result pt_table_map(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr)
{
    kassert(level < 3);
    uint64_t *e = entry_at(pml4, vaddr, level + 1);
    if (e == NULL) {
        return (struct pt_result){BST_FAILED_LOOKUP, false};
    }
    if (*e & PT_PRESENT) {
        return (struct pt_result){BST_SLOT_OCCUPIED, false};
    }
    if (level == 2) {
        set_top_entry(pml4, vaddr, table | PT_PRESENT | PT_WRITE | PT_USER);
    } else {
        *e = table | PT_PRESENT | PT_WRITE | PT_USER;
    }
    return (struct pt_result){BST_OK, false};
}

struct pt_result pt_table_unmap(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr)
{
    uint64_t *e = entry_at(pml4, vaddr, level + 1);
    if (e == NULL || !(*e & PT_PRESENT) || (*e & PT_LARGE) || (*e & PT_ADDR_MASK) != table) {
        return (struct pt_result){BST_OK, false}; /* not (or no longer) there */
    }
    if (level == 2) {
        set_top_entry(pml4, vaddr, 0);
    } else {
        *e = 0;
    }
    return (struct pt_result){BST_OK, true};
}

void pt_table_clear(paddr_t table)
{
    uint64_t *t = table_at(table);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        t[i] = 0;
    }
}

struct pt_result pt_frame_map(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr,
                              struct pt_leaf leaf)
{
    uint64_t *e = entry_at(pml4, vaddr, level);
    if (e == NULL) {
        return (struct pt_result){BST_FAILED_LOOKUP, false};
    }
    bool remap = (*e & PT_PRESENT) != 0;
    if (remap && ((level > 0 && !(*e & PT_LARGE)) || (*e & PT_ADDR_MASK) != frame)) {
        return (struct pt_result){BST_SLOT_OCCUPIED, false}; /* a table, or another frame */
    }
    uint64_t nx = (leaf.executable || !pt_nx_supported) ? 0 : PT_NX;
    *e = frame | PT_PRESENT | PT_USER | (leaf.writable ? PT_WRITE : 0) | nx |
         (leaf.uncached ? PT_PCD | PT_PWT : 0) | (level > 0 ? PT_LARGE : 0);
    return (struct pt_result){BST_OK, remap};
}

struct pt_result pt_frame_unmap(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr)
{
    uint64_t *e = entry_at(pml4, vaddr, level);
    if (e == NULL || !(*e & PT_PRESENT) || (level > 0 && !(*e & PT_LARGE)) ||
        (*e & PT_ADDR_MASK) != frame) {
        return (struct pt_result){BST_OK, false};
    }
    *e = 0;
    return (struct pt_result){BST_OK, true};
}

struct pt_translation pt_translate(paddr_t pml4, vaddr_t vaddr)
{
    struct pt_translation t = {0};
    const uint64_t *table = table_at(pml4);
    bool writable = true, user = true, executable = true;
    for (int l = 3; l >= 0; l--) {
        uint64_t e = table[index_of(vaddr, (unsigned)l)];
        if (!(e & PT_PRESENT)) {
            return t;
        }
        writable &= (e & PT_WRITE) != 0;
        user &= (e & PT_USER) != 0;
        executable &= !(e & PT_NX);
        if (l == 0 || (e & PT_LARGE)) {
            uint64_t size = 1ull << (12 + 9 * l);
            return (struct pt_translation){true, writable, user, executable,
                                           (e & PT_ADDR_MASK & ~(size - 1)) + (vaddr & (size - 1))};
        }
        table = table_at(e & PT_ADDR_MASK);
    }
    return t;
}

/* Visit the present entries of `t` (a table of `level`: 3 = PML4 .. 0 = PT) that
 * translate from `base`, the first `count` of them, and the tables below them. */
static bool walk(const uint64_t *t, unsigned level, vaddr_t base, unsigned count, pt_visit_fn visit,
                 void *ctx)
{
    for (unsigned i = 0; i < count; i++) {
        uint64_t e = t[i];
        if (!(e & PT_PRESENT)) {
            continue;
        }
        bool table = level > 0 && !(e & PT_LARGE);
        struct pt_entry pe = {
            .vaddr = base + ((vaddr_t)i << (12 + 9 * level)),
            .paddr = e & PT_ADDR_MASK,
            .level = table ? level - 1 : level,
            .table = table,
            .writable = (e & PT_WRITE) != 0,
            .user = (e & PT_USER) != 0,
        };
        if (!visit(ctx, &pe)) {
            return false;
        }
        if (table && !walk(table_at(pe.paddr), level - 1, pe.vaddr, PT_ENTRIES, visit, ctx)) {
            return false;
        }
    }
    return true;
}

bool pt_walk_user(paddr_t pml4, pt_visit_fn visit, void *ctx)
{
    return walk(table_at(pml4), 3, 0, PT_KERNEL_HALF, visit, ctx);
}

bool pt_views_agree(paddr_t pml4)
{
    const uint64_t *k = table_at(pml4), *u = table_at(pml4 + KPTI_USER_VIEW);
    for (unsigned i = 0; i < PT_KERNEL_HALF; i++) {
        if ((k[i] ^ u[i]) & ~PT_ACCESSED) { /* the CPU sets that in the view it walks */
            return false;
        }
    }
    return true;
}
