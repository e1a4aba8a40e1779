/*
 * x86_64 page-table editing with no CPU side effects: find, install and remove entries
 * in tables reached through kmem_ptr(). The caller (vspace.c) does the TLB work the
 * results ask for. Pure logic, so the host tests exercise it (tests/host).
 *
 * A root is a pair of PML4 pages (arch/kpti.h): `pml4` (the kernel view) and
 * pml4 + KPTI_USER_VIEW (the user view). Their user halves are kept equal: the one place
 * that writes a top-level user entry (a PDPT installed or removed) writes both.
 */
#ifndef ARCH_PAGETABLE_H
#define ARCH_PAGETABLE_H

#include <bastion/errors.h>
#include <ktypes.h>

#define PT_ENTRIES     512
#define PT_KERNEL_HALF 256
#define PT_ID_SLOT     510 /* a kernel-half slot the kernel leaves empty: the VSpace id */
/* A flag beside the id in PT_ID_SLOT: the VSpace has been granted I/O ports (iomap.c).
 * Kept there so that the address-space switch finds it in the word it reads anyway. */
#define PT_ID_PORTS    BIT(62)

#define PT_PRESENT   BIT(0)
#define PT_WRITE     BIT(1)
#define PT_USER      BIT(2)
#define PT_PWT       BIT(3)
#define PT_PCD       BIT(4)
#define PT_ACCESSED  BIT(5)
#define PT_LARGE     BIT(7)
#define PT_GLOBAL    BIT(8)
#define PT_NX        BIT(63)
#define PT_ADDR_MASK 0x000ffffffffff000ull

struct pt_leaf {
    bool writable, executable, uncached;
};

struct pt_result {
    bst_error_t status;
    bool flush; /* a translation that may be cached in a TLB was changed or removed */
};

/* Whether the CPU honours PT_NX (set once at boot; tests set it as they like). */
extern bool pt_nx_supported;

/* Copy the kernel halves of the pair `kernel_pml4` into the pair `pml4` and store `id`
 * in PT_ID_SLOT of the kernel view. */
void pt_init_root(paddr_t pml4, paddr_t kernel_pml4, unsigned id);
unsigned pt_root_id(paddr_t pml4);
void pt_clear_root_id(paddr_t pml4);
/* The whole PT_ID_SLOT word (id and flags), and setting or clearing a flag in it. */
uint64_t pt_root_id_entry(paddr_t pml4);
void pt_set_root_flag(paddr_t pml4, uint64_t flag, bool on);

/* Table of `level` (0 = PT, 1 = PD, 2 = PDPT) for vaddr present? */
bool pt_table_present(paddr_t pml4, unsigned level, vaddr_t vaddr);
/* Install / remove a table; errors: FAILED_LOOKUP, SLOT_OCCUPIED. */
struct pt_result pt_table_map(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr);
struct pt_result pt_table_unmap(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr);
/* Empty `table`: an unmapped table holds no entries, so mapping it again elsewhere
 * shows nothing that was under its old place. */
void pt_table_clear(paddr_t table);
/* Map a page of level (0: 4K, 1: 2M, 2: 1G); the same frame at vaddr is remapped.
 * Errors: FAILED_LOOKUP, SLOT_OCCUPIED. */
struct pt_result pt_frame_map(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr,
                              struct pt_leaf leaf);
struct pt_result pt_frame_unmap(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr);

struct pt_translation {
    bool present, writable, user, executable;
    paddr_t paddr;
};
struct pt_translation pt_translate(paddr_t pml4, vaddr_t vaddr);

/* One present entry of a user half: a table (`level` the table's: 2 = PDPT .. 0 = PT) or
 * a page (`level` the page's: 0 = 4 KiB .. 2 = 1 GiB; 3 for a large bit in the PML4,
 * which no correct table has), translating from `vaddr`. */
struct pt_entry {
    vaddr_t vaddr;
    paddr_t paddr;
    unsigned level;
    bool table, writable, user;
};
typedef bool (*pt_visit_fn)(void *ctx, const struct pt_entry *e);

/* Call `visit` on every present entry of the user half of the pair's kernel view, each
 * table before the entries it holds. Stops at the first visit that returns false, and
 * then returns false. Read-only (the VSpace oracle, vm/vspace_check.h). */
bool pt_walk_user(paddr_t pml4, pt_visit_fn visit, void *ctx);
/* Whether the pair's two views have equal user halves (pt_table_map writes both). */
bool pt_views_agree(paddr_t pml4);

#endif
