/*
 * The VSpace oracle: a read-only check, for tests, that every translation a user
 * thread can use was made by a live capability that still records it.
 *
 * For every VSpace that holds an identifier (every one the kernel may switch to): a
 * live VSPACE cap names it, and the identifier stored in it is its own; its two views
 * agree on the user half; and every present entry of the user half has the user bit
 * and an owner: a live cap of the type the entry needs (a PT_L3/L2/L1 for a table, a
 * FRAME_1G/2M/4K for a page) to the object the entry points at, that records a mapping
 * at exactly this VSpace (identifier and generation) and vaddr, and, for a writable
 * page, has the write right. So no user-reachable page is freed memory, memory reused
 * for another object, or a page mapped with more rights than a cap grants.
 *
 * It walks the derivation tree once per entry (no scratch memory), O(entries * caps):
 * a debug system call and host tests, never a kernel path.
 */
#ifndef BASTION_VM_VSPACE_CHECK_H
#define BASTION_VM_VSPACE_CHECK_H

#include <ktypes.h>

struct vspace_check_result {
    const char *why; /* NULL when every check held; else the first that failed ... */
    unsigned id;     /* ... in the VSpace with this identifier ... */
    vaddr_t vaddr;   /* ... at the entry translating from here, to paddr */
    paddr_t paddr;
    uint64_t vspaces, entries; /* how many were checked */
};

struct vspace_check_result vspace_check_mappings(void);

#endif
