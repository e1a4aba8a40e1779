/*
 * The host "architecture" of address spaces: there are none on the host (the thread
 * and IPC tests never map anything), so switching only counts.
 */
#ifndef ARCH_VSPACE_H
#define ARCH_VSPACE_H

#include <ktypes.h>

extern unsigned long host_vspace_switches;

static inline bool arch_vspace_is_active(paddr_t pml4)
{
    (void)pml4;
    return false;
}

static inline void arch_vspace_switch(paddr_t pml4)
{
    (void)pml4;
    host_vspace_switches++;
}

#endif
