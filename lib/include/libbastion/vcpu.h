/*
 * Virtualisation invocations (docs/virtualisation.md, docs/syscalls.md "Virtualisation"):
 * build a guest-physical address space, bind a virtual CPU to the calling VMM thread
 * and that space, set up the guest's registers, run it and read why it stopped.
 *
 * A VMM thread's loop is: bst_vcpu_run() -> emulate what the exit message asks for ->
 * bst_vcpu_run() again with the emulation's results (BST_VCPU_RUN_ADVANCE, SET_GPRS).
 */
#ifndef LIBBASTION_VCPU_H
#define LIBBASTION_VCPU_H

#include <bastion/vcpu.h>
#include <libbastion/syscall.h>

/* Bind `vcpu` to the thread `tcb` (the only one that may run it; a thread runs at most
 * one VCPU) and the guest-physical space `gspace`. Binding again moves it. */
bst_error_t bst_vcpu_bind(bst_cptr_t vcpu, bst_cptr_t tcb, bst_cptr_t gspace);

/* What the next entry does before the guest runs (VCPU_RUN's arguments). */
struct bst_vcpu_resume {
    uint64_t flags;              /* BST_VCPU_RUN_* */
    uint64_t rax, rbx, rcx, rdx; /* with BST_VCPU_RUN_SET_GPRS */
};

/* Run the guest on the calling thread (which `vcpu` is bound to) until it exits to the
 * VMM; `resume` may be NULL (no flags). The exit is written to *exit (the IPC buffer
 * carries its words past MR3; the thread needs one). */
bst_error_t bst_vcpu_run(bst_cptr_t vcpu, const struct bst_vcpu_resume *resume,
                         struct bst_vm_exit_msg *exit);

/* Read or write `count` (<= BST_VCPU_REGS_PER_CALL) guest registers from `first`
 * (enum bst_vcpu_reg). Writing checks each value against what the hardware allows and
 * writes none if one is refused (INVALID_ARGUMENT). */
bst_error_t bst_vcpu_read_regs(bst_cptr_t vcpu, unsigned first, unsigned count, uint64_t *values);
bst_error_t bst_vcpu_write_regs(bst_cptr_t vcpu, unsigned first, unsigned count,
                                const uint64_t *values);
/* One register. */
bst_error_t bst_vcpu_read_reg(bst_cptr_t vcpu, unsigned reg, uint64_t *value);
bst_error_t bst_vcpu_write_reg(bst_cptr_t vcpu, unsigned reg, uint64_t value);

/* Put the guest in flat 32-bit protected mode at CPL 0, paging off: every segment based at
 * 0 with a 4 GiB limit (selectors 0x08 code, 0x10 data), CR0 = PE|ET, CR3/CR4/EFER 0,
 * RFLAGS 2, and the given RIP and RSP. The state tests and small guests start from. */
bst_error_t bst_vcpu_set_flat32(bst_cptr_t vcpu, uint64_t rip, uint64_t rsp);

/* Deliver an event (BST_VCPU_EVENT_*) to the guest at its next entry; `error_code`
 * where the event has BST_VCPU_EVENT_ERROR_CODE. SLOT_OCCUPIED if one is pending. */
bst_error_t bst_vcpu_inject(bst_cptr_t vcpu, uint64_t event, uint64_t error_code);

/* Put the guest page table `gpt` into `gspace` at the first level without a table on
 * the way to `gpa`; undo with bst_gpt_unmap (which empties it too). */
bst_error_t bst_gpt_map(bst_cptr_t gpt, bst_cptr_t gspace, uint64_t gpa);
bst_error_t bst_gpt_unmap(bst_cptr_t gpt);

/* Map `frame` (4 KiB, 2 MiB or 1 GiB) at guest-physical `gpa` in `gspace` with
 * BST_GUEST_MAP_* rights (masked by the frame cap's). Undone by bst_frame_unmap or by
 * deleting the cap; the guest's stale translations are flushed before it runs again. */
bst_error_t bst_frame_guest_map(bst_cptr_t frame, bst_cptr_t gspace, uint64_t gpa, uint64_t rights);

#endif
