/*
 * The x86_64 kernel's virtual address layout. Shared by C and assembly.
 *
 *   0x0000000000000000 .. 0x00007fffffffffff   user space (per address space)
 *   0xffff800000000000 .. +PHYSMAP_MAX         physmap: all RAM, 1:1 with physical
 *   0xffffffff80000000 .. +1 GiB               kernel image (virtual = physical + KERNEL_VMA)
 *   0xffffffffc0000000 .. +1 GiB               device window (uncached MMIO: LAPIC, ...)
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_VMA          0xffffffff80000000
#define KERNEL_PHYS         0x100000
#define PHYSMAP_BASE        0xffff800000000000
#define PHYSMAP_MAX_BYTES   (64ull << 30) /* RAM above this is not used */
#define DEVICE_WINDOW_BASE  0xffffffffc0000000
#define DEVICE_WINDOW_BYTES (2ull << 20)
#define USER_TOP            0x0000800000000000

#define KERNEL_STACK_SIZE 16384
#define IST_STACK_SIZE    4096

/* GDT selectors; the order user32 code, user data, user64 code is what SYSRET needs. */
#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_USER_CODE32 0x1b
#define SEL_USER_DATA   0x23
#define SEL_USER_CODE64 0x2b
#define SEL_TSS         0x30

#endif
