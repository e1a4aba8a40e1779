/*
 * Virtual CPUs (docs/virtualisation.md): the generic half of the VCPU object, its
 * binding to one thread and one guest-physical space, and its invocations. The
 * hardware's half (AMD SVM: kernel/arch/x86_64/svm.c) runs the guest and turns its
 * exits into the arch-neutral exit message.
 *
 * Layout of the 16 KiB object: page 0 the hardware's control block, page 1 struct vcpu,
 * pages 2-3 the guest's FPU state. Nothing of the guest's lives in a TCB.
 */
#ifndef BASTION_VM_VCPU_H
#define BASTION_VM_VCPU_H

#include <arch/virt.h>
#include <bastion/vcpu.h>
#include <object/cap.h>

#define VCPU_RECORD_OFFSET 4096
#define VCPU_FPU_OFFSET    8192

struct tcb;

struct vcpu {
    paddr_t obj;                          /* the object's base: the control block */
    struct tcb *tcb;                      /* the thread that may run it; NULL: unbound */
    struct vcpu *bound_next, *bound_prev; /* the list of bound VCPUs */
    unsigned space_id;                    /* the GSPACE bound (0: none) */
    uint64_t space_generation;            /* ... and its generation at the binding */
    uint64_t tlb_seen;                    /* its TLB generation at the last entry */
    unsigned last_cpu;                    /* the CPU of the last entry + 1; 0: none */
    uint8_t reset_done;                   /* arch_vcpu_reset() has run */
    uint8_t event_pending;                /* event/error to inject at the next entry */
    uint64_t event, event_error;          /* BST_VCPU_EVENT_* encoding */
    uint64_t last_insn_len;               /* of the last exit (BST_VCPU_RUN_ADVANCE) */
    struct arch_vcpu arch;                /* the guest's registers the hardware does not keep */
};

_Static_assert(sizeof(struct vcpu) <= 4096, "the record fits its page");

/* VCPU invocations (VCPU_BIND, RUN, READ_REGS, WRITE_REGS, INJECT). */
struct invocation;
bst_error_t vcpu_invoke(struct invocation *inv);

/* The last cap to a VCPU is gone: it is unbound. */
void vcpu_finalise(const struct cap *cap);

/* A thread is being deleted: a VCPU bound to it is unbound. */
void vcpu_forget_thread(const struct tcb *t);

/* Bound VCPUs' records are consistent (DEBUG_CHECK_STATE); NULL or what broke. */
const char *vcpu_check_invariants(void);

/*
 * Architecture hooks (kernel/arch/x86_64/svm.c).
 */
/* Whether the CPU can run guests (AMD: SVM with nested paging); and its boot report. */
bool arch_virt_available(void);
void arch_virt_report(void);
/* The guest state a bound VCPU starts with (docs/virtualisation.md). */
void arch_vcpu_reset(struct vcpu *v);
/* Whether `value` may go into register `reg` (enum bst_vcpu_reg; reg is in range). */
bool arch_vcpu_reg_valid(unsigned reg, uint64_t value);
uint64_t arch_vcpu_get_reg(struct vcpu *v, unsigned reg);
void arch_vcpu_set_reg(struct vcpu *v, unsigned reg, uint64_t value);
/* Every exit's shortcuts: skip `bytes` of the guest's code (its interrupt shadow goes
 * with the instruction); set rax, rbx, rcx, rdx. */
void arch_vcpu_advance(struct vcpu *v, uint64_t bytes);
void arch_vcpu_set_gprs(struct vcpu *v, uint64_t rax, uint64_t rbx, uint64_t rcx, uint64_t rdx);

/* What one entry into the guest needs. */
struct vcpu_entry {
    paddr_t root; /* the GSPACE's table */
    bool flush;   /* flush the space's translations first */
    bool window;  /* exit once the guest can take an external interrupt */
};

enum vcpu_outcome {
    VCPU_EXIT_TO_VMM, /* *msg holds the exit message */
    VCPU_EXIT_HOST,   /* a host interrupt (or NMI, SMI, INIT) ended it: restart the call */
};

/* Run the guest once on the current CPU for the thread `t` (whose FPU state is live).
 * An event pending in `v` is injected (and cleared); one that the exit interrupted is
 * made pending again. */
enum vcpu_outcome arch_vcpu_run(struct vcpu *v, struct tcb *t, const struct vcpu_entry *e,
                                struct bst_vm_exit_msg *msg);

#endif
