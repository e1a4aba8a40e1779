/*
 * The world each input of the system-call fuzzer starts from (fuzz_world.c): a booted
 * kernel on the host "architecture" with three threads in two address spaces and two
 * shapes of CSpace, built the way the kernel builds its root task (kernel/roottask.c),
 * and its teardown, which must leave the kernel holding nothing.
 */
#ifndef BASTION_TESTS_HOST_FUZZ_WORLD_H
#define BASTION_TESTS_HOST_FUZZ_WORLD_H

#include "support.h"

#include <thread/tcb.h>

#define FUZZ_THREADS 3

/* Root CNode slots of what the world made (the fuzzer's inputs name caps by slot). */
struct fuzz_slots {
    uint64_t vspace[2];
    uint64_t tcb[FUZZ_THREADS], sc[FUZZ_THREADS], ipc_buffer[FUZZ_THREADS];
    uint64_t endpoint[2], endpoint_badged, notification[2], notification_badged;
    uint64_t reply[FUZZ_THREADS + 1];
    uint64_t cnode;   /* an empty CNode of 16 slots */
    uint64_t guarded; /* the root CNode minted with guard FUZZ_GUARD: thread 2's CSpace */
    uint64_t untyped; /* a 64 KiB RAM untyped */
    uint64_t first_free;
};

struct fuzz_world {
    struct world w;
    /* A copy of the root CNode cap: the threads may delete the one in its slot 1, and the
     * harness still finds the slots (the root CNode is boot memory, never reused). */
    struct cap root;
    struct fuzz_slots slots;
};

/* Root CNode slot `index` (1 .. 255), and its address (depth 64), through the copy. */
struct cte *fuzz_world_slot(struct fuzz_world *fw, uint64_t index);
struct slot_ref fuzz_world_ref(struct fuzz_world *fw, uint64_t index);

/* Thread 2 reaches root CNode slot k at (FUZZ_GUARD << 8) | k: a single-level CSpace
 * whose guard is not 0. */
#define FUZZ_GUARD UINT64_C(0x5a)

/* Where each thread's IPC buffer is mapped (thread 2 is alone in the second VSpace). */
#define FUZZ_IPC_VADDR(i) (UINT64_C(0x10000000) + ((i) % 2) * 0x1000u)

/* Boot and build the world, reset the kernel's global state to a fresh boot's, and run
 * the first kernel exit (thread 0 runs). Aborts if anything fails: that is a harness
 * bug, not a finding. */
void fuzz_world_build(struct fuzz_world *fw);

/* Delete every object: revoke and delete every cap of the root CNode. Returns NULL when
 * the kernel is left holding nothing (no current, queued, throttled or limited thread,
 * no running context, no VSpace identifier, no interrupt line issued); else what it
 * still holds. */
const char *fuzz_world_teardown(struct fuzz_world *fw);

#endif
