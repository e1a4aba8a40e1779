/*
 * The host "architecture"'s physmap (kernel/arch/x86_64/include/arch/physmap.h): host
 * "physical memory" is reached through kmem_ptr() (tests/host/support.c), range check
 * included, so a fastpath that followed a wild pointer would stop the test.
 */
#ifndef ARCH_PHYSMAP_H
#define ARCH_PHYSMAP_H

#include <kmem.h>

static inline void *arch_physmap_ptr(paddr_t pa)
{
    return kmem_ptr(pa);
}

#endif
