/*
 * Kernel image invocation wrappers (libbastion/kimage.h); argument order is
 * docs/syscalls.md's.
 */
#include <libbastion/invoke.h>
#include <libbastion/kimage.h>

static void store(uint64_t *to, uint64_t value)
{
    if (to != NULL)
        *to = value;
}

bst_error_t bst_kimage_add_frame(bst_cptr_t image, bst_cptr_t frame, uint64_t *filled,
                                 uint64_t *pages)
{
    const uint64_t a[] = {frame};
    uint64_t r[2] = {0, 0};
    bst_error_t e = bst_invoke(image, BST_INV_KERNEL_IMAGE_ADD_FRAME, a, 1, r, 2);
    if (e == BST_OK) {
        store(filled, r[0]);
        store(pages, r[1]);
    }
    return e;
}

bst_error_t bst_domain_set_image(bst_cptr_t control, uint64_t domain, bst_cptr_t image)
{
    const uint64_t a[] = {domain, image};
    return bst_invoke(control, BST_INV_DOMAIN_SET_IMAGE, a, 2, NULL, 0);
}

bst_error_t bst_domain_image_page(bst_cptr_t control, uint64_t domain, uint64_t page,
                                  uint64_t *paddr, uint64_t *pages)
{
    const uint64_t a[] = {domain, page};
    uint64_t r[2] = {0, 0};
    bst_error_t e = bst_invoke(control, BST_INV_DOMAIN_IMAGE_PAGE, a, 2, r, 2);
    if (e == BST_OK) {
        store(paddr, r[0]);
        store(pages, r[1]);
    }
    return e;
}

bst_error_t bst_domain_object_address(bst_cptr_t control, bst_cptr_t cap, uint64_t *paddr,
                                      uint64_t *size_bits)
{
    const uint64_t a[] = {cap};
    uint64_t r[2] = {0, 0};
    bst_error_t e = bst_invoke(control, BST_INV_DOMAIN_OBJECT_ADDRESS, a, 1, r, 2);
    if (e == BST_OK) {
        store(paddr, r[0]);
        store(size_bits, r[1]);
    }
    return e;
}

bst_error_t bst_domain_kernel_stack(bst_cptr_t control, uint64_t domain, uint64_t *stack_top,
                                    uint64_t *this_call)
{
    const uint64_t a[] = {domain, 0};
    uint64_t r[4] = {0, 0, 0, 0};
    bst_error_t e = bst_invoke(control, BST_INV_DOMAIN_IMAGE_PAGE, a, 2, r, 4);
    if (e == BST_OK) {
        store(stack_top, r[2]);
        store(this_call, r[3]);
    }
    return e;
}
