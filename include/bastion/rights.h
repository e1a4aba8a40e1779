/*
 * Capability rights.
 *
 * A capability carries a subset of four rights. Deriving a capability (copy, mint,
 * mutate) can only keep or drop rights, never add them. What each right allows:
 *   READ         receive on an endpoint, wait on a notification, map a frame readable
 *   WRITE        send on an endpoint, signal a notification, map a frame writable
 *   GRANT        send capabilities through an endpoint
 *   GRANT_REPLY  let a receiver reply to a Call with a capability (grant on the reply)
 */
#ifndef BASTION_ABI_RIGHTS_H
#define BASTION_ABI_RIGHTS_H

#include <stdint.h>

/* X(NAME, bit) */
#define BST_RIGHTS_TABLE(X)                                                                        \
    X(READ, 0)                                                                                     \
    X(WRITE, 1)                                                                                    \
    X(GRANT, 2)                                                                                    \
    X(GRANT_REPLY, 3)

typedef uint8_t bst_rights_t;

enum bst_right {
#define BST_RIGHT_ENUM_ENTRY(name, bit) BST_RIGHT_##name = 1u << (bit),
    BST_RIGHTS_TABLE(BST_RIGHT_ENUM_ENTRY)
#undef BST_RIGHT_ENUM_ENTRY
};

#define BST_RIGHTS_NONE ((bst_rights_t)0)
#define BST_RIGHTS_ALL  ((bst_rights_t)0xf)
#define BST_RIGHTS_RW   ((bst_rights_t)(BST_RIGHT_READ | BST_RIGHT_WRITE))

/* True iff every right in `sub` is also in `super`. */
static inline int bst_rights_subset(bst_rights_t sub, bst_rights_t super)
{
    return (sub & ~super) == 0;
}

#define BST_RIGHT_OR_ENTRY(name, bit) | BST_RIGHT_##name
_Static_assert((0 BST_RIGHTS_TABLE(BST_RIGHT_OR_ENTRY)) == BST_RIGHTS_ALL,
               "BST_RIGHTS_ALL must be exactly the table's rights");
#undef BST_RIGHT_OR_ENTRY

#endif
