/*
 * Every documented error of the invocations reachable so far (docs/syscalls.md), and
 * that a failed invocation changes nothing.
 */
#include "probe_child.h"

#include <libbastion/string.h>

void test_errors_empty_slot(void)
{
    bst_cptr_t empty = slot_alloc();
    CHECK_ERR(bst_tcb_resume(empty), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_frame_unmap(empty), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_untyped_retype(empty, BST_OBJ_TCB, 0, ROOT_CNODE, slot_alloc(), 1),
              BST_INVALID_CAPABILITY);
}

void test_errors_failed_lookup(void)
{
    const struct bst_bootinfo *bi = env_bootinfo();
    /* Bits above the radix must match the root CNode's zero guard. */
    bst_cptr_t beyond = (bst_cptr_t)1 << bi->root_cnode_radix;
    CHECK_ERR(bst_tcb_resume(beyond | ROOT_TCB), BST_FAILED_LOOKUP);
    CHECK_ERR(bst_tcb_resume(UINT64_MAX), BST_FAILED_LOOKUP);
    /* Slot 0 is never a capability. */
    CHECK_ERR(bst_tcb_resume(0), BST_FAILED_LOOKUP);
    /* A CNode operation with a depth that does not reach a slot. */
    CHECK_ERR(bst_cnode_delete(ROOT_CNODE, slot_alloc(), 0), BST_RANGE_ERROR);
    CHECK_ERR(bst_cnode_delete(ROOT_CNODE, slot_alloc(), 65), BST_RANGE_ERROR);
}

void test_errors_illegal_label(void)
{
    bst_cptr_t tcb, frame;
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &tcb));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    uint64_t args[8] = {0};
    CHECK_ERR(bst_invoke(tcb, BST_INV_FRAME_UNMAP, args, 0, NULL, 0), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_invoke(frame, BST_INV_TCB_RESUME, args, 0, NULL, 0), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_invoke(frame, BST_INV_INVALID, args, 0, NULL, 0), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_invoke(ROOT_VS, BST_INV_TCB_SUSPEND, args, 0, NULL, 0), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_invoke(frame, (bst_invocation_t)4000, args, 8, NULL, 0), BST_ILLEGAL_OPERATION);
    /* A VSpace is mapped by nobody: PAGE_TABLE_MAP on it is not an operation. */
    uint64_t a2[2] = {ROOT_VS, region_alloc()};
    CHECK_ERR(bst_invoke(ROOT_VS, BST_INV_PAGE_TABLE_MAP, a2, 2, NULL, 0), BST_ILLEGAL_OPERATION);
}

void test_errors_wrong_cap_type(void)
{
    bst_cptr_t tcb, frame, l3;
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &tcb));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    CHECK_OK(obj_alloc(BST_OBJ_PT_L3, 0, &l3));
    uint64_t base = region_alloc();
    /* A VSpace argument that is not a VSpace. */
    CHECK_ERR(bst_frame_map(frame, tcb, base, BST_RIGHTS_RW, 0), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_page_table_map(l3, frame, base), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_page_table_map(l3, slot_alloc(), base), BST_INVALID_CAPABILITY);
    /* TCB_CONFIGURE: a CSpace root that is not a CNode, a VSpace that is not one. */
    CHECK_ERR(bst_tcb_configure(tcb, 0, frame, ROOT_VS, 0, 0), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_tcb_configure(tcb, 0, ROOT_CNODE, l3, 0, 0), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_tcb_configure(tcb, 0, ROOT_CNODE, tcb, 0, 0), BST_INVALID_CAPABILITY);
    /* An authority that is not a TCB. */
    CHECK_ERR(bst_tcb_set_priority(tcb, frame, 1), BST_INVALID_CAPABILITY);
    /* Retype into a destination that is not a CNode. */
    CHECK_ERR(bst_untyped_retype(env_ram_untyped(), BST_OBJ_TCB, 0, tcb, 1, 1),
              BST_INVALID_CAPABILITY);
    /* Nothing changed: the frame still maps. */
    CHECK_OK(tables_map(ROOT_VS, base, 1, &(struct tables){0}));
    CHECK_OK(bst_frame_map(frame, ROOT_VS, base, BST_RIGHTS_RW, 0));
}

