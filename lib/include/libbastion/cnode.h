/*
 * CNode invocations (docs/syscalls.md). The invoked CNode is the root from which the
 * destination (index, depth) is resolved; sources name their own root. For the root
 * task, slot i of its root CNode is (root BST_SLOT_ROOT_CNODE, index i, depth 64).
 */
#ifndef LIBBASTION_CNODE_H
#define LIBBASTION_CNODE_H

#include <libbastion/syscall.h>
#include <bastion/rights.h>

/* Depth that names a root-CNode slot by its index (the root cap's guard fills the rest). */
#define BST_ROOT_DEPTH 64

/* Derive a copy of the source cap into the empty destination, keeping `rights` of it. */
bst_error_t bst_cnode_copy(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                           bst_cptr_t src_root, uint64_t src_index, unsigned src_depth,
                           bst_rights_t rights);

/* As copy, and set the badge (endpoints, notifications) or guard (CNodes). */
bst_error_t bst_cnode_mint(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                           bst_cptr_t src_root, uint64_t src_index, unsigned src_depth,
                           bst_rights_t rights, uint64_t badge);

/* Move the source cap into the empty destination. */
bst_error_t bst_cnode_move(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                           bst_cptr_t src_root, uint64_t src_index, unsigned src_depth);

/* Move, dropping rights and setting the badge or guard on the way. */
bst_error_t bst_cnode_mutate(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                             bst_cptr_t src_root, uint64_t src_index, unsigned src_depth,
                             bst_rights_t rights, uint64_t badge);

/* Delete the cap in the slot (no error if it is empty). */
bst_error_t bst_cnode_delete(bst_cptr_t root, uint64_t index, unsigned depth);

/* Delete every cap derived from the cap in the slot. */
bst_error_t bst_cnode_revoke(bst_cptr_t root, uint64_t index, unsigned depth);

/* Move pivot to dest and src to pivot in one step (dest may be src: a swap). */
bst_error_t bst_cnode_rotate(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                             bst_cptr_t pivot_root, uint64_t pivot_index, unsigned pivot_depth,
                             bst_cptr_t src_root, uint64_t src_index, unsigned src_depth);

#endif
