/*
 * Registers, refusals, translations that must go, deletion at awkward times, and a
 * guest that never exits.
 */
#include "vm.h"

#include <libbastion/ipc.h>

void test_vm_registers(void)
{
    struct vm vm;
    CHECK_OK(vm_setup(&vm));
    uint64_t in[16], out[16];
    for (unsigned i = 0; i < 16; i++) {
        in[i] = 0x1111111111111111ull * (i + 1) ^ 0x0123456789abcdefull;
    }
    in[BST_VCPU_REG_rsp] = 0x7ff0; /* canonical */
    CHECK_OK(bst_vcpu_write_regs(vm.vcpu, 0, 16, in));
    CHECK_OK(bst_vcpu_read_regs(vm.vcpu, 0, 16, out));
    for (unsigned i = 0; i < 16; i++) {
        CHECK(in[i] == out[i], "register %u: wrote 0x%lx read 0x%lx", i, (unsigned long)in[i],
              (unsigned long)out[i]);
    }
    uint64_t v;
    CHECK_OK(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_efer, 1ull << 11)); /* NXE */
    CHECK_OK(bst_vcpu_read_reg(vm.vcpu, BST_VCPU_REG_efer, &v));
    CHECK(v == (1ull << 11), "efer reads 0x%lx (SVME is the kernel's, never shown)",
          (unsigned long)v);
    CHECK_OK(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_fs_attr, 0xc093));
    CHECK_OK(bst_vcpu_read_reg(vm.vcpu, BST_VCPU_REG_fs_attr, &v));
    CHECK(v == 0xc093, "fs attributes read 0x%lx", (unsigned long)v);
    CHECK_OK(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_tsc_offset, 12345));
    CHECK_OK(bst_vcpu_read_reg(vm.vcpu, BST_VCPU_REG_tsc_offset, &v));
    CHECK(v == 12345, "tsc offset reads %lu", (unsigned long)v);
    /* The guest sees what was written: rbx at the first exit of guest_exits. */
    CHECK_OK(vm_flat32(&vm, guest_exits));
    CHECK_OK(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_rbx, 0xfeed));
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK(x.rbx == 0xfeed, "the guest's rbx is 0x%lx", (unsigned long)x.rbx);
}

void test_vm_register_refusals(void)
{
    struct vm vm;
    CHECK_OK(vm_setup(&vm));
    uint64_t before, after;
    CHECK_OK(bst_vcpu_read_reg(vm.vcpu, BST_VCPU_REG_cr0, &before));
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_cr0, 1ull << 32), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_cr0, 1ull << 29), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_cr4, 1ull << 13), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_efer, 1ull << 12), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_fs_base, 1ull << 50), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_lstar, 1ull << 47), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_dr7, 1ull << 40), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_write_reg(vm.vcpu, BST_VCPU_REG_cs_attr, 0x10000), BST_INVALID_ARGUMENT);
    /* One bad value refuses the whole write. */
    const uint64_t three[] = {0x11, 0, 1ull << 50}; /* cr0, cr2, cr3 */
    CHECK_ERR(bst_vcpu_write_regs(vm.vcpu, BST_VCPU_REG_cr0, 3, three), BST_INVALID_ARGUMENT);
    CHECK_OK(bst_vcpu_read_reg(vm.vcpu, BST_VCPU_REG_cr0, &after));
    CHECK(before == after, "a refused write changed cr0");
    uint64_t regs[4];
    CHECK_ERR(bst_vcpu_read_regs(vm.vcpu, 0, 0, regs), BST_RANGE_ERROR);
    CHECK_ERR(bst_vcpu_read_regs(vm.vcpu, BST_VCPU_REG_COUNT - 1, 2, regs), BST_RANGE_ERROR);
    CHECK_ERR(bst_vcpu_read_regs(vm.vcpu, BST_VCPU_REG_COUNT, 1, regs), BST_RANGE_ERROR);
    const uint64_t args[] = {0, 3, 1, 2}; /* three registers, two values */
    CHECK_ERR(bst_invoke(vm.vcpu, BST_INV_VCPU_WRITE_REGS, args, 4, NULL, 0),
              BST_TRUNCATED_MESSAGE);
}

