/*
 * Address-space invocations: frames and page tables (docs/syscalls.md, "Address
 * spaces"). Rights are BST_RIGHT_READ / BST_RIGHT_WRITE (rights.h); attributes are the
 * BST_CACHE_* mode and BST_MAP_EXECUTABLE (bastion/vmattr.h).
 */
#ifndef LIBBASTION_VSPACE_H
#define LIBBASTION_VSPACE_H

#include <libbastion/syscall.h>
#include <bastion/rights.h>
#include <bastion/vmattr.h>

/*
 * Map `frame` at `vaddr` in `vspace`. Mapping an already mapped frame cap again at the
 * same vaddr in the same VSpace changes its rights and attributes (remap).
 */
bst_error_t bst_frame_map(bst_cptr_t frame, bst_cptr_t vspace, uint64_t vaddr, bst_rights_t rights,
                          unsigned attrs);

/* Remove the frame cap's mapping (no error if it has none). */
bst_error_t bst_frame_unmap(bst_cptr_t frame);

/* The frame's physical address, for DMA. */
bst_error_t bst_frame_get_address(bst_cptr_t frame, uint64_t *paddr);

/* Map the page table `pt` (PT_L1/L2/L3) into `vspace` so that it covers `vaddr`. */
bst_error_t bst_page_table_map(bst_cptr_t pt, bst_cptr_t vspace, uint64_t vaddr);

/* Remove the page table, and every mapping under it, from its VSpace. */
bst_error_t bst_page_table_unmap(bst_cptr_t pt);

#endif
