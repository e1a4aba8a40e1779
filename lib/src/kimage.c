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

/* Invoke `cap` with `label` and `n` arguments; on success store reply words `first` and
 * `first + 1` (of `replies`) in *out0 and *out1 (either may be NULL). */
static bst_error_t invoke_pair(bst_cptr_t cap, bst_invocation_t label, const uint64_t *a,
                               unsigned n, unsigned replies, unsigned first, uint64_t *out0,
                               uint64_t *out1)
{
    uint64_t r[4] = {0, 0, 0, 0};
    bst_error_t e = bst_invoke(cap, label, a, n, r, replies);
    if (e == BST_OK) {
        store(out0, r[first]);
        store(out1, r[first + 1]);
    }
    return e;
}

bst_error_t bst_kimage_add_frame(bst_cptr_t image, bst_cptr_t frame, uint64_t *filled,
                                 uint64_t *pages)
{
    const uint64_t a[] = {frame};
    return invoke_pair(image, BST_INV_KERNEL_IMAGE_ADD_FRAME, a, 1, 2, 0, filled, pages);
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
    return invoke_pair(control, BST_INV_DOMAIN_IMAGE_PAGE, a, 2, 2, 0, paddr, pages);
}

bst_error_t bst_domain_object_address(bst_cptr_t control, bst_cptr_t cap, uint64_t *paddr,
                                      uint64_t *size_bits)
{
    const uint64_t a[] = {cap};
    return invoke_pair(control, BST_INV_DOMAIN_OBJECT_ADDRESS, a, 1, 2, 0, paddr, size_bits);
}

bst_error_t bst_domain_kernel_stack(bst_cptr_t control, uint64_t domain, uint64_t *stack_top,
                                    uint64_t *this_call)
{
    const uint64_t a[] = {domain, 0};
    return invoke_pair(control, BST_INV_DOMAIN_IMAGE_PAGE, a, 2, 4, 2, stack_top, this_call);
}
