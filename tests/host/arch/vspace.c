/*
 * The host "architecture"'s address spaces (arch/vspace.h in this directory): page
 * tables as data. The tables are the x86_64 format, edited by the real
 * kernel/arch/x86_64/pagetable.c in host "physical memory"; what the CPU would do (CR3
 * loads, TLB invalidations) is only counted. 1 GiB pages are available, as on a CPU
 * that has them, so the fuzzer maps device frames of every size.
 */
#include <arch/pagetable.h>
#include <arch/vspace.h>
#include <bastion/vmattr.h>

#include "host_arch.h"

struct host_vspace_stats host_vspace_stats;
static paddr_t kernel_root;

void host_vspace_boot(paddr_t kernel_root_pair)
{
    kernel_root = kernel_root_pair;
    arch_active_pml4 = 0;
    pt_nx_supported = true;
}

void arch_vspace_init(paddr_t pml4, unsigned id)
{
    pt_init_root(pml4, kernel_root, id);
}

unsigned arch_vspace_id(paddr_t pml4)
{
    return pt_root_id(pml4);
}

void arch_vspace_clear_id(paddr_t pml4)
{
    pt_clear_root_id(pml4);
    if (arch_active_pml4 == pml4) {
        arch_active_pml4 = 0; /* the kernel's own tables take over */
    }
}

bool arch_table_present(paddr_t pml4, unsigned level, vaddr_t vaddr)
{
    return pt_table_present(pml4, level, vaddr);
}

bst_error_t arch_table_map(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr)
{
    return pt_table_map(pml4, level, table, vaddr).status;
}

bool arch_table_unmap(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr)
{
    struct pt_result r = pt_table_unmap(pml4, level, table, vaddr);
    host_vspace_stats.flushes += r.flush;
    return r.flush;
}

void arch_table_clear(paddr_t table)
{
    pt_table_clear(table);
}

bst_error_t arch_frame_map(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr,
                           struct arch_mapping m)
{
    struct pt_leaf leaf = {m.writable, m.executable, m.cache != BST_CACHE_WB};
    struct pt_result r = pt_frame_map(pml4, level, frame, vaddr, leaf);
    host_vspace_stats.flushes += r.flush;
    host_vspace_stats.maps += r.status == BST_OK;
    return r.status;
}

bool arch_frame_unmap(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr)
{
    struct pt_result r = pt_frame_unmap(pml4, level, frame, vaddr);
    host_vspace_stats.flushes += r.flush;
    return r.flush;
}

struct arch_translation arch_vspace_translate(paddr_t pml4, vaddr_t vaddr)
{
    struct pt_translation t = pt_translate(pml4, vaddr);
    return (struct arch_translation){t.present, t.writable, t.user, t.executable, t.paddr};
}

bool arch_vspace_has_huge_pages(void)
{
    return true;
}
