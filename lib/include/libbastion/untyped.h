/*
 * Untyped memory: the only way to make kernel objects (docs/syscalls.md).
 */
#ifndef LIBBASTION_UNTYPED_H
#define LIBBASTION_UNTYPED_H

#include <libbastion/syscall.h>
#include <bastion/objtype.h>

/*
 * Make `count` objects of `type` from the untyped cap `ut` and put caps to them in
 * slots dest_index .. dest_index + count - 1 of the CNode `dest_cnode`. size_bits is
 * the size of a new Untyped or the radix of a new CNode, 0 for every other type.
 */
bst_error_t bst_untyped_retype(bst_cptr_t ut, bst_objtype_t type, unsigned size_bits,
                               bst_cptr_t dest_cnode, uint64_t dest_index, uint64_t count);

#endif
