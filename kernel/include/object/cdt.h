/*
 * The capability derivation tree (CDT).
 *
 * Every non-empty slot is a node of one tree whose root is a kernel-owned anchor
 * (cdt_root()): boot capabilities are its children, retyped objects are children of
 * their untyped, copies are children of their source. Revoke deletes exactly a node's
 * descendants; deleting a node hands its children to its parent, in its place.
 *
 * Representation (docs/capabilities.md): each node's children form a doubly linked ring
 * that runs through the parent's `kids` anchor. All operations are O(1) except
 * cdt_parent(), which walks the siblings to the anchor; a node that is the first or last
 * of its siblings finds its parent in O(1) (cdt_adjacent_parent()).
 */
#ifndef BASTION_OBJECT_CDT_H
#define BASTION_OBJECT_CDT_H

#include "object/cap.h"

/* Reset the tree to just the root, with no children. Boot and host tests only. */
void cdt_init(void);

/* The anchor all boot capabilities hang from. It holds a null capability. */
struct cte *cdt_root(void);

/* Whether `n` is linked into the tree (every non-empty slot is; empty slots are not). */
bool cdt_is_linked(const struct cte *n);

/* Make the unlinked node `child` the last child of the linked node (or root) `parent`. */
void cdt_insert_last_child(struct cte *parent, struct cte *child);

/* Unlink `n`; its children take its place among its siblings, in order. O(1). */
void cdt_remove(struct cte *n);

/* Move node `src` (with its place and its children) to the unlinked slot `dst`. */
void cdt_move(struct cte *dst, struct cte *src);

/* Exchange the tree places of two linked nodes. */
void cdt_swap(struct cte *a, struct cte *b);

bool cdt_has_children(const struct cte *n);

/* First child of `n`, or NULL. */
struct cte *cdt_first_child(const struct cte *n);

/* The next / previous sibling of `n`, or NULL at the end of the ring. */
struct cte *cdt_next_sibling(const struct cte *n);
struct cte *cdt_prev_sibling(const struct cte *n);

/* The parent of `n` if `n` is its parent's first or last child, else NULL. O(1). */
struct cte *cdt_adjacent_parent(const struct cte *n);

/* The parent of linked node `n` (cdt_root() for boot caps). O(number of siblings). */
struct cte *cdt_parent(const struct cte *n);

/* The node after `n` in preorder (parents before children), NULL after the last: from
 * cdt_root(), it reaches every capability once. O(1) per step, amortised; read-only. */
struct cte *cdt_next_preorder(const struct cte *n);

#endif
