/*
 * The host stand-in for arch/vspace.h (vspace_arch.c): the kernel's own root pair, whose
 * kernel halves every VSpace copies, is host memory the test sets up.
 */
#ifndef HOST_VSPACE_ARCH_H
#define HOST_VSPACE_ARCH_H

#include <ktypes.h>

extern paddr_t host_kernel_root;

#endif
