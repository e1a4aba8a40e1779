/*
 * The host "architecture" of address spaces for host-vspace-random: arch/vspace.h over
 * the real page-table editing (kernel/arch/x86_64/pagetable.c), as
 * kernel/arch/x86_64/vspace.c does it but with no TLB or CR3 (CPU instructions), no
 * I/O permission maps and no 1 GiB pages. Also the finalisers of the parts this test
 * does not build (interrupts, I/O ports, scheduling contexts) and the invocation layer
 * vspace.c's invocation decoders name (never called: the test calls vm_map_* itself).
 */
#include <arch/pagetable.h>
#include <arch/vspace.h>
#include <bastion/vmattr.h>
#include <object/finalise.h>
#include <stdio.h>
#include <stdlib.h>
#include <syscall/invocation.h>
#include <vm/iospace.h>

#include "vspace_arch.h"

bool arch_vspace_stale[VSPACE_MAX_IDS];
bool arch_vspace_pcid;
paddr_t arch_active_pml4;
paddr_t host_kernel_root;

void arch_vspace_init(paddr_t pml4, unsigned id)
{
    pt_init_root(pml4, host_kernel_root, id);
}

unsigned arch_vspace_id(paddr_t pml4)
{
    return pt_root_id(pml4);
}

void arch_vspace_clear_id(paddr_t pml4)
{
    pt_clear_root_id(pml4);
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
    return pt_table_unmap(pml4, level, table, vaddr).flush;
}

void arch_table_clear(paddr_t table)
{
    pt_table_clear(table);
}

bst_error_t arch_frame_map(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr,
                           struct arch_mapping m)
{
    struct pt_leaf leaf = {m.writable, m.executable, m.cache != BST_CACHE_WB};
    return pt_frame_map(pml4, level, frame, vaddr, leaf).status;
}

bool arch_frame_unmap(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr)
{
    return pt_frame_unmap(pml4, level, frame, vaddr).flush;
}

struct arch_translation arch_vspace_translate(paddr_t pml4, vaddr_t vaddr)
{
    struct pt_translation t = pt_translate(pml4, vaddr);
    return (struct arch_translation){t.present, t.writable, t.user, t.executable, t.paddr};
}

bool arch_vspace_has_huge_pages(void)
{
    return false;
}

void iospace_unmap_cap(struct cap *cap)
{
    (void)cap;
}

void iospace_finalise(const struct cap *cap)
{
    (void)cap;
}

void ioport_ungrant_cap(struct cap *cap)
{
    (void)cap;
}

void irq_handler_finalise(const struct cap *cap)
{
    (void)cap;
}

void ioport_finalise(const struct cap *cap)
{
    (void)cap;
}

void sched_context_finalise(const struct cap *cap)
{
    (void)cap;
}

static void not_here(const char *what)
{
    fprintf(stderr, "host-vspace-random: %s called\n", what);
    abort();
}

struct lookup_result invocation_lookup_cap(const struct invocation *inv, uint64_t cptr)
{
    (void)inv;
    (void)cptr;
    not_here("invocation_lookup_cap");
    return (struct lookup_result){0};
}

void invocation_reply(struct invocation *inv, unsigned i, uint64_t value)
{
    (void)inv;
    (void)i;
    (void)value;
    not_here("invocation_reply");
}
