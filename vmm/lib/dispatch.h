/* The exit dispatcher's parts (machine.h), shared by its files only. */
#ifndef VMM_LIB_DISPATCH_H
#define VMM_LIB_DISPATCH_H

#include <vmm/machine.h>

#define VMM_VECTOR_UD 6
#define VMM_VECTOR_GP 13

/* Finish the exiting instruction with these rax-rdx (SET_GPRS and ADVANCE). */
void vmm_set_gprs(struct vmm_action *act, const struct bst_vm_exit_msg *e, uint64_t rax,
                  uint64_t rbx, uint64_t rcx, uint64_t rdx);
/* The exiting instruction faults instead of completing: #GP(0) or #UD, no ADVANCE. */
void vmm_inject_gp(struct vmm_machine *m, struct vmm_action *act);
void vmm_inject_ud(struct vmm_machine *m, struct vmm_action *act);

void vmm_exit_io(struct vmm_machine *m, const struct bst_vm_exit_msg *e, struct vmm_action *act);
void vmm_exit_msr_read(struct vmm_machine *m, const struct bst_vm_exit_msg *e, uint64_t now,
                       struct vmm_action *act);
void vmm_exit_msr_write(struct vmm_machine *m, const struct bst_vm_exit_msg *e, uint64_t now,
                        struct vmm_action *act);

#endif
