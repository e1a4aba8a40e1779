/*
 * Running one probe in a child thread of the root's address space and telling whether
 * it faulted on the probe (the kernel suspends a faulting thread that has no fault
 * endpoint; its RIP stays on the faulting instruction).
 */
#ifndef ROOTTASK_PROBE_CHILD_H
#define ROOTTASK_PROBE_CHILD_H

#include "roottask.h"

/* Port probes (probes.S; the port is the third argument), and position-independent
 * code for another address space that reads one port. */
uint64_t probe_port_in8(uint64_t unused0, uint64_t unused1, uint64_t port);
uint64_t probe_port_in16(uint64_t unused0, uint64_t unused1, uint64_t port);
void probe_port_out8(uint64_t value, uint64_t unused, uint64_t port);
extern const char probe_port_out8_insn[];
extern const char port_blob_start[], port_blob_in[], port_blob_end[];

enum probe_kind {
    PROBE_READ,   /* value = *(u64 *)addr */
    PROBE_WRITE,  /* *(u64 *)addr = arg */
    PROBE_CALL,   /* call addr */
    PROBE_UD,     /* ud2 */
    PROBE_DIVIDE, /* 1 / arg */
    PROBE_IN8,    /* value = inb(addr) */
    PROBE_IN16,   /* value = inw(addr) */
    PROBE_OUT8,   /* outb(addr, arg) */
};

struct probe_result {
    bool started;          /* the child ran up to the probe */
    bool passed;           /* it got past the probe */
    bool faulted_at_probe; /* it did not, and its RIP is the probe's instruction */
    uint64_t value;        /* what a read probe read */
    uint64_t rip;          /* the child's RIP afterwards */
    bst_cptr_t tcb;
    struct probe_block *block; /* shared with the child (valid for a few more probes) */
};

/* The address a fault of this probe leaves in RIP. */
uint64_t probe_fault_rip(enum probe_kind kind, uint64_t addr);

/* Run the probe in a new high-priority child and report what happened. */
bst_error_t probe_run(enum probe_kind kind, uint64_t addr, uint64_t arg, struct probe_result *res);

/* Checks for tests: the probe passed / faulted on its instruction. */
#define CHECK_PROBE_PASSES(kind, addr, arg, res)                                                   \
    do {                                                                                           \
        CHECK_OK(probe_run(kind, addr, arg, res));                                                 \
        CHECK((res)->passed, "line %d: probe %s at %lx faulted (started %d, rip %lx)", __LINE__,   \
              #kind, (unsigned long)(addr), (res)->started, (unsigned long)(res)->rip);            \
    } while (0)

#define CHECK_PROBE_FAULTS(kind, addr, arg, res)                                                   \
    do {                                                                                           \
        CHECK_OK(probe_run(kind, addr, arg, res));                                                 \
        CHECK((res)->started, "line %d: the probe child never ran", __LINE__);                     \
        CHECK(!(res)->passed, "line %d: probe %s at %lx did not fault", __LINE__, #kind,           \
              (unsigned long)(addr));                                                              \
        CHECK((res)->faulted_at_probe, "line %d: faulted child's rip %lx, expected %lx", __LINE__, \
              (unsigned long)(res)->rip, (unsigned long)probe_fault_rip(kind, addr));              \
    } while (0)

#endif
