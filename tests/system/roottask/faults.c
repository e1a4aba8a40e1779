/*
 * User faults: each is taken by the faulting thread (suspended, reported by the
 * kernel), never by the kernel or the root task.
 */
#include "probe_child.h"

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
