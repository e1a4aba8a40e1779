/*
 * The kernel's own page tables: the kernel image with per-section permissions, the
 * physmap (all RAM, for the kernel's use only) and a window for uncached device
 * registers. User address spaces will share these upper-half entries.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <arch/pagetable.h>
#include <boot.h>
#include <ktypes.h>

#define PAGE_SIZE       4096ull
#define LARGE_PAGE_SIZE (2ull << 20)
#define HUGE_PAGE_SIZE  (1ull << 30)

/* Build the kernel page tables for the RAM in `bi` and switch to them. */
void paging_init(const struct boot_info *bi);

/* Map `size` bytes of device registers at physical `pa` uncached; returns the
 * kernel virtual address. Only at boot; the window is small and never unmapped. */
volatile void *paging_map_device(paddr_t pa, size_t size);
/* Copy n bytes of physical memory at pa (firmware tables, at boot) into dst, uncached,
 * through one page of the device window remapped for each page read, so that reading
 * uses none of the window up. False for an address beyond the CPU's physical width. */
bool paging_read_phys(paddr_t pa, void *dst, size_t n);

/* The physmap: kernel virtual address of RAM at physical `pa`. */
static inline void *phys_to_virt(paddr_t pa)
{
    return (void *)(uintptr_t)(0xffff800000000000ull + pa);
}

/* Check the kernel page tables: nothing mapped in the lower (user) half, no user
 * mappings, no page both writable and executable, kernel text not writable.
 * Returns NULL when all hold, else the first violation found. */
const char *paging_check_invariants(void);

/* The physical address of the kernel's own top-level table. */
paddr_t paging_kernel_root(void);

/* The physical address of a kernel image symbol. */
paddr_t kernel_image_paddr(const void *p);

#endif
