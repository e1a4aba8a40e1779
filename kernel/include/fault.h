/*
 * Faults the kernel takes itself. Every one is a kernel bug or a deliberate test: the
 * architecture prints the full register dump, then calls kernel_fault(), which never
 * returns.
 */
#ifndef BASTION_FAULT_H
#define BASTION_FAULT_H

#include "ktypes.h"

enum fault_kind {
    FAULT_PAGE,           /* access to an unmapped or protected address */
    FAULT_UNDEFINED_INSN, /* invalid or undefined instruction */
    FAULT_DIVIDE,         /* integer division by zero or overflow */
    FAULT_PROTECTION,     /* general protection */
    FAULT_DOUBLE,         /* a fault while delivering a fault */
    FAULT_OTHER,
};

struct fault_info {
    enum fault_kind kind;
    unsigned vector;  /* the architecture's exception number */
    const char *name; /* the architecture's name for it, e.g. "#PF page fault" */
    uint64_t address; /* faulting data address, where the kind has one */
    uint64_t ip;      /* faulting instruction */
};

NORETURN void kernel_fault(const struct fault_info *fi);

/* Print "name+0xoff" for a code address, or "?" when it is not kernel code. */
void print_symbol(uint64_t addr);

#endif
