/*
 * I/O address spaces without an IOMMU (this suite boots QEMU without intel-iommu): every
 * decode error of IOSPACE_ASSIGN, IOSPACE_SET_NOTIFICATION, IOSPACE_READ_FAULT,
 * FRAME_IO_MAP, IOPT_MAP and IOMMU_SETUP in its documented order, ILLEGAL_OPERATION
 * where remapping is needed, and the rules the caps keep: an IOPT cap cannot be copied,
 * an I/O space cap can, and deleting them is fine. Translation itself needs the
 * hardware: init/tests/iommu (system-pd) and the net driver's iommu boot.
 */
#include "roottask.h"

#include <libbastion/cnode.h>
#include <libbastion/invoke.h>
#include <libbastion/iommu.h>

#define IRQ_CONTROL ((bst_cptr_t)BST_SLOT_IRQ_CONTROL)
#define EDU         0x80u /* 00:10.0 */
#define RW          (BST_RIGHT_READ | BST_RIGHT_WRITE)

/* A copy of `cap` with the read right only, in a new slot; 0 if the copy fails. */
static bst_cptr_t read_only_copy(bst_cptr_t cap)
{
    bst_cptr_t ro = slot_alloc();
    return bst_cnode_copy(ROOT_CNODE, ro, BST_ROOT_DEPTH, ROOT_CNODE, cap, BST_ROOT_DEPTH,
                          BST_RIGHT_READ) == BST_OK
               ? ro
               : 0;
}

void test_devices_iospace_errors(void)
{
    bst_cptr_t space, iopt, frame, ep, ntfn;
    CHECK_OK(obj_alloc(BST_OBJ_IOSPACE, 0, &space));
    CHECK_OK(obj_alloc(BST_OBJ_IOPT, 0, &iopt));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ntfn));
    bst_cptr_t ro_space = read_only_copy(space), ro_frame = read_only_copy(frame);
    bst_cptr_t ro_ntfn = read_only_copy(ntfn);
    CHECK(ro_space && ro_frame && ro_ntfn, "read-only copies");

    /* Faults: none yet; the read right is enough. */
    struct bst_io_fault f = {1, 1, 1, 1};
    CHECK_OK(bst_iospace_read_fault(ro_space, &f));
    CHECK(f.count == 0 && f.address == 0 && f.source_id == 0 && f.reason == 0,
          "a new I/O space reports a fault (count %lu)", (unsigned long)f.count);

    /* IOSPACE_ASSIGN: MR0 IRQ control, MR1 source id. */
    uint64_t one = IRQ_CONTROL;
    CHECK_ERR(bst_invoke(space, BST_INV_IOSPACE_ASSIGN, &one, 1, NULL, 0), BST_TRUNCATED_MESSAGE);
    CHECK_ERR(bst_iospace_assign(space, ep, EDU), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_iospace_assign(space, 1ull << 62, EDU), BST_FAILED_LOOKUP);
    CHECK_ERR(bst_iospace_assign(ro_space, IRQ_CONTROL, EDU), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_iospace_assign(space, IRQ_CONTROL, EDU), BST_ILLEGAL_OPERATION);

    /* IOSPACE_SET_NOTIFICATION: a notification with the write right, a writable space. */
    CHECK_ERR(bst_iospace_set_notification(space, ep), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_iospace_set_notification(space, ro_ntfn), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_iospace_set_notification(ro_space, ntfn), BST_INSUFFICIENT_RIGHTS);
    CHECK_OK(bst_iospace_set_notification(space, ntfn));

    /* FRAME_IO_MAP: MR0 space, MR1 I/O address, MR2 rights. */
    uint64_t two[2] = {space, 0};
    CHECK_ERR(bst_invoke(frame, BST_INV_FRAME_IO_MAP, two, 2, NULL, 0), BST_TRUNCATED_MESSAGE);
    CHECK_ERR(bst_frame_io_map(frame, ep, 0, RW), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_frame_io_map(frame, ro_space, 0, RW), BST_INSUFFICIENT_RIGHTS);
    bst_cptr_t big;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_2M, 0, &big));
    CHECK_ERR(bst_frame_io_map(big, space, 0, RW), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_frame_io_map(frame, space, 0, 4), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_frame_io_map(frame, space, 0x1800, RW), BST_ALIGNMENT_ERROR);
    CHECK_ERR(bst_frame_io_map(frame, space, 1ull << 48, RW), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_frame_io_map(ro_frame, space, 0x1000, BST_RIGHT_WRITE), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_frame_io_map(frame, space, 0x1000, RW), BST_ILLEGAL_OPERATION); /* no IOMMU */
    CHECK_ERR(bst_invoke(space, BST_INV_FRAME_IO_MAP, two, 2, NULL, 0), BST_ILLEGAL_OPERATION);
    /* A frame mapped in a VSpace is not mapped for a device too (one cap, one mapping). */
    uint64_t base = region_alloc();
    struct tables t;
    bst_cptr_t mapped;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &mapped));
    CHECK_ERR(bst_frame_io_map(mapped, space, 0x1000, RW), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_frame_unmap(mapped));

    /* IOPT_MAP: MR0 space, MR1 I/O address. */
    uint64_t just_space = space;
    CHECK_ERR(bst_invoke(iopt, BST_INV_IOPT_MAP, &just_space, 1, NULL, 0), BST_TRUNCATED_MESSAGE);
    CHECK_ERR(bst_iopt_map(iopt, ep, 0), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_iopt_map(iopt, ro_space, 0), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_iopt_map(iopt, space, 1ull << 48), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_iopt_map(iopt, space, 0), BST_ILLEGAL_OPERATION); /* no IOMMU */
    CHECK_OK(bst_iopt_unmap(iopt));                                 /* not mapped: nothing to do */
    CHECK_ERR(bst_invoke(iopt, BST_INV_IOSPACE_ASSIGN, NULL, 0, NULL, 0), BST_ILLEGAL_OPERATION);

    /* An IOPT has one cap (one place it maps from); an I/O space cap can be copied. */
    bst_cptr_t copy = slot_alloc();
    CHECK_ERR(bst_cnode_copy(ROOT_CNODE, copy, BST_ROOT_DEPTH, ROOT_CNODE, iopt, BST_ROOT_DEPTH,
                             BST_RIGHTS_ALL),
              BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_cnode_copy(ROOT_CNODE, copy, BST_ROOT_DEPTH, ROOT_CNODE, space, BST_ROOT_DEPTH,
                            BST_RIGHTS_ALL));

    /* IOMMU_SETUP: MR0 a device FRAME_4K of the unit's registers, on IRQ control only. */
    CHECK_ERR(bst_invoke(IRQ_CONTROL, BST_INV_IOMMU_SETUP, NULL, 0, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    CHECK_ERR(bst_iommu_setup(IRQ_CONTROL, ep), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_iommu_setup(IRQ_CONTROL, big), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_iommu_setup(IRQ_CONTROL, frame), BST_INVALID_ARGUMENT); /* RAM */
    CHECK_ERR(bst_iommu_setup(ROOT_TCB, frame), BST_ILLEGAL_OPERATION);

    /* Deleting the space (both caps), the table and the frame leaves nothing behind. */
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, copy, BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, ro_space, BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, space, BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, iopt, BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, ntfn, BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, frame, BST_ROOT_DEPTH));
}
