/*
 * The virtualisation test root task (suite system-vm; docs/virtualisation.md): the
 * root thread is the VMM of small hand-written guests (guest.S) and checks each exit
 * message, the kernel's refusals, preemption of a spinning guest, and deletion of
 * VCPUs, spaces and frames at awkward times. The shared harness checks the kernel's
 * invariants after every test.
 */
#ifndef VM_TESTS_H
#define VM_TESTS_H

#include "../roottask.h"

#include <libbastion/vcpu.h>

#define GPA_CODE 0x0000ull
#define GPA_DATA 0x1000ull
#define GPA_RO   0x2000ull
#define GPA_NONE 0x3000ull

/* The guest programs (guest.S). */
extern const char guest_start[], guest_end[];
extern const char guest_exits[], guest_storm[], guest_spin[], guest_irq[], guest_irq_handler[];
extern const char guest_read_probe[], guest_triple[], guest_vmrun[], guest_xsetbv[];
extern const char guest_xgetbv[], guest_dr_write[], guest_dr_read[];

/* One guest: its VCPU (bound to the root thread), space, tables and pages, and the
 * VMM's mappings of the data and read-only pages. */
struct vm {
    bst_cptr_t vcpu, gspace, gpt[3];
    bst_cptr_t code, data, ro;
    uint64_t window;
    volatile uint32_t *data_view;
    volatile uint32_t *ro_view;
};

/* Make, map and bind everything; the guest's code copied to gpa 0 and its registers set
 * to flat 32-bit protected mode at guest_start. */
bst_error_t vm_setup(struct vm *vm);
/* Flat 32-bit protected mode (CPL 0, paging off, stack at 0x1f00) at `entry`. */
bst_error_t vm_flat32(struct vm *vm, const char *entry);
/* The guest-physical address of a label in guest.S. */
uint64_t vm_gpa(const char *label);
/* Run with `flags`; the exit to *exit. */
bst_error_t vm_run(struct vm *vm, uint64_t flags, struct bst_vm_exit_msg *exit);
/* Finish the last exit's instruction with rax and rdx (rbx, rcx as they were), run on. */
bst_error_t vm_answer(struct vm *vm, const struct bst_vm_exit_msg *last, uint64_t rax, uint64_t rdx,
                      struct bst_vm_exit_msg *exit);

#define VM_TESTS(X)                                                                                \
    X(test_vm_exit_sequence, "vm.exit_sequence")                                                   \
    X(test_vm_triple_fault, "vm.triple_fault_shutdown")                                            \
    X(test_vm_guest_vmrun, "vm.guest_vmrun_intercepted")                                           \
    X(test_vm_xsetbv, "vm.xsetbv_and_guest_xcr0")                                                  \
    X(test_vm_invalid_state, "vm.invalid_state_is_an_exit")                                        \
    X(test_vm_debug_registers, "vm.debug_registers_per_guest")                                     \
    X(test_vm_exit_storm, "vm.exit_storm_100k")                                                    \
    X(test_vm_inject_interrupt, "vm.inject_interrupt")                                             \
    X(test_vm_registers, "vm.registers_roundtrip")                                                 \
    X(test_vm_register_refusals, "vm.register_refusals")                                           \
    X(test_vm_refusals, "vm.refusals")                                                             \
    X(test_vm_unmap_flushes, "vm.unmap_no_stale_translation")                                      \
    X(test_vm_delete_frame_flushes, "vm.delete_mapped_frame")                                      \
    X(test_vm_delete_space_bound, "vm.delete_space_while_bound")                                   \
    X(test_vm_delete_blocked_vmm, "vm.delete_while_vmm_blocked")                                   \
    X(test_vm_preempt_spin, "vm.spinning_guest_preempted")

VM_TESTS(TEST_DECL)

#endif
