/*
 * The host "architecture" of address spaces: the arch/vspace.h API of
 * kernel/arch/x86_64/include/arch/vspace.h, same names, no CPU instructions.
 *
 * Two uses. The thread and IPC tests never map anything and link none of the functions
 * declared here: for them a switch only counts. The system-call fuzzer
 * (tests/host/fuzz_syscalls.c) links tests/host/arch/vspace.c, which models the page
 * tables as data: the x86_64 table format (kernel/arch/x86_64/pagetable.c) in host
 * "physical memory", with no TLB and no CR3; arch_active_pml4 is the CR3 of the model.
 */
#ifndef ARCH_VSPACE_H
#define ARCH_VSPACE_H

#include <bastion/errors.h>
#include <ktypes.h>

#define VSPACE_LEVELS  4
#define VSPACE_ID_BITS 12 /* as x86_64's PCID width; id 0 is the kernel's */
#define VSPACE_MAX_IDS (1u << VSPACE_ID_BITS)

/* Page size at a level: 0 -> 4 KiB, 1 -> 2 MiB, 2 -> 1 GiB. */
static inline unsigned vspace_page_bits(unsigned level)
{
    return 12 + 9 * level;
}

/* The model's CR3 (0: the kernel's own tables), and how often it was written. */
extern paddr_t arch_active_pml4;
extern unsigned long host_vspace_switches;

/* Switch to `pml4` (every call counts: the thread tests compare counts). */
static inline void arch_vspace_switch(paddr_t pml4)
{
    arch_active_pml4 = pml4;
    host_vspace_switches++;
}

/* The rest as documented in kernel/arch/x86_64/include/arch/vspace.h. */
void arch_vspace_init(paddr_t pml4, unsigned id);
unsigned arch_vspace_id(paddr_t pml4);
void arch_vspace_clear_id(paddr_t pml4);
bst_error_t arch_table_map(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr);
bool arch_table_present(paddr_t pml4, unsigned level, vaddr_t vaddr);
bool arch_table_unmap(paddr_t pml4, unsigned level, paddr_t table, vaddr_t vaddr);
void arch_table_clear(paddr_t table);

struct arch_mapping {
    bool writable, executable;
    unsigned cache; /* BST_CACHE_* */
};

bst_error_t arch_frame_map(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr,
                           struct arch_mapping m);
bool arch_frame_unmap(paddr_t pml4, unsigned level, paddr_t frame, vaddr_t vaddr);

struct arch_translation {
    bool present, writable, user, executable;
    paddr_t paddr; /* of the byte at vaddr */
};
struct arch_translation arch_vspace_translate(paddr_t pml4, vaddr_t vaddr);

bool arch_vspace_has_huge_pages(void);

#endif
