/*
 * The physmap as an inline function, for the IPC fastpath: kmem_ptr() without the
 * call and the range assertion (the fastpath only follows pointers that capabilities
 * already vouch for).
 */
#ifndef ARCH_PHYSMAP_H
#define ARCH_PHYSMAP_H

#include <arch/layout.h>
#include <ktypes.h>

static inline void *arch_physmap_ptr(paddr_t pa)
{
    return (void *)(uintptr_t)(PHYSMAP_BASE + pa);
}

#endif
