/*
 * Frame mapping attributes (FRAME_MAP, MR3). See docs/syscalls.md.
 */
#ifndef BASTION_ABI_VMATTR_H
#define BASTION_ABI_VMATTR_H

#define BST_CACHE_WB       0x0u /* write-back (normal memory) */
#define BST_CACHE_UC       0x1u /* uncached (device registers) */
#define BST_CACHE_WC       0x2u /* write-combining (frame buffers) */
#define BST_CACHE_MASK     0x3u
#define BST_MAP_EXECUTABLE 0x4u /* without it, the mapping is execute-never */
#define BST_MAP_ATTR_MASK  0x7u

/* User virtual addresses are [0, BST_USER_TOP); the kernel owns the rest. Frames map
 * only below BST_USER_MAP_TOP: the last page of the user half is never mapped, so no
 * instruction runs there, and the address after a SYSCALL (its return address) is
 * always below BST_USER_TOP (docs/kernel.md, "Leaving the kernel safely"). */
#define BST_USER_TOP     0x0000800000000000ull
#define BST_USER_MAP_TOP (BST_USER_TOP - 0x1000ull)

/* IOSPACE_READ_FAULT's reason word: bits 0-7 the IOMMU's reason code, and this bit for
 * a write (a read without it). */
#define BST_IO_FAULT_WRITE 0x100u

#endif