void test_errors_truncated(void)
{
    bst_cptr_t tcb, frame, l3;
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &tcb));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    CHECK_OK(obj_alloc(BST_OBJ_PT_L3, 0, &l3));
    uint64_t base = region_alloc();
    uint64_t a[24] = {0};
    struct {
        bst_cptr_t cap;
        bst_invocation_t label;
        unsigned need;
    } cases[] = {
        {frame, BST_INV_FRAME_MAP, 4},         {l3, BST_INV_PAGE_TABLE_MAP, 2},
        {tcb, BST_INV_TCB_CONFIGURE, 5},       {tcb, BST_INV_TCB_SET_SPACE, 3},
        {tcb, BST_INV_TCB_SET_IPC_BUFFER, 2},  {tcb, BST_INV_TCB_SET_SCHED_PARAMS, 3},
        {tcb, BST_INV_TCB_SET_PRIORITY, 2},    {tcb, BST_INV_TCB_READ_REGISTERS, 1},
        {tcb, BST_INV_TCB_WRITE_REGISTERS, 2}, {env_ram_untyped(), BST_INV_UNTYPED_RETYPE, 5},
        {ROOT_CNODE, BST_INV_CNODE_COPY, 6},   {ROOT_CNODE, BST_INV_CNODE_MINT, 7},
        {ROOT_CNODE, BST_INV_CNODE_MOVE, 5},   {ROOT_CNODE, BST_INV_CNODE_MUTATE, 7},
        {ROOT_CNODE, BST_INV_CNODE_DELETE, 2}, {ROOT_CNODE, BST_INV_CNODE_REVOKE, 2},
        {ROOT_CNODE, BST_INV_CNODE_ROTATE, 8},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bst_error_t e = bst_invoke(cases[i].cap, cases[i].label, a, cases[i].need - 1, NULL, 0);
        CHECK(e == BST_TRUNCATED_MESSAGE, "%s with %u MRs returned %s",
              bst_invocation_name(cases[i].label), cases[i].need - 1, bst_error_name(e));
    }
    /* WRITE_REGISTERS whose count is longer than the message. */
    a[0] = 0;
    a[1] = BST_TCB_REGISTER_COUNT;
    a[2] = (uint64_t)(uintptr_t)probe_ud;
    CHECK_ERR(bst_invoke(tcb, BST_INV_TCB_WRITE_REGISTERS, a, 2 + 5, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    (void)base;
}

void test_errors_frame_map_unaligned(void)
{
    uint64_t base = region_alloc();
    struct tables t;
    bst_cptr_t f;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &f));
    CHECK_ERR(bst_frame_map(f, ROOT_VS, base + 1, BST_RIGHTS_RW, 0), BST_ALIGNMENT_ERROR);
    CHECK_ERR(bst_frame_map(f, ROOT_VS, base + 2048, BST_RIGHTS_RW, 0), BST_ALIGNMENT_ERROR);
    CHECK_OK(bst_frame_map(f, ROOT_VS, base, BST_RIGHTS_RW, 0));
}

void test_errors_frame_map_occupied(void)
{
    uint64_t base = region_alloc();
    struct tables t;
    bst_cptr_t f1, f2;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f1));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &f2));
    CHECK_ERR(bst_frame_map(f2, ROOT_VS, base, BST_RIGHTS_RW, 0), BST_SLOT_OCCUPIED);
    /* A 2 MiB frame where an L1 table is. */
    bst_cptr_t big;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_2M, 0, &big));
    CHECK_ERR(bst_frame_map(big, ROOT_VS, base, BST_RIGHTS_RW, 0), BST_SLOT_OCCUPIED);
    /* A table where a 2 MiB frame is. */
    CHECK_OK(bst_frame_map(big, ROOT_VS, base + LARGE_PAGE_SIZE, BST_RIGHTS_RW, 0));
    bst_cptr_t l1;
    CHECK_OK(obj_alloc(BST_OBJ_PT_L1, 0, &l1));
    CHECK_ERR(bst_page_table_map(l1, ROOT_VS, base + LARGE_PAGE_SIZE), BST_SLOT_OCCUPIED);
}

void test_errors_frame_map_no_table(void)
{
    uint64_t base = region_alloc();
    bst_cptr_t f, big;
    struct tables t;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &f));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_2M, 0, &big));
    CHECK_ERR(bst_frame_map(f, ROOT_VS, base, BST_RIGHTS_RW, 0), BST_FAILED_LOOKUP);
    CHECK_ERR(bst_frame_map(big, ROOT_VS, base, BST_RIGHTS_RW, 0), BST_FAILED_LOOKUP);
    CHECK_OK(tables_map(ROOT_VS, base, 3, &t));
    CHECK_ERR(bst_frame_map(f, ROOT_VS, base, BST_RIGHTS_RW, 0), BST_FAILED_LOOKUP);
    CHECK_ERR(bst_frame_map(big, ROOT_VS, base, BST_RIGHTS_RW, 0), BST_FAILED_LOOKUP);
}

