/*
 * DOMAIN_OBJECT_ADDRESS (docs/syscalls.md, "Kernel images"): the physical address and
 * size of any object with memory, through the domain control cap; init's colour check of
 * kernel objects relies on it (docs/kernel.md, "Cache colouring"). Each error, and
 * answers that agree with what the kernel says elsewhere: a frame's address is
 * FRAME_GET_ADDRESS's, an object retyped from an untyped lies inside it, aligned to its
 * size, and two objects retyped together lie next to each other.
 */
#include "roottask.h"

#include <libbastion/kimage.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define CONTROL ((bst_cptr_t)BST_SLOT_DOMAIN_CONTROL)

void test_domain_object_address(void)
{
    uint64_t pa = 0, bits = 0;
    CHECK_ERR(bst_invoke(CONTROL, BST_INV_DOMAIN_OBJECT_ADDRESS, NULL, 0, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    CHECK_ERR(bst_domain_object_address(CONTROL, 0, &pa, &bits), BST_FAILED_LOOKUP);
    CHECK_ERR(bst_domain_object_address(CONTROL, BST_SLOT_IRQ_CONTROL, &pa, &bits),
              BST_INVALID_CAPABILITY); /* a control cap has no memory */
    bst_cptr_t frame;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    uint64_t frame_pa = 0;
    CHECK_OK(bst_frame_get_address(frame, &frame_pa));
    CHECK_OK(bst_domain_object_address(CONTROL, frame, &pa, &bits));
    CHECK(pa == frame_pa && bits == 12, "frame: 0x%lx (2^%lu), FRAME_GET_ADDRESS 0x%lx",
          (unsigned long)pa, (unsigned long)bits, (unsigned long)frame_pa);
    /* Two TCBs from a fresh 16 KiB untyped: inside it, aligned, side by side. */
    bst_cptr_t ut, tcbs = slot_alloc();
    CHECK(tcbs != 0 && slot_alloc() != 0, "no slots");
    CHECK_OK(obj_alloc(BST_OBJ_UNTYPED, 14, &ut));
    uint64_t ut_pa = 0, ut_bits = 0, a = 0, b = 0;
    CHECK_OK(bst_domain_object_address(CONTROL, ut, &ut_pa, &ut_bits));
    CHECK(ut_bits == 14 && ut_pa % (1u << 14) == 0, "untyped: 0x%lx (2^%lu)", (unsigned long)ut_pa,
          (unsigned long)ut_bits);
    CHECK_OK(bst_untyped_retype(ut, BST_OBJ_TCB, 0, ROOT_CNODE, tcbs, 2));
    CHECK_OK(bst_domain_object_address(CONTROL, tcbs, &a, &bits));
    unsigned tcb_bits = bst_obj_fixed_bits(BST_OBJ_TCB);
    CHECK(bits == tcb_bits, "a TCB is 2^%lu bytes, not 2^%u", (unsigned long)bits, tcb_bits);
    CHECK_OK(bst_domain_object_address(CONTROL, tcbs + 1, &b, NULL));
    CHECK(a >= ut_pa && b + (1u << tcb_bits) <= ut_pa + (1u << 14) && b == a + (1u << tcb_bits) &&
              a % (1u << tcb_bits) == 0,
          "TCBs at 0x%lx and 0x%lx from the untyped at 0x%lx", (unsigned long)a, (unsigned long)b,
          (unsigned long)ut_pa);
}
