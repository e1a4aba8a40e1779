/*
 * Fault injection for tests (docs/supervision.md, "Fault injection"): a PD marks named
 * code points with bst_fault_point(); a system that sets the PD's variable
 * bst_fault_inject (a <setvar>) makes it fault at a random one of them.
 *
 *   <setvar symbol="bst_fault_inject" value="N"/>       mean points passed between faults
 *   <setvar symbol="bst_fault_inject_seed" value="S"/>  optional: another random sequence
 *   <setvar symbol="bst_fault_inject_limit" value="G"/> optional: no more faults once the
 *                                                       PD's generation is G (its G-th
 *                                                       restart), so that a test can check
 *                                                       it whole afterwards
 *
 * With bst_fault_inject 0 (every system that does not set it) a point costs a load and a
 * branch and never faults: release systems simply do not set it. When armed, the PD
 * counts points down from a random number in [1, 2N] drawn from the seed, its PD index
 * and its generation (so every run after a re-initialisation, which resets the count,
 * faults somewhere else), and at zero writes to an unmapped address: a real page fault,
 * delivered to its parent like any other.
 */
#ifndef LIBBASTION_FAULT_INJECT_H
#define LIBBASTION_FAULT_INJECT_H

#include <stdint.h>

extern uint64_t bst_fault_inject, bst_fault_inject_seed; /* setvar; 0: off */
extern uint64_t bst_fault_inject_limit;                  /* setvar; 0: no limit */

void bst_fault_point_hit(const char *name);

/* A point where an injected fault may happen: `name` is printed when it does. */
static inline void bst_fault_point(const char *name)
{
    if (__builtin_expect(bst_fault_inject != 0, 0))
        bst_fault_point_hit(name);
}

#endif /* LIBBASTION_FAULT_INJECT_H */