void test_errors_frame_map_elsewhere(void)
{
    uint64_t base = region_alloc();
    struct tables t, t2;
    bst_cptr_t f, vs;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    CHECK_ERR(bst_frame_map(f, ROOT_VS, base + PAGE_SIZE, BST_RIGHTS_RW, 0), BST_ILLEGAL_OPERATION);
    CHECK_OK(obj_alloc(BST_OBJ_VSPACE, 0, &vs));
    CHECK_OK(tables_map(vs, base, 1, &t2));
    CHECK_ERR(bst_frame_map(f, vs, base, BST_RIGHTS_RW, 0), BST_ILLEGAL_OPERATION);
}

void test_errors_frame_map_kernel(void)
{
    bst_cptr_t f;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &f));
    bst_error_t e = bst_frame_map(f, ROOT_VS, 0xffffffff80000000ull, BST_RIGHTS_RW, 0);
    CHECK(e == BST_INVALID_ARGUMENT || e == BST_FAILED_LOOKUP,
          "mapping a frame at the kernel image returned %s", bst_error_name(e));
    e = bst_frame_map(f, ROOT_VS, BST_USER_TOP, BST_RIGHTS_RW, 0);
    CHECK(e == BST_INVALID_ARGUMENT || e == BST_FAILED_LOOKUP,
          "mapping a frame at the user top returned %s", bst_error_name(e));
}

void test_errors_pt_map(void)
{
    uint64_t base = region_alloc();
    struct tables t;
    bst_cptr_t l3b, l1, l2;
    CHECK_OK(obj_alloc(BST_OBJ_PT_L1, 0, &l1));
    CHECK_OK(obj_alloc(BST_OBJ_PT_L2, 0, &l2));
    /* Missing level above. */
    CHECK_ERR(bst_page_table_map(l1, ROOT_VS, base), BST_FAILED_LOOKUP);
    CHECK_ERR(bst_page_table_map(l2, ROOT_VS, base), BST_FAILED_LOOKUP);
    CHECK_OK(tables_map(ROOT_VS, base, 3, &t));
    CHECK_ERR(bst_page_table_map(l1, ROOT_VS, base), BST_FAILED_LOOKUP);
    /* Occupied slot. */
    CHECK_OK(obj_alloc(BST_OBJ_PT_L3, 0, &l3b));
    CHECK_ERR(bst_page_table_map(l3b, ROOT_VS, base), BST_SLOT_OCCUPIED);
    /* Kernel half and non-canonical addresses. */
    CHECK_ERR(bst_page_table_map(l3b, ROOT_VS, 0xffff800000000000ull), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_page_table_map(l3b, ROOT_VS, 0xffffff8000000000ull), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_page_table_map(l3b, ROOT_VS, BST_USER_TOP), BST_INVALID_ARGUMENT);
    /* Already mapped elsewhere. */
    CHECK_ERR(bst_page_table_map(t.l3, ROOT_VS, region_alloc()), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_page_table_map(l2, ROOT_VS, base));
    CHECK_ERR(bst_page_table_map(l2, ROOT_VS, base + (1ull << 30)), BST_ILLEGAL_OPERATION);
}

void test_errors_tcb_registers(void)
{
    bst_cptr_t tcb;
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &tcb));
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rsp = stack_alloc();
    r.rflags = 0x202;
    const uint64_t bad_rips[] = {0x0000800000000000ull, 0x8000000000000000ull,
                                 0xffffffff80100000ull, 0xffff800000000000ull};
    for (unsigned i = 0; i < 4; i++) {
        r.rip = bad_rips[i];
        bst_error_t e = bst_tcb_write_registers(tcb, BST_TCB_WRITE_RESUME, 3, &r);
        CHECK(e == BST_INVALID_ARGUMENT, "write_registers with rip %lx returned %s",
              (unsigned long)bad_rips[i], bst_error_name(e));
    }
    /* Nothing was written, nothing resumed. */
    struct bst_tcb_regs back;
    CHECK_OK(bst_tcb_read_registers(tcb, 1, &back));
    CHECK(back.rip < BST_USER_TOP, "a rejected rip was stored: %lx", (unsigned long)back.rip);
    uint64_t a[2] = {0};
    CHECK_ERR(bst_invoke(tcb, BST_INV_TCB_READ_REGISTERS, a, 1, NULL, 0), BST_RANGE_ERROR);
    a[0] = BST_TCB_REGISTER_COUNT + 1;
    CHECK_ERR(bst_invoke(tcb, BST_INV_TCB_READ_REGISTERS, a, 1, NULL, 0), BST_RANGE_ERROR);
    uint64_t w[2 + BST_TCB_REGISTER_COUNT + 1] = {0, BST_TCB_REGISTER_COUNT + 1};
    CHECK_ERR(
        bst_invoke(tcb, BST_INV_TCB_WRITE_REGISTERS, w, 2 + BST_TCB_REGISTER_COUNT + 1, NULL, 0),
        BST_RANGE_ERROR);
}

