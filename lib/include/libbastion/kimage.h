/*
 * Kernel images per domain (docs/kernel.md, "The kernel image per domain"; the
 * invocations and their errors: docs/syscalls.md, "Kernel images"). A KERNEL_IMAGE
 * object, retyped from a domain's coloured untyped, is filled with the domain's own 4 KiB
 * frames, one per page of the kernel's code and read-only data, and bound to the domain
 * through the domain control cap; the domain's threads then run kernel code from it.
 */
#ifndef LIBBASTION_KIMAGE_H
#define LIBBASTION_KIMAGE_H

#include <libbastion/syscall.h>

/* Copy the next page of the kernel into `frame` (a 4 KiB frame cap, unmapped, the only
 * cap to its frame); the cap moves into the image and its slot is empty after. `filled`
 * and `pages` (either may be NULL): the pages copied so far and the pages a complete
 * copy has. */
bst_error_t bst_kimage_add_frame(bst_cptr_t image, bst_cptr_t frame, uint64_t *filled,
                                 uint64_t *pages);

/* Bind the complete copy `image` to `domain`, or (image 0) put the domain back on the
 * shared kernel image. */
bst_error_t bst_domain_set_image(bst_cptr_t control, uint64_t domain, bst_cptr_t image);

/* The physical page that page `page` of the kernel's code and read-only data is for
 * `domain`'s threads (read from the translation tables that domain runs on), and how
 * many such pages there are. */
bst_error_t bst_domain_image_page(bst_cptr_t control, uint64_t domain, uint64_t page,
                                  uint64_t *paddr, uint64_t *pages);

/* The physical top of the kernel stack `domain`'s entries into the kernel run on (its
 * copy's, or the CPU's own) and the physical address of this call's own kernel stack
 * pointer (either may be NULL). */
bst_error_t bst_domain_kernel_stack(bst_cptr_t control, uint64_t domain, uint64_t *stack_top,
                                    uint64_t *this_call);

/* The physical address of the object `cap` names (a kernel object, frame or untyped)
 * and log2 of its size in bytes (either may be NULL): how init checks that a coloured
 * domain's kernel objects lie in its colours. */
bst_error_t bst_domain_object_address(bst_cptr_t control, bst_cptr_t cap, uint64_t *paddr,
                                      uint64_t *size_bits);

#endif
