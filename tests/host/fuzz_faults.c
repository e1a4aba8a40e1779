/*
 * The fuzzer's rule for faulting threads (fuzz_faults.h), after 8646fbb's bug 4.
 */
#include "fuzz_faults.h"

#include <bastion/invocation.h>
#include <bastion/syscall.h>

#define FAULT_SLOTS 16

/* The faulting threads and their registers then: one that took an exception the input made,
 * or that the kernel made wait to deliver a fault message or for its reply. Such a thread
 * is in no system call: until it runs again its registers are its own, whatever wakes,
 * suspends or resumes it (docs/testing.md, 8646fbb's bug 4), unless something may have
 * written them on purpose since: WRITE_REGISTERS, a reply (RESUME_REGS answers a fault
 * with new registers), a retype (a new thread in the same memory). */
static struct {
    const struct tcb *t;
    uint64_t reg[BST_TCB_REGISTER_COUNT];
} faulted[FAULT_SLOTS];
static unsigned faulted_next;

void fuzz_faults_forget(void)
{
    for (unsigned i = 0; i < FAULT_SLOTS; i++) {
        faulted[i].t = NULL;
    }
}

void fuzz_faults_after_call(struct fuzz_world *fw, uint64_t n, uint64_t cptr, uint64_t info)
{
    uint64_t label = bst_msginfo_label(info);
    bool reply_cap = cptr - 1 >= 255 || cap_type(&fuzz_world_slot(fw, cptr)->cap) == BST_OBJ_REPLY;
    if ((n == BST_SYS_CALL &&
         (label == BST_INV_TCB_WRITE_REGISTERS || label == BST_INV_UNTYPED_RETYPE)) ||
        n == BST_SYS_REPLY_RECV || reply_cap) {
        fuzz_faults_forget();
    }
}

void fuzz_faults_remember(const struct tcb *t)
{
    faulted[faulted_next % FAULT_SLOTS].t = t;
    for (unsigned r = 0; r < BST_TCB_REGISTER_COUNT; r++) {
        faulted[faulted_next % FAULT_SLOTS].reg[r] = t->arch.ctx.reg[r];
    }
    faulted_next++;
}

void fuzz_faults_remember_kernel(void)
{
    for (const struct cte *n = cdt_next_preorder(cdt_root()); n != NULL; n = cdt_next_preorder(n)) {
        if (cap_type(&n->cap) != BST_OBJ_TCB) {
            continue;
        }
        const struct tcb *t = tcb_of(&n->cap);
        bool waits = t->state == THREAD_BLOCKED_SEND || t->state == THREAD_BLOCKED_REPLY;
        bool known = false;
        for (unsigned i = 0; i < FAULT_SLOTS; i++) {
            known |= faulted[i].t == t;
        }
        if (waits && (t->ipc_flags & IPC_FAULT) && !known) {
            fuzz_faults_remember(t);
        }
    }
}

const char *fuzz_faults_check(const struct tcb *t)
{
    static char why[96];
    for (unsigned i = 0; t != NULL && i < FAULT_SLOTS; i++) {
        if (faulted[i].t != t) {
            continue;
        }
        faulted[i].t = NULL;
        for (unsigned r = 0; r < BST_TCB_REGISTER_COUNT; r++) {
            if (t->arch.ctx.reg[r] != faulted[i].reg[r]) {
                snprintf(why, sizeof(why),
                         "register %u of a thread that faulted changed before it ran again", r);
                return why;
            }
        }
    }
    return NULL;
}