void test_errors_tcb_ipc_buffer(void)
{
    uint64_t base = region_alloc();
    struct tables t;
    bst_cptr_t f, ro, unmapped, tcb;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &f));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &ro));
    CHECK_OK(bst_frame_map(ro, ROOT_VS, base + PAGE_SIZE, BST_RIGHT_READ, 0));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &unmapped));
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &tcb));
    CHECK_ERR(bst_tcb_configure(tcb, 0, ROOT_CNODE, ROOT_VS, base + 8, f), BST_ALIGNMENT_ERROR);
    CHECK_ERR(bst_tcb_configure(tcb, 0, ROOT_CNODE, ROOT_VS, base + 512, f), BST_ALIGNMENT_ERROR);
    /* The frame is not the one at that address, or not mapped at all, or read-only. */
    CHECK_ERR(bst_tcb_configure(tcb, 0, ROOT_CNODE, ROOT_VS, base + PAGE_SIZE, f),
              BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_tcb_configure(tcb, 0, ROOT_CNODE, ROOT_VS, base, unmapped), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_tcb_configure(tcb, 0, ROOT_CNODE, ROOT_VS, base + PAGE_SIZE, ro),
              BST_INVALID_ARGUMENT);
    /* A device frame: the kernel's direct map covers RAM only (issue 26). */
    const struct bst_bootinfo *bi = env_bootinfo();
    bool device = false;
    for (uint64_t i = 0; i < bi->n_untyped && !device; i++) {
        if (bi->untyped_list[i].is_device && bi->untyped_list[i].size_bits >= 12) {
            device = true;
            bst_cptr_t dev = slot_alloc();
            CHECK_OK(
                bst_untyped_retype(bi->untyped.start + i, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, dev, 1));
            CHECK_OK(
                bst_frame_map(dev, ROOT_VS, base + 2 * PAGE_SIZE, BST_RIGHTS_RW, BST_CACHE_UC));
            CHECK_ERR(bst_tcb_configure(tcb, 0, ROOT_CNODE, ROOT_VS, base + 2 * PAGE_SIZE, dev),
                      BST_INVALID_ARGUMENT);
        }
    }
    CHECK(device, "the boot info lists no device untyped to make a device frame from");
    CHECK_ERR(bst_tcb_set_ipc_buffer(tcb, base + 8, f), BST_ALIGNMENT_ERROR);
    CHECK_ERR(bst_tcb_set_ipc_buffer(tcb, base, unmapped), BST_INVALID_ARGUMENT);
    /* A failed configure left the thread unconfigured. */
    CHECK_ERR(bst_tcb_resume(tcb), BST_ILLEGAL_OPERATION);
}

void test_errors_retype(void)
{
    const struct bst_bootinfo *bi = env_bootinfo();
    bst_cptr_t ut = env_ram_untyped(), s = slot_alloc(), taken;
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &taken));
    CHECK_ERR(bst_untyped_retype(ut, BST_OBJ_NULL, 0, ROOT_CNODE, s, 1), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_untyped_retype(ut, BST_OBJ_IRQ_CONTROL, 0, ROOT_CNODE, s, 1),
              BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_untyped_retype(ut, (bst_objtype_t)99, 0, ROOT_CNODE, s, 1), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_untyped_retype(ut, BST_OBJ_TCB, 0, ROOT_CNODE, s, 0), BST_RANGE_ERROR);
    CHECK_ERR(bst_untyped_retype(ut, BST_OBJ_CNODE, 0, ROOT_CNODE, s, 1), BST_RANGE_ERROR);
    CHECK_ERR(bst_untyped_retype(ut, BST_OBJ_TCB, 0, ROOT_CNODE, taken, 1), BST_SLOT_OCCUPIED);
    CHECK_ERR(bst_untyped_retype(ut, BST_OBJ_TCB, 0, ROOT_CNODE, 0, 1), BST_RANGE_ERROR);
    uint64_t slots = (uint64_t)1 << bi->root_cnode_radix;
    CHECK_ERR(bst_untyped_retype(ut, BST_OBJ_TCB, 0, ROOT_CNODE, slots, 1), BST_RANGE_ERROR);
    /* An untyped smaller than the object. */
    for (uint64_t i = 0; i < bi->n_untyped; i++) {
        if (bi->untyped_list[i].size_bits < 30 && !bi->untyped_list[i].is_device) {
            CHECK_ERR(
                bst_untyped_retype(bi->untyped.start + i, BST_OBJ_FRAME_1G, 0, ROOT_CNODE, s, 1),
                BST_NOT_ENOUGH_MEMORY);
            break;
        }
    }
    /* Device untyped makes only frames and untyped. */
    for (uint64_t i = 0; i < bi->n_untyped; i++) {
        if (bi->untyped_list[i].is_device && bi->untyped_list[i].size_bits >= 12) {
            CHECK_ERR(bst_untyped_retype(bi->untyped.start + i, BST_OBJ_TCB, 0, ROOT_CNODE, s, 1),
                      BST_ILLEGAL_OPERATION);
            break;
        }
    }
    /* The slot is still free after all that. */
    CHECK_OK(bst_cnode_copy(ROOT_CNODE, s, 64, ROOT_CNODE, taken, 64, BST_RIGHTS_ALL));
}

