/*
 * Edge coverage of the kernel for a fuzzing root task (KCOV=1 kernels only; docs/kernel.md,
 * "The coverage build"). This file is not instrumented itself.
 *
 * clang's -fsanitize-coverage=trace-pc-guard gives every edge of an instrumented file a
 * 32-bit guard in the section __sancov_guards and calls __sanitizer_cov_trace_pc_guard()
 * with its address each time the edge runs. kcov.ld gathers the guards of the decode
 * layer's files first, then the rest: [kcov_guards_start, kcov_decode_end) and
 * [kcov_decode_end, kcov_guards_end). Each guard holds its edge's runs since the last
 * COLLECT (bits 0-23, saturating) and the buckets of run counts COLLECT has seen (bits
 * 24-31, one bit per bucket, as AFL's hit-count classes); an edge counts only while a
 * traced thread is current (the threads the fuzzer drives, not its own bookkeeping), and
 * is hit once its guard is not 0. The kernel never runs constructors, so the compiler's
 * module constructors (which would call __sanitizer_cov_trace_pc_guard_init) never run:
 * the guards start at 0 in the image, and a reset clears them the same way.
 *
 * A traced thread is known by its TCB's address only, never dereferenced: a TCB deleted
 * while traced leaves a stale entry, which at worst counts the edges of a new TCB made
 * at the same address.
 */
#include <bastion/coverage.h>
#include <kcov.h>
#include <syscall/syscall.h>
#include <thread/sched.h>

extern uint32_t kcov_guards_start[], kcov_decode_end[], kcov_guards_end[];

/* The prototypes clang's instrumentation calls (the names are the compiler's). */
void __sanitizer_cov_trace_pc_guard(uint32_t *guard);
void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop);

#define KCOV_RUNS    0x00ffffffu /* a guard's runs since the last COLLECT */
#define KCOV_BUCKETS 24          /* the shift of its buckets seen */

static struct {
    const struct tcb *traced[BST_COVERAGE_TRACED_MAX];
    uint64_t hit, decode_hit; /* guards not 0 */
    uint64_t runs;            /* edge runs counted */
} kcov;

static inline bool kcov_traced(const struct tcb *t)
{
    for (unsigned i = 0; i < BST_COVERAGE_TRACED_MAX; i++) {
        if (kcov.traced[i] == t && t != NULL) {
            return true;
        }
    }
    return false;
}

void __sanitizer_cov_trace_pc_guard(uint32_t *guard)
{
    /* Not sched_current(): that function is instrumented and would call back here. */
    if (!kcov_traced(KCPU_HOT(sched_state).current)) {
        return;
    }
    uint32_t g = *guard;
    kcov.runs++;
    if (g == 0) {
        kcov.hit++;
        if (guard < kcov_decode_end) {
            kcov.decode_hit++;
        }
    }
    if ((g & KCOV_RUNS) != KCOV_RUNS) {
        *guard = g + 1;
    }
}

/* The bucket of a run count (1 .. KCOV_RUNS): 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+. */
static unsigned kcov_bucket(uint32_t runs)
{
    if (runs <= 3) {
        return runs - 1;
    }
    if (runs < 32) {
        return runs < 8 ? 3 : runs < 16 ? 4 : 5;
    }
    return runs < 128 ? 6 : 7;
}

/* COLLECT: each guard's runs into its bucket bits; returns the bits newly set. */
static uint64_t kcov_collect(void)
{
    uint64_t fresh = 0;
    for (uint32_t *g = kcov_guards_start; g < kcov_guards_end; g++) {
        uint32_t runs = *g & KCOV_RUNS;
        if (runs == 0) {
            continue;
        }
        uint32_t bit = 1u << (KCOV_BUCKETS + kcov_bucket(runs));
        if ((*g & bit) == 0) {
            fresh++;
        }
        *g = (*g | bit) & ~KCOV_RUNS;
    }
    return fresh;
}

/* Every count in [start, stop) back to 0 (the compiler's name for what sets guards up). */
void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop)
{
    for (uint32_t *g = start; g < stop; g++) {
        *g = 0;
    }
}

static bst_error_t kcov_trace(struct tcb *caller, uint64_t cptr)
{
    struct invocation inv = {.caller = caller};
    struct lookup_result l = invocation_lookup_cap(&inv, cptr);
    if (l.status != BST_OK) {
        return l.status;
    }
    if (cap_type(&l.slot->cap) != BST_OBJ_TCB) {
        return BST_INVALID_CAPABILITY;
    }
    const struct tcb *t = tcb_of(&l.slot->cap);
    for (unsigned i = 0; i < BST_COVERAGE_TRACED_MAX; i++) {
        if (kcov.traced[i] == t) {
            return BST_OK;
        }
    }
    for (unsigned i = 0; i < BST_COVERAGE_TRACED_MAX; i++) {
        if (kcov.traced[i] == NULL) {
            kcov.traced[i] = t;
            return BST_OK;
        }
    }
    return BST_RANGE_ERROR;
}

bool kcov_syscall(struct tcb *caller)
{
    struct arch_context *c = &caller->arch.ctx;
    switch (arch_syscall_cptr(c)) {
    case BST_COVERAGE_INFO:
        arch_syscall_set_result(c, BST_OK, kcov.hit,
                                (uint64_t)(kcov_guards_end - kcov_guards_start));
        arch_syscall_set_mr(c, 0, kcov.decode_hit);
        arch_syscall_set_mr(c, 1, (uint64_t)(kcov_decode_end - kcov_guards_start));
        arch_syscall_set_mr(c, 2, kcov.runs);
        break;
    case BST_COVERAGE_TRACE:
        arch_syscall_set_result(c, kcov_trace(caller, arch_syscall_get_mr(c, 0)), 0, 0);
        break;
    case BST_COVERAGE_UNTRACE:
        for (unsigned i = 0; i < BST_COVERAGE_TRACED_MAX; i++) {
            kcov.traced[i] = NULL;
        }
        arch_syscall_set_result(c, BST_OK, 0, 0);
        break;
    case BST_COVERAGE_RESET:
        __sanitizer_cov_trace_pc_guard_init(kcov_guards_start, kcov_guards_end);
        kcov.hit = kcov.decode_hit = kcov.runs = 0;
        arch_syscall_set_result(c, BST_OK, 0, 0);
        break;
    case BST_COVERAGE_COLLECT:
        arch_syscall_set_result(c, BST_OK, kcov_collect(), 0);
        break;
    default:
        arch_syscall_set_result(c, BST_INVALID_ARGUMENT, 0, 0);
        break;
    }
    return true;
}