void test_vm_refusals(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&vm));
    bst_cptr_t ep, frame, big, gpt, copy, tcb;
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    /* Wrong capability types. */
    CHECK_ERR(bst_vcpu_bind(vm.vcpu, ep, vm.gspace), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_vcpu_bind(vm.vcpu, ROOT_TCB, ROOT_VS), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_frame_guest_map(frame, ROOT_VS, 0x5000, BST_GUEST_MAP_READ),
              BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_vcpu_run(vm.gspace, NULL, &x), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_invoke(vm.vcpu, BST_INV_FRAME_MAP, NULL, 0, NULL, 0), BST_ILLEGAL_OPERATION);
    /* Mappings: outside the space, unaligned, bad rights, twice, copies of tables. */
    CHECK_ERR(bst_frame_guest_map(frame, vm.gspace, BST_GUEST_PHYS_TOP, BST_GUEST_MAP_READ),
              BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_frame_guest_map(frame, vm.gspace, 0x5001, BST_GUEST_MAP_READ),
              BST_ALIGNMENT_ERROR);
    CHECK_ERR(bst_frame_guest_map(frame, vm.gspace, 0x5000, 0x8), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_frame_guest_map(frame, vm.gspace, 0x5000, BST_GUEST_MAP_WRITE),
              BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_frame_guest_map(vm.data, vm.gspace, 0x5000, BST_GUEST_MAP_READ),
              BST_ILLEGAL_OPERATION); /* mapped already */
    CHECK_ERR(bst_frame_guest_map(frame, vm.gspace, GPA_DATA, BST_GUEST_MAP_READ),
              BST_SLOT_OCCUPIED);
    CHECK_ERR(bst_frame_guest_map(frame, vm.gspace, 1ull << 30, BST_GUEST_MAP_READ),
              BST_FAILED_LOOKUP); /* no tables there */
    CHECK_ERR(bst_frame_map(vm.data, ROOT_VS, region_alloc(), BST_RIGHTS_RW, 0),
              BST_ILLEGAL_OPERATION); /* a guest mapping is the cap's one mapping */
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_2M, 0, &big));
    CHECK_ERR(bst_frame_guest_map(big, vm.gspace, 0x1000, BST_GUEST_MAP_READ), BST_ALIGNMENT_ERROR);
    CHECK_OK(bst_frame_guest_map(big, vm.gspace, 0x200000, BST_GUEST_MAP_READ));
    CHECK_OK(obj_alloc(BST_OBJ_GPT, 0, &gpt));
    CHECK_ERR(bst_gpt_map(gpt, vm.gspace, 0x200000), BST_SLOT_OCCUPIED); /* a 2 MiB page */
    CHECK_ERR(bst_gpt_map(gpt, vm.gspace, BST_GUEST_PHYS_TOP), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_gpt_map(gpt, ROOT_VS, 0), BST_INVALID_CAPABILITY);
    CHECK_ERR(cap_copy(gpt, BST_RIGHTS_ALL, &copy), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_gpt_map(vm.gpt[0], vm.gspace, 1ull << 40), BST_ILLEGAL_OPERATION);
    /* A read-only cap to the space may not change it. */
    bst_cptr_t ro_space;
    CHECK_OK(cap_copy(vm.gspace, BST_RIGHT_READ, &ro_space));
    CHECK_ERR(bst_frame_guest_map(frame, ro_space, 0x5000, BST_GUEST_MAP_READ),
              BST_INSUFFICIENT_RIGHTS);
    /* Events. */
    CHECK_ERR(bst_vcpu_inject(vm.vcpu, 1ull << 8, 0), BST_INVALID_ARGUMENT); /* type 1 */
    CHECK_ERR(bst_vcpu_inject(vm.vcpu, BST_VCPU_EVENT_EXTINT | BST_VCPU_EVENT_ERROR_CODE, 1),
              BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_vcpu_inject(vm.vcpu, 1ull << 31, 0), BST_INVALID_ARGUMENT);
    /* Running: bad flags, a short SET_GPRS, another thread's VCPU, no VCPU bound. */
    const uint64_t bad = 0x80;
    CHECK_ERR(bst_invoke(vm.vcpu, BST_INV_VCPU_RUN, &bad, 1, NULL, 0), BST_INVALID_ARGUMENT);
    const uint64_t short_set[] = {BST_VCPU_RUN_SET_GPRS, 1, 2};
    CHECK_ERR(bst_invoke(vm.vcpu, BST_INV_VCPU_RUN, short_set, 3, NULL, 0), BST_TRUNCATED_MESSAGE);
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK_OK(bst_vcpu_bind(vm.vcpu, tcb, vm.gspace));
    CHECK_ERR(vm_run(&vm, 0, &x), BST_ILLEGAL_OPERATION);
    bst_cptr_t fresh;
    CHECK_OK(obj_alloc(BST_OBJ_VCPU, 0, &fresh));
    CHECK_ERR(bst_vcpu_run(fresh, NULL, &x), BST_ILLEGAL_OPERATION);
    /* Binding moves: back to the root, and it runs. */
    CHECK_OK(bst_vcpu_bind(vm.vcpu, ROOT_TCB, vm.gspace));
    CHECK_OK(vm_flat32(&vm, guest_exits));
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK(x.reason == BST_VM_EXIT_IO, "rebound VCPU: exit %lu", (unsigned long)x.reason);
}

