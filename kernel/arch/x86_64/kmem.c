/*
 * The object layer's window on physical memory (kernel/include/kmem.h): the physmap.
 */
#include <arch/layout.h>
#include <arch/paging.h>
#include <kassert.h>
#include <kmem.h>

void *kmem_ptr(paddr_t pa)
{
    kassert(pa < PHYSMAP_MAX_BYTES);
    return phys_to_virt(pa);
}

paddr_t kmem_paddr(const void *p)
{
    uintptr_t va = (uintptr_t)p;
    kassert(va >= PHYSMAP_BASE && va < PHYSMAP_BASE + PHYSMAP_MAX_BYTES);
    return va - PHYSMAP_BASE;
}
