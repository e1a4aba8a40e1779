/*
 * Deleting and revoking capabilities: the derivation tree's effect on objects.
 *
 * Deleting a capability takes it out of its slot and the CDT. When it was the last
 * capability to its object, the object is finalised (finalise.h). Because all caps to
 * one object are adjacent in the CDT (docs/capabilities.md), "last" is an O(1) test.
 */
#ifndef BASTION_OBJECT_DELETE_H
#define BASTION_OBJECT_DELETE_H

#include "object/cap.h"

/* Whether the cap in `slot` is the only capability to its object. */
bool cap_is_final(const struct cte *slot);

/* Delete the cap in the non-empty `slot`. O(1) plus the object's finaliser. */
void cap_delete_slot(struct cte *slot);

/* Move the cap in non-empty `src` to empty `dst`, keeping its CDT place. */
void cap_move_slot(struct cte *dst, struct cte *src);

/* Delete every descendant of the cap in `slot`, one at a time, with a preemption point
 * after each. Errors: PREEMPTED (call again; deletions so far are kept). */
bst_error_t cap_revoke_slot(struct cte *slot);

#endif