/* Run guest_read_probe until its port exit; the word it read, or a fault. */
static bst_error_t probe(struct vm *vm, struct bst_vm_exit_msg *x)
{
    bst_error_t e = vm_flat32(vm, guest_read_probe);
    return e != BST_OK ? e : vm_run(vm, 0, x);
}

void test_vm_unmap_flushes(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&vm));
    vm.ro_view[0] = 0x5eed;
    CHECK_OK(probe(&vm, &x));
    CHECK(x.reason == BST_VM_EXIT_IO && (uint32_t)x.rax == 0x5eed, "probe read 0x%lx (exit %lu)",
          (unsigned long)x.rax, (unsigned long)x.reason);
    CHECK_OK(bst_frame_unmap(vm.ro));
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x)); /* the loop reads again */
    CHECK(x.reason == BST_VM_EXIT_NESTED_FAULT && x.info0 == GPA_RO && x.info1 == BST_VM_NF_READ,
          "after unmap: exit %lu gpa 0x%lx", (unsigned long)x.reason, (unsigned long)x.info0);
    /* The same through a table: unmapping the leaf GPT takes every page under it. */
    CHECK_OK(bst_frame_guest_map(vm.ro, vm.gspace, GPA_RO, BST_GUEST_MAP_READ));
    CHECK_OK(probe(&vm, &x));
    CHECK(x.reason == BST_VM_EXIT_IO, "remapped: exit %lu", (unsigned long)x.reason);
    CHECK_OK(bst_gpt_unmap(vm.gpt[2]));
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    CHECK(x.reason == BST_VM_EXIT_NESTED_FAULT, "after table unmap: exit %lu",
          (unsigned long)x.reason);
}

void test_vm_delete_frame_flushes(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&vm));
    vm.ro_view[0] = 0x600d;
    CHECK_OK(probe(&vm, &x));
    CHECK(x.reason == BST_VM_EXIT_IO && (uint32_t)x.rax == 0x600d, "probe read 0x%lx",
          (unsigned long)x.rax);
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, vm.ro, BST_ROOT_DEPTH));
    CHECK_OK(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x));
    CHECK(x.reason == BST_VM_EXIT_NESTED_FAULT && x.info0 == GPA_RO,
          "after delete: exit %lu gpa 0x%lx", (unsigned long)x.reason, (unsigned long)x.info0);
    CHECK(kernel_state_check(NULL) == NULL, "invariants after deleting a mapped frame");
}

void test_vm_delete_space_bound(void)
{
    struct vm vm;
    struct bst_vm_exit_msg x;
    CHECK_OK(vm_setup(&vm));
    CHECK_OK(vm_flat32(&vm, guest_exits));
    CHECK_OK(vm_run(&vm, 0, &x));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, vm.gspace, BST_ROOT_DEPTH));
    CHECK(kernel_state_check(NULL) == NULL, "invariants after deleting a bound space");
    CHECK_ERR(vm_run(&vm, BST_VCPU_RUN_ADVANCE, &x), BST_ILLEGAL_OPERATION);
    /* Its tables and frames go too, in any order, while the VCPU is still bound. */
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, vm.gpt[1], BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, vm.code, BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, vm.vcpu, BST_ROOT_DEPTH));
    CHECK(vm_run(&vm, 0, &x) != BST_OK, "a deleted VCPU ran");
}

static void blocked_vmm(struct probe_block *b)
{
    b->started = 1;
    uint64_t word;
    bst_wait((bst_cptr_t)b->arg, &word);
    b->passed = 1;
    for (;;) {
        bst_wait((bst_cptr_t)b->arg, &word);
    }
}

