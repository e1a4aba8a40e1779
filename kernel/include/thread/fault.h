/*
 * User faults: what a thread did wrong, and what happens to it. Until fault endpoints
 * carry faults as messages (IPC), a faulting thread is suspended and the kernel
 * prints a report; the kernel itself is never affected.
 */
#ifndef BASTION_THREAD_FAULT_H
#define BASTION_THREAD_FAULT_H

#include <thread/tcb.h>

enum user_fault_kind {
    USER_FAULT_PAGE,           /* unmapped or protected address */
    USER_FAULT_PROTECTION,     /* general protection */
    USER_FAULT_UNDEFINED_INSN, /* invalid instruction */
    USER_FAULT_DIVIDE,         /* divide error */
    USER_FAULT_UNKNOWN_SYSCALL,
    USER_FAULT_BAD_IP,     /* resumed at an address it cannot execute */
    USER_FAULT_OTHER,      /* any other exception */
    USER_FAULT_CAPABILITY, /* an IPC system call named a bad capability */
    USER_FAULT_TIMEOUT,    /* its scheduling context ran out of budget */
};

struct user_fault {
    enum user_fault_kind kind;
    unsigned vector;  /* the architecture's exception number */
    uint64_t address; /* the faulting data address, for page faults */
    uint64_t code;    /* the architecture's error code, or the syscall number */
    uint64_t ip;
};

/* t faulted (it is the current thread, or about to be): handle it. */
void thread_fault(struct tcb *t, const struct user_fault *f);

/* t's scheduling context ran out of budget: if t has a timeout endpoint, send it a
 * timeout fault (t then waits for the handler's reply) and return true. */
bool thread_timeout_fault(struct tcb *t);

/* t would be resumed at an instruction pointer it may not have. */
void thread_fault_bad_ip(struct tcb *t);

const char *user_fault_name(enum user_fault_kind k);

/* The fault type in fault messages (bastion/fault.h). */
uint64_t user_fault_abi_label(enum user_fault_kind k);

#endif
