/*
 * Random operation engine shared by the model-based random test and the fuzzer.
 *
 * Each step picks an operation on the object layer (retype, copy, mint, move, mutate,
 * delete, revoke, rotate, or a user write to a frame) with arguments drawn from a source
 * of numbers, predicts its result with a simple reference model, runs it (restarting it
 * whenever it is preempted), and then checks the invariant checker and the model
 * against the real state.
 */
#ifndef BASTION_TESTS_HOST_RANDOM_OPS_H
#define BASTION_TESTS_HOST_RANDOM_OPS_H

#include "support.h"

/* Where the engine's choices come from: returns a number in [0, bound), bound >= 1. */
struct choice_source {
    uint64_t (*pick)(void *ctx, uint64_t bound);
    void *ctx;
};

struct engine_stats {
    uint64_t steps;
    uint64_t ok;          /* operations that succeeded */
    uint64_t errors;      /* operations that returned the predicted error */
    uint64_t preemptions; /* PREEMPTED returns that were restarted */
    uint64_t max_caps;    /* most capabilities alive at once */
};

/* Boot a fresh world. */
void engine_start(const struct choice_source *src);

/* One step. Returns false (with `why` filled in) if the kernel and model disagree or an
 * invariant is broken. */
bool engine_step(char *why, size_t why_len);

const struct engine_stats *engine_stats(void);

#endif
