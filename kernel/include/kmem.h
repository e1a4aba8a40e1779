/*
 * How the object layer reaches physical memory.
 *
 * Kernel objects live in physical memory covered by untyped capabilities; the object
 * layer names them by physical address and reaches them through these two hooks.
 * In the kernel the architecture implements them with its fixed physmap offset; host
 * tests implement them over a buffer that stands for physical memory.
 */
#ifndef BASTION_KMEM_H
#define BASTION_KMEM_H

#include "ktypes.h"

/* The kernel virtual address of physical address `pa`. `pa` must be RAM the kernel maps
 * (never device memory: the object layer does not touch device untyped). */
void *kmem_ptr(paddr_t pa);

/* The physical address of kernel pointer `p`, which must have come from kmem_ptr(). */
paddr_t kmem_paddr(const void *p);

#endif
