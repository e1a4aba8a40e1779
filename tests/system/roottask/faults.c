/*
 * User faults: each is taken by the faulting thread (suspended, reported by the
 * kernel), never by the kernel or the root task.
 */
#include "probe_child.h"

#include <libbastion/ipc.h>
#include <libbastion/string.h>

void test_faults_invalid_opcode(void)
{
    struct probe_result r;
    CHECK_PROBE_FAULTS(PROBE_UD, 0, 0, &r);
}

void test_faults_divide_error(void)
{
    struct probe_result r;
    CHECK_PROBE_PASSES(PROBE_DIVIDE, 0, 1, &r);
    CHECK(r.value == 1, "1 / 1 = %lu", (unsigned long)r.value);
    CHECK_PROBE_FAULTS(PROBE_DIVIDE, 0, 0, &r);
}

void test_faults_unmapped_read(void)
{
    struct probe_result r;
    CHECK_PROBE_FAULTS(PROBE_READ, region_alloc() + 0x1000, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_READ, 0, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_WRITE, BST_USER_TOP - PAGE_SIZE, 1, &r);
}

void test_faults_kernel_address(void)
{
    struct probe_result r;
    CHECK_PROBE_FAULTS(PROBE_READ, 0xffffffff80100000ull, 0, &r); /* the kernel image */
    CHECK_PROBE_FAULTS(PROBE_READ, 0xffff800000100000ull, 0, &r); /* the physmap */
    CHECK_PROBE_FAULTS(PROBE_WRITE, 0xffff800000100000ull, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_CALL, 0xffffffff80100000ull, 0, &r);
}

void test_faults_noncanonical(void)
{
    struct probe_result r;
    CHECK_PROBE_FAULTS(PROBE_READ, 0x0000800000000000ull, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_READ, 0x8000000000000000ull, 0, &r);
}

void test_faults_restart_after_fault(void)
{
    struct probe_result r;
    CHECK_PROBE_FAULTS(PROBE_UD, 0, 0, &r);
    /* The faulted thread is suspended, not destroyed: skip the ud2 and resume it. */
    struct bst_tcb_regs regs;
    CHECK_OK(bst_tcb_read_registers(r.tcb, 2, &regs));
    regs.rip += 2;
    CHECK_OK(bst_tcb_write_registers(r.tcb, BST_TCB_WRITE_RESUME, 1, &regs));
    CHECK(wait_eq(&r.block->passed, 1), "the resumed thread did not get past the ud2");
}

/*
 * The last page of the user half is never mapped (BST_USER_MAP_TOP): a frame there is
 * refused, so no SYSCALL can return to the non-canonical BST_USER_TOP and every SYSRET
 * is safe (docs/kernel.md). A SYSCALL in the last two bytes of the page below returns
 * to BST_USER_MAP_TOP, where the fetch faults: without a fault endpoint the thread is
 * suspended with a report (roottask.mk expects it); with one, its handler gets a page
 * fault at that address. The kernel keeps running.
 */
void test_faults_syscall_at_map_top(void)
{
    uint64_t rip;
    bst_cptr_t tcb, tcb2, ep, reply, frame;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    CHECK_ERR(bst_frame_map(frame, ROOT_VS, BST_USER_MAP_TOP, BST_RIGHTS_RW, 0),
              BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_frame_map(frame, ROOT_VS, BST_USER_TOP - PAGE_SIZE, BST_RIGHTS_RW, 0),
              BST_INVALID_ARGUMENT);
    CHECK_OK(last_page_syscall(&rip));
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = rip;
    r.rsp = stack_alloc() - 8;
    r.rflags = 0x202;
    r.rax = BST_SYS_YIELD;
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK_OK(bst_debug_name(tcb, "probe-top-syscall"));
    CHECK_OK(bst_tcb_write_registers(tcb, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &r));
    settle();
    struct bst_tcb_regs back;
    CHECK_OK(bst_tcb_read_registers(tcb, 1, &back));
    CHECK(back.rip == BST_USER_MAP_TOP, "the thread's rip is %lx", (unsigned long)back.rip);

    /* With a fault endpoint: the message. */
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_OK(obj_alloc(BST_OBJ_REPLY, 0, &reply));
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &tcb2));
    CHECK_OK(bst_tcb_set_space(tcb2, ep, ROOT_CNODE, ROOT_VS));
    CHECK_OK(bst_tcb_write_registers(tcb2, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &r));
    uint64_t mr[BST_MSG_REGISTERS] = {0}, badge = 1;
    bst_msginfo_t info = 0;
    for (unsigned i = 0; i < 1000 && info == 0; i++) {
        CHECK_OK(bst_nb_recv(ep, reply, &badge, &info, mr));
        if (info == 0)
            settle();
    }
    CHECK(bst_msginfo_label(info) == BST_FAULT_PAGE,
          "the fault endpoint got label %lu, expected PAGE",
          (unsigned long)bst_msginfo_label(info));
    CHECK(mr[0] == BST_USER_MAP_TOP && mr[1] == BST_USER_MAP_TOP,
          "the page fault's instruction pointer is %lx, its address %lx", (unsigned long)mr[0],
          (unsigned long)mr[1]);
    CHECK_OK(bst_reply(reply, bst_msginfo_make(BST_FAULT_REPLY_STOP, 0, 0, 0), NULL));
}