void test_errors_cnode(void)
{
    bst_cptr_t f, empty = slot_alloc(), dst = slot_alloc(), taken;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &f));
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &taken));
    CHECK_ERR(bst_cnode_copy(ROOT_CNODE, dst, 64, ROOT_CNODE, empty, 64, BST_RIGHTS_ALL),
              BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_cnode_copy(ROOT_CNODE, taken, 64, ROOT_CNODE, f, 64, BST_RIGHTS_ALL),
              BST_SLOT_OCCUPIED);
    CHECK_ERR(bst_cnode_move(ROOT_CNODE, dst, 64, ROOT_CNODE, empty, 64), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_cnode_copy(f, dst, 64, ROOT_CNODE, f, 64, BST_RIGHTS_ALL), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, empty, 64));
    /* Copy, move, rotate, mutate: the cap ends where it should. */
    CHECK_OK(bst_cnode_copy(ROOT_CNODE, dst, 64, ROOT_CNODE, f, 64, BST_RIGHTS_ALL));
    uint64_t pa_f, pa_d;
    CHECK_OK(bst_frame_get_address(f, &pa_f));
    CHECK_OK(bst_frame_get_address(dst, &pa_d));
    CHECK(pa_f == pa_d, "the copy names another frame");
    bst_cptr_t moved = slot_alloc();
    CHECK_OK(bst_cnode_move(ROOT_CNODE, moved, 64, ROOT_CNODE, dst, 64));
    CHECK_ERR(bst_frame_get_address(dst, &pa_d), BST_INVALID_CAPABILITY);
    CHECK_OK(bst_frame_get_address(moved, &pa_d));
    CHECK(pa_d == pa_f, "the moved cap names another frame");
    CHECK_ERR(bst_cnode_mutate(ROOT_CNODE, dst, 64, ROOT_CNODE, moved, 64, BST_RIGHT_READ, 5),
              BST_INVALID_ARGUMENT);
    CHECK_OK(bst_cnode_mutate(ROOT_CNODE, dst, 64, ROOT_CNODE, moved, 64, BST_RIGHT_READ, 0));
    CHECK_OK(bst_cnode_rotate(ROOT_CNODE, moved, 64, ROOT_CNODE, dst, 64, ROOT_CNODE, taken, 64));
    CHECK_ERR(bst_tcb_suspend(dst), BST_OK);
    CHECK_OK(bst_frame_get_address(moved, &pa_d));
}

void test_errors_revoked_cap(void)
{
    bst_cptr_t f, copy, copy2;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &f));
    CHECK_OK(cap_copy(f, BST_RIGHTS_RW, &copy));
    CHECK_OK(cap_copy(copy, BST_RIGHTS_RW, &copy2));
    uint64_t pa;
    CHECK_OK(bst_frame_get_address(copy2, &pa));
    CHECK_OK(bst_cnode_revoke(ROOT_CNODE, f, 64));
    CHECK_ERR(bst_frame_get_address(copy, &pa), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_frame_get_address(copy2, &pa), BST_INVALID_CAPABILITY);
    CHECK_OK(bst_frame_get_address(f, &pa));
    /* A "forged" CPtr: a slot the root task was never given a cap in. */
    CHECK_ERR(bst_frame_get_address(slot_alloc(), &pa), BST_INVALID_CAPABILITY);
}
