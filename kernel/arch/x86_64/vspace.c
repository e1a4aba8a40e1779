/*
 * User address spaces on x86_64: the arch/vspace.h API over the page-table editing of
 * pagetable.c, plus the TLB and CR3.
 *
 * TLB: a translation that is removed or reduced is invalidated at once in the current
 * address space (INVLPG; a whole-space flush when a table goes). In other address
 * spaces: without PCID every switch reloads CR3 and so flushes; with PCID the VSpace is
 * marked stale and its next activation flushes its PCID. On other CPUs (the SMP kernel):
 * every CPU that has the space in CR3 flushes too, by a cross-CPU call before the
 * operation returns (ksmp_tlb_shootdown); the others reloaded CR3 when they left it. The
 * SMP kernel uses no PCIDs: the stale marks are global, and a second CPU's entries for a
 * PCID would survive the first CPU's flush of it.
 */
#include <arch/cpu.h>
#include <arch/kpti.h>
#include <arch/pagetable.h>
#include <arch/paging.h>
#include <arch/vspace.h>
#include <bastion/vmattr.h>
#include <ksmp.h>

#define CR3_NOFLUSH BIT(63)

bool arch_vspace_stale[VSPACE_MAX_IDS];
bool arch_vspace_pcid;
KCPU_HOT_DEFINE(paddr_t, arch_active_pml4); /* each CPU's own (kpercpu.h) */
#define active_pml4 KCPU_HOT(arch_active_pml4)
#define stale       arch_vspace_stale

void arch_vspace_init(paddr_t pml4, unsigned id)
{
    pt_nx_supported = cpu_features.nx;
    arch_vspace_pcid = cpu_features.pcid && !arch_kpti && /* as cpu_enable_protections() */
                       KCPU_COUNT == 1;                   /* (see above) */
    if (arch_vspace_pcid) {
        arch_switch_slow |= ARCH_SWITCH_SLOW_PCID;
    }
    pt_init_root(pml4, paging_kernel_root(), id);
}

unsigned arch_vspace_id(paddr_t pml4)
{
    return pt_root_id(pml4);
}

void arch_vspace_clear_id(paddr_t pml4)
{
    iomap_vspace_gone(pt_root_id(pml4));
    pt_clear_root_id(pml4);
    if (active_pml4 == pml4) {
        write_cr3(paging_kernel_root());
        active_pml4 = 0;
    }
    if (KCPU_COUNT > 1) {
        ksmp_space_gone(pml4); /* the other CPUs leave it too */
    }
}

static void flush_page(paddr_t pml4, vaddr_t vaddr)
{
    if (pml4 == active_pml4) {
        __asm__ volatile("invlpg (%0)" : : "r"(vaddr) : "memory");
    } else {
        stale[pt_root_id(pml4)] = true;
    }
    if (KCPU_COUNT > 1) {
        ksmp_tlb_shootdown(pml4);
    }
}

static void flush_space(paddr_t pml4)
{
    if (pml4 == active_pml4) {
        write_cr3(read_cr3() & ~CR3_NOFLUSH);
    } else {
        stale[pt_root_id(pml4)] = true;
    }
    if (KCPU_COUNT > 1) {
        ksmp_tlb_shootdown(pml4);
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
    if (r.flush) {
        flush_space(pml4); /* everything under the table went with it */
    }
    return r.flush;
}

void arch_table_clear(paddr_t table)
{
    pt_table_clear(table); /* unreachable now: the unmap (or the loss above) flushed */
}

bst_error_t arch_frame_map(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr,
                           struct arch_mapping m)
{
    struct pt_leaf leaf = {m.writable, m.executable, m.cache != BST_CACHE_WB};
    struct pt_result r = pt_frame_map(pml4, level, frame, vaddr, leaf);
    if (r.flush) {
        flush_page(pml4, vaddr); /* a remap may have reduced rights */
    }
    return r.status;
}

bool arch_frame_unmap(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr)
{
    struct pt_result r = pt_frame_unmap(pml4, level, frame, vaddr);
    if (r.flush) {
        flush_page(pml4, vaddr);
    }
    return r.flush;
}

struct arch_translation arch_vspace_translate(paddr_t pml4, vaddr_t vaddr)
{
    struct pt_translation t = pt_translate(pml4, vaddr);
    return (struct arch_translation){t.present, t.writable, t.user, t.executable, t.paddr};
}

bool arch_vspace_has_huge_pages(void)
{
    return cpu_features.page1g;
}
