/*
 * DEBUG_COVERAGE: the kernel's own edge coverage, for a fuzzing root task. Only a
 * coverage kernel (`make CC=clang KCOV=1`, docs/kernel.md "The coverage build") has it;
 * in every other kernel the number is an unknown system call, as the debug calls are in
 * a release kernel.
 *
 * The call: rdi holds the operation, MR0 its argument. The kernel counts, per edge of
 * its instrumented code (the system-call, object, IPC, thread, VM and IRQ code), how
 * often a traced thread ran it (in the system calls it made, and in the interrupts and
 * exceptions taken while it ran); an edge is "hit" once a traced thread has run it.
 */
#ifndef BASTION_ABI_COVERAGE_H
#define BASTION_ABI_COVERAGE_H

typedef enum bst_coverage_op {
    /* Returns: rdi the edges hit, rsi the edges instrumented, MR0 and MR1 the same for
     * the system-call decode layer (docs/kernel.md), MR2 the edge runs counted. */
    BST_COVERAGE_INFO = 0,
    /* MR0: a TCB cap. Count the edges that thread runs from now on, besides those of the
     * threads already traced (at most BST_COVERAGE_TRACED_MAX; more is RANGE_ERROR). */
    BST_COVERAGE_TRACE = 1,
    /* Trace no thread. */
    BST_COVERAGE_UNTRACE = 2,
    /* Every count back to 0. */
    BST_COVERAGE_RESET = 3,
    /* The runs of each edge since the last COLLECT, sorted into the buckets 1, 2, 3, 4-7,
     * 8-15, 16-31, 32-127 and 128 or more: returns in rdi how many (edge, bucket) pairs
     * no COLLECT since the last RESET had seen. A fuzzer keeps what brought new ones. */
    BST_COVERAGE_COLLECT = 4,
} bst_coverage_op_t;

#define BST_COVERAGE_TRACED_MAX 4

#endif
