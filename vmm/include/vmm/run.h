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
    uint64_t exits;        /* exits handled */
    bst_error_t error;     /* a failed VCPU_RUN (BST_OK otherwise) */
    struct vmm_error stop; /* why the guest stopped (empty: max_exits reached first) */
};

/* Run the guest bound to the caller's thread through `vcpu` for at most max_exits exits.
 * Reports go to the debug console with prefix "vmm: ". */
void vmm_run(bst_cptr_t vcpu, struct vmm_machine *m, uint64_t max_exits, vmm_console_fn console,
             struct vmm_run_result *result);

/* The host's TSC. */
uint64_t vmm_rdtsc(void);

#endif
