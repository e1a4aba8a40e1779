/*
 * User page tables on x86_64. See arch/vspace.h.
 *
 * TLB: a translation that is removed or reduced is invalidated at once in the current
 * address space (INVLPG). In other address spaces: without PCID every switch reloads
 * CR3 and so flushes; with PCID the VSpace is marked stale and its next activation
 * flushes its PCID.
 */
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/vspace.h>
#include <bastion/vmattr.h>
#include <kassert.h>
#include <kmem.h>

#define ENTRIES        512
#define VSPACE_ID_SLOT 510 /* unused by the kernel half: holds the identifier */
#define KERNEL_HALF    256
#define CR3_NOFLUSH    BIT(63)

static bool stale[VSPACE_MAX_IDS];
static paddr_t active_pml4;

static uint64_t *table_at(paddr_t pa)
{
    return kmem_ptr(pa);
}

static unsigned index_of(vaddr_t va, unsigned level)
{
    return (unsigned)((va >> (12 + 9 * level)) & (ENTRIES - 1));
}

void arch_vspace_init(paddr_t pml4, unsigned id)
{
    uint64_t *t = table_at(pml4), *k = phys_to_virt(read_cr3() & PTE_ADDR_MASK);
    for (unsigned i = KERNEL_HALF; i < ENTRIES; i++) {
        t[i] = k[i];
    }
    t[VSPACE_ID_SLOT] = (uint64_t)id << 12; /* not present: the CPU ignores it */
}

unsigned arch_vspace_id(paddr_t pml4)
{
    return (unsigned)((table_at(pml4)[VSPACE_ID_SLOT] >> 12) & (VSPACE_MAX_IDS - 1));
}

void arch_vspace_clear_id(paddr_t pml4)
{
    table_at(pml4)[VSPACE_ID_SLOT] = 0;
    if (active_pml4 == pml4) {
        write_cr3(paging_kernel_root());
        active_pml4 = 0;
    }
}

/* The entry for `vaddr` at `level` in pml4, or NULL if a table above is missing (or a
 * large page is in the way). */
static uint64_t *entry_at(paddr_t pml4, vaddr_t vaddr, unsigned level)
{
    uint64_t *t = table_at(pml4);
    for (unsigned l = 3; l > level; l--) {
        uint64_t e = t[index_of(vaddr, l)];
        if (!(e & PTE_PRESENT) || (e & PTE_LARGE)) {
            return NULL;
        }
        t = table_at(e & PTE_ADDR_MASK);
    }
    return &t[index_of(vaddr, level)];
}

static void invalidate(paddr_t pml4, vaddr_t vaddr)
{
    if (pml4 == active_pml4) {
        __asm__ volatile("invlpg (%0)" : : "r"(vaddr) : "memory");
    }
    stale[arch_vspace_id(pml4)] = true;
}

/* A table removed: everything under it goes, so the whole VSpace is flushed. */
static void invalidate_all(paddr_t pml4)
{
    if (pml4 == active_pml4) {
        write_cr3(read_cr3() & ~CR3_NOFLUSH);
    }
    stale[arch_vspace_id(pml4)] = true;
}

bst_error_t arch_table_map(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr)
{
    kassert(level < 3);
    uint64_t *e = entry_at(pml4, vaddr, level + 1);
    if (e == NULL) {
        return BST_FAILED_LOOKUP;
    }
    if (*e & PTE_PRESENT) {
        return BST_SLOT_OCCUPIED;
    }
    *e = table | PTE_PRESENT | PTE_WRITE | PTE_USER;
    return BST_OK;
}

bool arch_table_present(paddr_t pml4, unsigned level, vaddr_t vaddr)
{
    uint64_t *e = entry_at(pml4, vaddr, level + 1);
    return e != NULL && (*e & PTE_PRESENT) && !(*e & PTE_LARGE);
}

bool arch_table_unmap(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr)
{
    uint64_t *e = entry_at(pml4, vaddr, level + 1);
    if (e == NULL || !(*e & PTE_PRESENT) || (*e & PTE_LARGE) || (*e & PTE_ADDR_MASK) != table) {
        return false;
    }
    *e = 0;
    invalidate_all(pml4);
    return true;
}

/* PAT index bits: the kernel's PAT (left at its reset value) has WB at 0, WT at 1,
 * UC- at 2, UC at 3; write-combining needs PAT programming and falls back to UC. */
static uint64_t cache_bits(unsigned cache)
{
    return cache == BST_CACHE_WB ? 0 : PTE_PCD | PTE_PWT;
}

bst_error_t arch_frame_map(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr,
                           struct arch_mapping m)
{
    uint64_t *e = entry_at(pml4, vaddr, level);
    if (e == NULL) {
        return BST_FAILED_LOOKUP;
    }
    bool large = level > 0;
    if (*e & PTE_PRESENT) {
        bool leaf = level == 0 || (*e & PTE_LARGE);
        if (!leaf || (*e & PTE_ADDR_MASK) != frame) {
            return BST_SLOT_OCCUPIED; /* a table, or another frame */
        }
    }
    bool remap = (*e & PTE_PRESENT) != 0;
    uint64_t nx = (m.executable || !cpu_features.nx) ? 0 : PTE_NX;
    *e = frame | PTE_PRESENT | PTE_USER | (m.writable ? PTE_WRITE : 0) | nx | cache_bits(m.cache) |
         (large ? PTE_LARGE : 0);
    if (remap) {
        invalidate(pml4, vaddr);
    }
    return BST_OK;
}

bool arch_frame_unmap(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr)
{
    uint64_t *e = entry_at(pml4, vaddr, level);
    if (e == NULL || !(*e & PTE_PRESENT) || (level > 0 && !(*e & PTE_LARGE)) ||
        (*e & PTE_ADDR_MASK) != frame) {
        return false;
    }
    *e = 0;
    invalidate(pml4, vaddr);
    return true;
}

struct arch_translation arch_vspace_translate(paddr_t pml4, vaddr_t vaddr)
{
    struct arch_translation t = {0};
    uint64_t *table = table_at(pml4);
    bool writable = true, user = true, executable = true;
    for (int l = 3; l >= 0; l--) {
        uint64_t e = table[index_of(vaddr, (unsigned)l)];
        if (!(e & PTE_PRESENT)) {
            return t;
        }
        writable &= (e & PTE_WRITE) != 0;
        user &= (e & PTE_USER) != 0;
        executable &= !(e & PTE_NX);
        if (l == 0 || (e & PTE_LARGE)) {
            uint64_t size = 1ull << vspace_page_bits((unsigned)l);
            t = (struct arch_translation){true, writable, user, executable,
                                          (e & PTE_ADDR_MASK & ~(size - 1)) + (vaddr & (size - 1))};
            return t;
        }
        table = table_at(e & PTE_ADDR_MASK);
    }
    return t;
}

void arch_vspace_activate(paddr_t pml4, unsigned id)
{
    if (pml4 == active_pml4 && !stale[id]) {
        return;
    }
    uint64_t cr3 = pml4;
    if (cpu_features.pcid) {
        cr3 |= id | (stale[id] ? 0 : CR3_NOFLUSH);
    }
    stale[id] = false;
    active_pml4 = pml4;
    write_cr3(cr3);
}

bool arch_vspace_has_huge_pages(void)
{
    return cpu_features.page1g;
}
