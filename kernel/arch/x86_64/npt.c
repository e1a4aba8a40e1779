/*
 * AMD nested page tables (vm/gspace.h's architecture hooks): a GSPACE is a 4-level
 * table in the long-mode paging format that translates guest-physical addresses. The
 * hardware treats every nested access as a user access, so every entry has U set; a
 * table entry also has W set and leaves the rights to the leaf (W, NX). The guest's
 * memory type is its own PAT's over write-back (entries' PWT/PCD/PAT clear).
 */
#include <arch/cpu.h>
#include <arch/physmap.h>
#include <bastion/vcpu.h>
#include <kstring.h>
#include <vm/gspace.h>

#define NPT_P      BIT(0)
#define NPT_W      BIT(1)
#define NPT_U      BIT(2)
#define NPT_PS     BIT(7)
#define NPT_NX     BIT(63)
#define NPT_ADDR   0x000ffffffffff000ull
#define NPT_TABLE  (NPT_P | NPT_W | NPT_U)
#define TOP_LEVEL  4 /* the GSPACE; 1: the leaf table */
#define PAGE_SHIFT 12

static uint64_t *table_at(paddr_t pa)
{
    return (uint64_t *)arch_physmap_ptr(pa);
}

static unsigned index_of(uint64_t gpa, unsigned level)
{
    return (unsigned)((gpa >> (PAGE_SHIFT + 9 * (level - 1))) & 511);
}

/* The entry for gpa in the table of `level` on the way from root, descending only
 * through present table entries; NULL if a table above is missing or a large page
 * covers it. */
static uint64_t *entry_at(paddr_t root, uint64_t gpa, unsigned level)
{
    paddr_t t = root;
    for (unsigned l = TOP_LEVEL; l > level; l--) {
        uint64_t e = table_at(t)[index_of(gpa, l)];
        if (!(e & NPT_P) || (e & NPT_PS)) {
            return NULL;
        }
        t = e & NPT_ADDR;
    }
    return &table_at(t)[index_of(gpa, level)];
}

bst_error_t arch_gpt_map(paddr_t root, paddr_t table, uint64_t gpa, unsigned *level)
{
    paddr_t t = root;
    for (unsigned l = TOP_LEVEL; l > 1; l--) {
        uint64_t *e = &table_at(t)[index_of(gpa, l)];
        if (!(*e & NPT_P)) {
            *e = (table & NPT_ADDR) | NPT_TABLE;
            *level = l - 1;
            return BST_OK;
        }
        if (*e & NPT_PS) {
            return BST_SLOT_OCCUPIED;
        }
        t = *e & NPT_ADDR;
    }
    return BST_SLOT_OCCUPIED;
}

void arch_gpt_unmap(paddr_t root, paddr_t table, uint64_t gpa, unsigned level)
{
    uint64_t *e = level < TOP_LEVEL ? entry_at(root, gpa, level + 1) : NULL;
    if (e != NULL && (*e & NPT_P) && !(*e & NPT_PS) && (*e & NPT_ADDR) == table) {
        *e = 0;
    }
}

void arch_gpt_clear(paddr_t table)
{
    memset(table_at(table), 0, 4096);
}

bst_error_t arch_guest_frame_map(paddr_t root, paddr_t frame, unsigned page_level, uint64_t gpa,
                                 uint64_t rights)
{
    if (page_level == 2 && !cpu_features.page1g) {
        return BST_ILLEGAL_OPERATION; /* nested 1 GiB pages need the CPU's 1 GiB pages */
    }
    uint64_t *e = entry_at(root, gpa, page_level + 1);
    if (e == NULL) {
        return BST_FAILED_LOOKUP;
    }
    if (*e & NPT_P) {
        return BST_SLOT_OCCUPIED;
    }
    uint64_t v = (frame & NPT_ADDR) | NPT_P | NPT_U;
    v |= (rights & BST_GUEST_MAP_WRITE) ? NPT_W : 0;
    v |= (rights & BST_GUEST_MAP_EXECUTE) ? 0 : NPT_NX;
    v |= page_level > 0 ? NPT_PS : 0;
    *e = v;
    return BST_OK;
}

void arch_guest_frame_unmap(paddr_t root, paddr_t frame, unsigned page_level, uint64_t gpa)
{
    uint64_t *e = entry_at(root, gpa, page_level + 1);
    bool large = page_level > 0;
    if (e != NULL && (*e & NPT_P) && ((*e & NPT_PS) != 0) == large && (*e & NPT_ADDR) == frame) {
        *e = 0;
    }
}
