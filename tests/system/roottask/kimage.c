/*
 * Kernel images per domain (docs/kernel.md, "The kernel image per domain"; the errors:
 * docs/syscalls.md, "Kernel images"): every documented error of KERNEL_IMAGE_ADD_FRAME,
 * DOMAIN_SET_IMAGE and DOMAIN_IMAGE_PAGE, and a copy's life in the root task's own
 * domain (0): filled, bound while the root runs (its system calls then run on the copy),
 * cut back by a revoke that reaches one of its frames, and deleted while in use.
 *
 * The SMP kernel refuses copies (no TLB shootdown yet): there both tests check the
 * refusal instead, and only the single-CPU suite expects the line that the lifecycle
 * test prints when a copy ran (tests/system/roottask/roottask.mk).
 */
#include "roottask.h"

#include <libbastion/cnode.h>
#include <libbastion/kimage.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define CONTROL          ((bst_cptr_t)BST_SLOT_DOMAIN_CONTROL)
#define KIMAGE_PAGES_MAX 63

/* The physical page kernel page i runs from in domain 0. */
static uint64_t page_of(uint64_t i)
{
    uint64_t pa = 0;
    if (bst_domain_image_page(CONTROL, 0, i, &pa, NULL) != BST_OK)
        return ~0ull;
    return pa;
}

static uint64_t kernel_pages(void)
{
    uint64_t pages = 0, pa;
    if (bst_domain_image_page(CONTROL, 0, 0, &pa, &pages) != BST_OK)
        return 0;
    return pages;
}

/* Whether this call ran on the 16 KiB kernel stack below physical `top`, which the
 * kernel says domain 0's entries run on. */
static bool on_stack(uint64_t want_top)
{
    uint64_t top = 0, sp = 0;
    if (bst_domain_kernel_stack(CONTROL, 0, &top, &sp) != BST_OK)
        return false;
    return top == want_top && sp < top && sp >= top - 16384;
}

/* A kernel that cannot copy its image (the SMP kernel) refuses every copy. */
static bool refused(void)
{
    if (kernel_pages() != 0)
        return false;
    bst_cptr_t image, frame;
    if (obj_alloc(BST_OBJ_KERNEL_IMAGE, 0, &image) != BST_OK ||
        obj_alloc(BST_OBJ_FRAME_4K, 0, &frame) != BST_OK) {
        test_fail("cannot allocate an image and a frame");
        return true;
    }
    bst_error_t e = bst_kimage_add_frame(image, frame, NULL, NULL);
    if (e != BST_ILLEGAL_OPERATION)
        test_fail("no kernel pages, but KERNEL_IMAGE_ADD_FRAME returned %s", bst_error_name(e));
    else
        bst_printf("kimage: this kernel refuses copies of its image\n");
    return true;
}

