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

/* IPC-buffer words a call may set before it is made: msg[FUZZ_MSG_FIRST ..
 * FUZZ_MSG_FIRST + FUZZ_MSG_WORDS). */
#define FUZZ_MSG_FIRST BST_MSG_REGISTERS
#define FUZZ_MSG_WORDS 8

enum fuzz_call_kind {
    FC_WILD,      /* any IPC call number, cap, label and arguments */
    FC_SHAPED,    /* an invocation shaped like a real one */
    FC_OWN_SPACE, /* the revoke or delete of the caller's own spaces' parents */
};

/* One system call, made but not yet run: its registers and the IPC-buffer words it sets
 * first, msg[0 .. msg_count) and, when `scribble` is set, the extra-cap addresses and the
 * receive slot (the rest of the buffer stays as earlier calls left it). The random test
 * runs each as soon as it is made; the coverage-guided fuzzer (tests/system/kcovfuzz)
 * keeps and changes them. */
struct fuzz_call {
    uint64_t rax, rdi, rsi, mr[BST_MSG_REGISTERS], r12, r13;
    uint64_t msg[FUZZ_MSG_WORDS];
    uint64_t caps[BST_MSG_MAX_EXTRA_CAPS];
    uint64_t receive_cnode, receive_index, receive_depth;
    uint8_t kind; /* enum fuzz_call_kind */
    uint8_t msg_count, scribble;
};

/* The most calls fuzz_calls_next() makes at once (a whole mapping in a row). */
#define FUZZ_CALLS_MAX 4

/* The generator's next calls (1 .. FUZZ_CALLS_MAX of them, into out[]), to be run in
 * order; returns how many. */
unsigned fuzz_calls_next(struct fuzz_state *s, struct fuzz_call *out);

/* Run one call from the thread whose state is s (counting it in s), after making it
 * safe for threads in the root's address space: whatever its words, it cannot set a
 * thread's registers to values that reach the root's code or stacks, give a fault or
 * timeout endpoint, or make a debug call (see fuzz_calls.c). */
void fuzz_call_run(struct fuzz_state *s, const struct fuzz_call *c);

/* The generator's random numbers and argument values, for a fuzzer that changes calls:
 * any value of the kinds the calls take (slots, depths, rights, addresses in the
 * thread's region, object types, sizes, anything). */
uint64_t fuzz_random(struct fuzz_state *s);
uint64_t fuzz_value(struct fuzz_state *s);

/* The thread body (b->addr: its struct fuzz_state): random system calls for ever. */
void fuzz_thread(struct probe_block *b);

/* ---- The sandbox and the two threads (fuzz_sandbox.c) ---- */

/* One fuzzing thread, as the root keeps it. */
struct fuzzer {
    struct fuzz_state s;
    struct probe_block b;
    bst_cptr_t tcb;
    bst_cptr_t cspace, vspace; /* root copies of FS_CNODE and FS_ROOT_VS, its spaces' parents */
    bst_cptr_t ipc_frame;
    uint64_t ipc_vaddr;
    uint64_t seen;
    unsigned restarts;
    void (*body)(struct probe_block *); /* what it runs (NULL: fuzz_thread) */
    uint64_t stack_top;                 /* with a body: its own stack (0: env.c's stack_alloc()) */
};

struct sandbox {
    bst_cptr_t cnode, guarded, ep, device_frame;
    bst_cptr_t pool, scratch; /* sandbox_pool(); pool 0: the root's allocator */
};

/* A fuzzing thread (not started): its state with `seed`, its IPC buffer frame mapped at
 * ipc_vaddr in the root's VSpace, a TCB at the root's priority (equal priorities: the
 * root and the threads take turns). */
bst_error_t fuzzer_new(struct fuzzer *f, uint64_t seed, uint64_t ipc_vaddr);

/* Set a pool aside for sandboxes made again and again (2^size_bits bytes of untyped,
 * the root slots they use, a device frame): each sandbox_delete() gives all back. */
bst_error_t sandbox_pool(struct sandbox *sb, unsigned size_bits);

/* A fresh sandbox for the threads f[0] and f[1] (fuzz.c says what it holds), from sb's
 * pool if it has one (sb zeroed: none). */
bst_error_t sandbox_make(struct sandbox *sb, const struct fuzzer *f);

/* (Re)start a thread: its spaces copied from the sandbox's FS_CNODE and FS_ROOT_VS, its
 * own IPC buffer, no fault endpoint, the root's priority. */
bst_error_t fuzzer_start(const struct sandbox *sb, struct fuzzer *f);

/* Delete everything a sandbox and the threads' spaces hold (the threads suspended
 * first). */
bst_error_t sandbox_delete(const struct sandbox *sb, const struct fuzzer *f);

#endif