/* A VMM thread blocked in Wait with its VCPU bound: delete the VCPU, then the thread. */
void test_vm_delete_blocked_vmm(void)
{
    static struct probe_block b;
    struct vm vm;
    bst_cptr_t tcb, ep;
    CHECK_OK(vm_setup(&vm));
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ep));
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK_OK(bst_vcpu_bind(vm.vcpu, tcb, vm.gspace));
    b = (struct probe_block){.arg = ep};
    CHECK_OK(thread_start(tcb, blocked_vmm, &b));
    CHECK(wait_eq(&b.started, 1), "the VMM thread did not start");
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, vm.vcpu, BST_ROOT_DEPTH));
    CHECK(kernel_state_check(NULL) == NULL, "invariants after deleting a bound VCPU");
    bst_cptr_t second;
    CHECK_OK(obj_alloc(BST_OBJ_VCPU, 0, &second));
    CHECK_OK(bst_vcpu_bind(second, tcb, vm.gspace));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, tcb, BST_ROOT_DEPTH));
    CHECK(kernel_state_check(NULL) == NULL, "invariants after deleting a VMM thread");
    struct bst_vm_exit_msg x;
    CHECK_ERR(bst_vcpu_run(second, NULL, &x), BST_ILLEGAL_OPERATION); /* unbound now */
    CHECK(b.passed == 0, "the deleted thread ran on");
}

#define SPIN_ROUNDS 3

static struct {
    volatile uint32_t *counter;
    bst_cptr_t ntfn, badged;
    volatile uint64_t rounds;
} spin;

/* Above the root, on a 25% budget: each time it runs again, the guest must have counted
 * on in between (the root's VCPU_RUN was preempted and resumed). After SPIN_ROUNDS such
 * rounds it signals the root's notification, which ends the root's VCPU_RUN. */
static void spin_witness(struct probe_block *b)
{
    uint32_t last = *spin.counter;
    b->started = 1;
    for (;;) {
        uint32_t now = *spin.counter;
        if (now != last) {
            last = now;
            if (++spin.rounds == SPIN_ROUNDS) {
                bst_signal(spin.badged);
            }
        }
    }
}

void test_vm_preempt_spin(void)
{
    static struct probe_block b;
    struct vm vm;
    struct bst_vm_exit_msg x;
    bst_cptr_t tcb, sc;
    CHECK_OK(vm_setup(&vm));
    CHECK_OK(vm_flat32(&vm, guest_spin));
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &spin.ntfn));
    spin.badged = slot_alloc();
    CHECK(spin.badged != 0, "no free slot");
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, spin.badged, BST_ROOT_DEPTH, ROOT_CNODE, spin.ntfn,
                            BST_ROOT_DEPTH, BST_RIGHTS_ALL, 0x4));
    CHECK_OK(bst_tcb_bind_notification(ROOT_TCB, spin.ntfn));
    spin.counter = vm.data_view;
    spin.rounds = 0;
    CHECK_OK(obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, &sc));
    const uint64_t conf[3] = {sc, 5000, 20000};
    CHECK_OK(bst_invoke(BST_SLOT_SCHED_CONTROL, BST_INV_SCHED_CONTROL_CONFIGURE, conf, 3, NULL, 0));
    CHECK_OK(thread_new_bare(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK_OK(bst_invoke(sc, BST_INV_SCHED_CONTEXT_BIND, &tcb, 1, NULL, 0));
    CHECK_OK(thread_start(tcb, spin_witness, &b));
    /* The witness spins through its budget first; then the guest spins with interrupts
     * off until the host timer gives the witness its budget back. */
    bst_error_t e = vm_run(&vm, 0, &x);
    CHECK_OK(bst_tcb_suspend(tcb));
    CHECK_OK(bst_tcb_unbind_notification(ROOT_TCB));
    CHECK_OK(e);
    CHECK(x.reason == BST_VM_EXIT_SIGNAL && x.info0 == 0x4, "exit %s, word 0x%lx",
          bst_vm_exit_name((bst_vm_exit_t)x.reason), (unsigned long)x.info0);
    CHECK(spin.rounds >= SPIN_ROUNDS, "the witness saw %lu rounds", (unsigned long)spin.rounds);
    CHECK(*spin.counter > 0 && x.rip >= vm_gpa(guest_spin) && x.rip < vm_gpa(guest_irq),
          "the guest did not spin where it should (rip 0x%lx)", (unsigned long)x.rip);
}