void test_kimage_errors(void)
{
    bst_cptr_t image, other, ep, frame, big, copy, ro;
    if (refused())
        return;
    uint64_t pages = kernel_pages();
    CHECK(pages > 0 && pages <= KIMAGE_PAGES_MAX, "the kernel has %lu pages of code",
          (unsigned long)pages);
    CHECK_OK(obj_alloc(BST_OBJ_KERNEL_IMAGE, 0, &image));
    CHECK_OK(obj_alloc(BST_OBJ_KERNEL_IMAGE, 0, &other));
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_2M, 0, &big));
    /* KERNEL_IMAGE_ADD_FRAME */
    CHECK_ERR(bst_invoke(image, BST_INV_KERNEL_IMAGE_ADD_FRAME, NULL, 0, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    CHECK_ERR(bst_kimage_add_frame(image, ep, NULL, NULL), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_kimage_add_frame(image, slot_alloc(), NULL, NULL), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_kimage_add_frame(image, big, NULL, NULL), BST_INVALID_ARGUMENT);
    /* A device frame: the kernel's copy must lie in RAM it can direct-map and colour. */
    bst_cptr_t dev;
    CHECK_OK(device_frame_alloc(&dev));
    CHECK_ERR(bst_kimage_add_frame(image, dev, NULL, NULL), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_kimage_add_frame(image, image, NULL, NULL), BST_INVALID_CAPABILITY);
    CHECK_OK(cap_copy(frame, BST_RIGHT_READ, &ro));
    CHECK_ERR(bst_kimage_add_frame(image, ro, NULL, NULL), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_kimage_add_frame(image, frame, NULL, NULL), BST_REVOKE_FIRST);
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, ro, 64));
    CHECK_OK(cap_copy(frame, BST_RIGHTS_RW, &copy));
    CHECK_ERR(bst_kimage_add_frame(image, copy, NULL, NULL), BST_REVOKE_FIRST);
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, copy, 64));
    uint64_t base = region_alloc();
    struct tables t;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    CHECK_OK(bst_frame_map(frame, ROOT_VS, base, BST_RIGHTS_RW, 0));
    CHECK_ERR(bst_kimage_add_frame(image, frame, NULL, NULL), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_frame_unmap(frame));
    CHECK_ERR(bst_invoke(image, BST_INV_FRAME_MAP, NULL, 0, NULL, 0), BST_ILLEGAL_OPERATION);
    bst_cptr_t image_ro;
    CHECK_OK(cap_copy(image, BST_RIGHT_READ, &image_ro));
    CHECK_ERR(bst_kimage_add_frame(image_ro, frame, NULL, NULL), BST_INSUFFICIENT_RIGHTS);
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, image_ro, 64));
    /* The refusals changed nothing: the frame is still the caller's, the copy empty. */
    uint64_t filled = 0, want = 0;
    CHECK_OK(bst_kimage_add_frame(image, frame, &filled, &want));
    CHECK(filled == 1 && want == pages, "added 1 of %lu: replied %lu of %lu", (unsigned long)pages,
          (unsigned long)filled, (unsigned long)want);
    CHECK_ERR(bst_frame_get_address(frame, &filled), BST_INVALID_CAPABILITY); /* moved */
    /* DOMAIN_SET_IMAGE */
    const uint64_t one[1] = {1};
    CHECK_ERR(bst_invoke(CONTROL, BST_INV_DOMAIN_SET_IMAGE, one, 1, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    CHECK_ERR(bst_domain_set_image(CONTROL, 16, image), BST_RANGE_ERROR);
    CHECK_ERR(bst_domain_set_image(CONTROL, 1, ep), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_domain_set_image(CONTROL, 1, image), BST_ILLEGAL_OPERATION); /* 1 of N */
    CHECK_ERR(bst_domain_set_image(CONTROL, 1, other), BST_ILLEGAL_OPERATION); /* empty */
    CHECK_OK(bst_domain_set_image(CONTROL, 1, 0)); /* the shared image: always allowed */
    /* DOMAIN_IMAGE_PAGE */
    CHECK_ERR(bst_invoke(CONTROL, BST_INV_DOMAIN_IMAGE_PAGE, one, 1, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    uint64_t pa;
    CHECK_ERR(bst_domain_image_page(CONTROL, 16, 0, &pa, NULL), BST_RANGE_ERROR);
    CHECK_ERR(bst_domain_image_page(CONTROL, 0, pages, &pa, NULL), BST_RANGE_ERROR);
    CHECK(page_of(0) != 0 && page_of(0) != ~0ull, "page 0 translates to %lx",
          (unsigned long)page_of(0));
    /* Deleting a copy that is not complete gives its frames back to their untyped. */
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, image, 64));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, other, 64));
    const char *why = kernel_state_check(NULL);
    CHECK(why == NULL, "kernel state: %s", why);
}

/* Fill pages first .. pages - 1 of `image` with frames from obj_alloc, but page ut_page's
 * from the untyped `ut`; the physical page of each in pa[]. */
static bst_error_t fill(bst_cptr_t image, bst_cptr_t ut, uint64_t ut_page, uint64_t first,
                        uint64_t pages, uint64_t *pa)
{
    for (uint64_t i = first; i < pages; i++) {
        bst_cptr_t f = slot_alloc();
        bst_error_t e = i == ut_page ? bst_untyped_retype(ut, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, f, 1)
                                     : obj_alloc(BST_OBJ_FRAME_4K, 0, &f);
        if (e == BST_OK)
            e = bst_frame_get_address(f, &pa[i]);
        uint64_t filled = 0;
        if (e == BST_OK)
            e = bst_kimage_add_frame(image, f, &filled, NULL);
        if (e != BST_OK)
            return e;
        if (filled != i + 1)
            return BST_INVALID_ARGUMENT;
    }
    return BST_OK;
}

