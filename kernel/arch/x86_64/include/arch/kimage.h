/*
 * A domain's copy of the kernel image, the x86_64 side (vm/kimage.h is the object).
 *
 * The kernel's code and read-only data (_kernel_text_start to _kernel_rodata_end, the
 * page-table-isolation entry text included) lie in the first 2 MiB regions of the 1 GiB
 * that kernel PDPT entry KIMAGE_PDPT_INDEX maps: every address space shares the kernel's
 * PDPT through its top-level entry 511. A copy is a page directory and up to
 * ARCH_KIMAGE_MAX_PTS page tables, copies of the kernel's own, in which the entries of
 * the code and read-only pages name the copy's frames; data, bss, the per-CPU blocks and
 * stacks keep their shared frames. Installing a copy rewrites that one PDPT entry, so
 * every address space (and the kernel's own tables) runs on it at once, at the same
 * virtual addresses: the bytes are the same, so a switch in mid-execution is safe.
 * The user view of page-table isolation has its own tables and keeps the shared entry
 * text (.kpti.text: one page).
 */
#ifndef ARCH_KIMAGE_H
#define ARCH_KIMAGE_H

#include <ktypes.h>

#define ARCH_KIMAGE_MAX_PTS     2
#define ARCH_KIMAGE_STACK_SIZE  16384u /* = KERNEL_STACK_SIZE (arch/layout.h; kimage.c) */
/* Table pages a copy needs: the page directory and the page tables. */
#define ARCH_KIMAGE_TABLE_PAGES (1 + ARCH_KIMAGE_MAX_PTS)

/* How many 4 KiB pages of code and read-only data a copy holds; 0 when this kernel's
 * image cannot be copied (it spans more page tables than a copy has; the SMP kernel). */
unsigned arch_kimage_pages(void);

/* Build a copy's tables in the zeroed pages at `tables` (ARCH_KIMAGE_TABLE_PAGES): the
 * kernel's own, every page still the shared one. */
void arch_kimage_prepare(paddr_t tables);

/* Copy page `page` of the kernel's code and read-only data into `frame` and map it
 * there in the copy `tables`; unfill maps the shared page again. */
void arch_kimage_fill(paddr_t tables, unsigned page, paddr_t frame);
void arch_kimage_unfill(paddr_t tables, unsigned page);

/* Run on the copy `tables` (0: the shared image) from now on: the kernel PDPT entry,
 * then, when it changed, a flush of every TLB entry, global ones too, unless
 * `caller_flushes` (BST_DOMAIN_FLUSH_* flags) says the caller makes that flush before any
 * user code runs. */
void arch_kimage_activate(paddr_t tables, unsigned caller_flushes);

/* From the next entry from user mode on, the kernel runs on the stack whose physical top
 * is `top` (a domain's, in its copy of the kernel image), or on the CPU's own (top 0):
 * the kernel stack pointer of the per-CPU block, and the TSS's RSP0 without page-table
 * isolation. The call that switches finishes on the stack it runs on. */
void arch_kimage_set_stack(paddr_t top);

/* kimage_idle_stack() (vm/kimage.h): when a copy's stack was ever used and the stack
 * pointer is outside the stack the per-CPU block names, call kernel_exit() again at
 * that stack's top (never returns then); else return. */
void arch_kimage_idle_stack(void);

/* The physical top of the stack `top` names (0: the CPU's own), and the physical address
 * of the caller's stack pointer: for DOMAIN_IMAGE_PAGE's report. */
paddr_t arch_kimage_stack_top(paddr_t top);
paddr_t arch_kimage_stack_pointer(void);

/* The physical page that page `page` of the kernel's code and read-only data translates
 * to through the copy `tables` (0: the shared image's tables), walking the tables. */
paddr_t arch_kimage_translate(paddr_t tables, unsigned page);

#endif
