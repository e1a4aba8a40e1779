/*
 * The object layer as a whole: its initialisation and its invariant checker.
 */
#ifndef BASTION_OBJECT_OBJECTS_H
#define BASTION_OBJECT_OBJECTS_H

#include "object/cap.h"

/* Reset all object-layer state (empty CDT, empty reap queue). Boot and host tests. */
void objects_init(void);

struct invariant_result {
    bool ok;
    const char *why;         /* the first violated invariant (static string) */
    const struct cte *where; /* the slot it was found at, when there is one */
};

/*
 * Walk every capability, the whole CDT, every untyped and every live CNode and check
 * every invariant in docs/capabilities.md. O(caps + slots of live CNodes), plus
 * O(k^2) for the k children of the CDT root. Read-only.
 */
struct invariant_result objects_check_invariants(void);

#endif