void test_kimage_lifecycle(void)
{
    static uint64_t pa[KIMAGE_PAGES_MAX];
    if (refused())
        return;
    uint64_t pages = kernel_pages();
    CHECK(pages > 0 && pages <= KIMAGE_PAGES_MAX, "the kernel has %lu pages of code",
          (unsigned long)pages);
    uint64_t shared0 = page_of(0), shared_last = page_of(pages - 1);
    uint64_t own_top = 0, image_pa = 0;
    CHECK_OK(bst_domain_kernel_stack(CONTROL, 0, &own_top, NULL));
    CHECK(on_stack(own_top), "without a copy the call did not run on the CPU's stack");
    bst_cptr_t image, ut, spare;
    CHECK_OK(obj_alloc(BST_OBJ_KERNEL_IMAGE, 0, &image));
    CHECK_OK(bst_domain_object_address(CONTROL, image, &image_pa, NULL));
    CHECK_OK(obj_alloc(BST_OBJ_UNTYPED, 16, &ut)); /* page 1 comes from here */
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &spare));
    CHECK_OK(fill(image, ut, 1, 0, pages, pa));
    CHECK_ERR(bst_kimage_add_frame(image, spare, NULL, NULL), BST_RANGE_ERROR); /* complete */
    CHECK(page_of(0) == shared0, "an unbound copy changed domain 0's page 0");
    /* Bound to the running domain: from here on this test's calls run on the copy, and
     * on the kernel stack in its object (the upper 16 KiB of its 32). */
    CHECK_OK(bst_domain_set_image(CONTROL, 0, image));
    CHECK(on_stack(image_pa + 32768),
          "bound, the call did not run on the copy's stack (object at %lx)",
          (unsigned long)image_pa);
    for (uint64_t i = 0; i < pages; i++)
        CHECK(page_of(i) == pa[i], "page %lu runs from %lx, not its frame %lx", (unsigned long)i,
              (unsigned long)page_of(i), (unsigned long)pa[i]);
    CHECK_ERR(bst_domain_set_image(CONTROL, 1, image), BST_SLOT_OCCUPIED); /* one domain */
    CHECK_OK(bst_domain_set_image(CONTROL, 0, image));                     /* again: no change */
    const char *why = kernel_state_check(NULL);
    CHECK(why == NULL, "kernel state on the copy: %s", why);
    /* A revoke that reaches page 1's frame (through its untyped) cuts the copy back to
     * page 0 (the later pages' frames go too) and puts the domain back on the shared
     * image. */
    CHECK_OK(bst_cnode_revoke(ROOT_CNODE, ut, 64));
    CHECK(page_of(0) == shared0 && page_of(pages - 1) == shared_last,
          "after the revoke domain 0 runs page 0 from %lx (shared: %lx)", (unsigned long)page_of(0),
          (unsigned long)shared0);
    CHECK(on_stack(own_top), "after the revoke the call did not run on the CPU's stack");
    CHECK_ERR(bst_domain_set_image(CONTROL, 0, image), BST_ILLEGAL_OPERATION);
    uint64_t filled = 0;
    CHECK_OK(bst_kimage_add_frame(image, spare, &filled, NULL));
    CHECK(filled == 2, "after the revoke and one more frame the copy has %lu pages",
          (unsigned long)filled);
    /* Filled again and bound, then deleted while the domain runs on it. */
    CHECK_OK(fill(image, ut, pages, 2, pages, pa));
    CHECK_OK(bst_domain_set_image(CONTROL, 0, image));
    CHECK(page_of(pages - 1) == pa[pages - 1], "the refilled copy is not in use");
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, image, 64));
    CHECK(page_of(0) == shared0 && page_of(pages - 1) == shared_last,
          "deleting the copy in use left domain 0 on %lx", (unsigned long)page_of(0));
    CHECK(on_stack(own_top), "after the delete the call did not run on the CPU's stack");
    why = kernel_state_check(NULL);
    CHECK(why == NULL, "kernel state after the delete: %s", why);
    bst_printf("kimage: domain 0 ran on its copy of %lu pages, then on the shared image again\n",
               (unsigned long)pages);
}
