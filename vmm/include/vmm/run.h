/*
 * The VMM thread's loop (run.c): VCPU_RUN, vmm_dispatch, carry out the action, again,
 * until the guest stops. PD-side code (it makes system calls), shared by the VMM PD and
 * the VMM's system test; everything it decides comes from the host-tested library.
 */
#ifndef VMM_RUN_H
#define VMM_RUN_H

#include <libbastion/vcpu.h>
#include <stdint.h>
#include <vmm/machine.h>

/* Where the guest's console bytes go. */
typedef void (*vmm_console_fn)(const uint8_t *bytes, unsigned n);

struct vmm_run_result {
    uint64_t exits; /* exits handled */
    /* TSC cycles the VMM thread spent between VCPU_RUN's return and its next call (the
     * emulation of each exit, the console, injections and register moves), waits for a
     * halted guest left out; and those of the I/O exits alone, with their count. Under
     * QEMU's -icount these are icount cycles (make bench-linux-exit). */
    uint64_t vmm_cycles, io_cycles, io_exits;
    bst_error_t error;     /* a failed VCPU_RUN (BST_OK otherwise) */
    struct vmm_error stop; /* why the guest stopped (empty: max_exits reached first) */
};

/* What the PD around the loop adds; every member may be NULL. */
struct vmm_run_hooks {
    vmm_console_fn console;        /* the guest's console bytes (the UART's) */
    vmm_console_fn virtio_console; /* the virtio console's output (NULL: dropped) */
    /* After every exit, before vmm_dispatch: the place to move input into the emulated
     * devices (vmm_console_input), so that the dispatcher delivers their interrupts. */
    void (*before_dispatch)(struct vmm_machine *m);
    /* A notification came: a SIGNAL exit's word, or the word that ended a wait. Called
     * before the dispatch of that exit (or the wake-up). */
    void (*signalled)(struct vmm_machine *m, uint64_t word);
    /* The guest halted until the host TSC reaches `until` (UINT64_MAX: no timer event):
     * block until then or until a notification comes, and return its word (0: only the
     * time passed or a wake-up of no interest). Called again while the TSC is short of
     * `until` and the word is 0. NULL: yield until the TSC reaches `until`. */
    uint64_t (*wait)(uint64_t until);
};

/* Run the guest bound to the caller's thread through `vcpu` for at most max_exits exits.
 * Reports go to the debug console with prefix "vmm: ". */
void vmm_run_with(bst_cptr_t vcpu, struct vmm_machine *m, uint64_t max_exits,
                  const struct vmm_run_hooks *hooks, struct vmm_run_result *result);

/* The same with only a console. */
void vmm_run(bst_cptr_t vcpu, struct vmm_machine *m, uint64_t max_exits, vmm_console_fn console,
             struct vmm_run_result *result);

/* The host's TSC. */
uint64_t vmm_rdtsc(void);

#endif
