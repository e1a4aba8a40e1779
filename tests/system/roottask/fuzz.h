/*
 * The random system-call test (fuzz.c) and its call generator (fuzz_calls.c).
 *
 * Two threads share a sandbox CNode as their CSpace and make random system calls: the
 * IPC calls and Yield with any arguments ("wild" calls), and invocations shaped like
 * the real ones (a label, the cap kind it is meant for, arguments of the kinds it
 * takes) so that most of them get past decoding and do something.
 */
#ifndef ROOTTASK_FUZZ_H
#define ROOTTASK_FUZZ_H

#include "roottask.h"

#include <bastion/invocation.h>

#define FUZZ_RADIX 7
#define FUZZ_DEPTH 64 /* the sandbox's guard makes it a whole 64-bit CSpace */

/* What the sandbox holds at the start. Slots FS_FIRST_FREE.. FS_NAMED are where retype
 * and copies land most often; the generator names slots up to FS_NAMED. */
enum fuzz_slot {
    FS_UNTYPED = 1,
    FS_EP_A,
    FS_EP_B,
    FS_NTFN,
    FS_REPLY,
    FS_FRAME,
    FS_SC,     /* unconfigured: the sandbox has no scheduling control */
    FS_CNODE,  /* the sandbox itself: the parent of both threads' CSpace caps */
    FS_VSPACE, /* a VSpace of its own to map into */
    FS_PT_L3,
    FS_PT_L2,
    FS_PT_L1,
    FS_FRAME_B,
    FS_DEVICE_FRAME,
    FS_IOPORT,  /* port 0x80 (POST codes: writing it does nothing) */
    FS_ROOT_VS, /* a copy of the root's VSpace: the parent of both threads' VSpace caps */
    FS_TCB_A,   /* the two fuzzing threads */
    FS_TCB_B,
    FS_IPC_FRAME, /* a copy of thread A's IPC buffer frame */
    FS_FIRST_FREE,
    FS_NAMED = 24,
};

#define FUZZ_PORT 0x80

/* One fuzzing thread's state, in the root's memory (the thread runs in the root's
 * address space: see fuzz.c for why that is safe). */
struct fuzz_state {
    uint64_t rng;
    struct bst_ipc_buffer *buf; /* its IPC buffer, as it sees it */
    uint64_t region;            /* 512 GiB of address space where it maps */
    volatile uint64_t calls, errors, wild;
    volatile uint64_t ok[BST_INVOCATION_COUNT]; /* invocations that succeeded, by label */
    volatile uint64_t own_space_ops;            /* revokes and deletes of its own spaces' parents */
};

/* The thread body (b->addr: its struct fuzz_state): random system calls for ever. */
void fuzz_thread(struct probe_block *b);

#endif
