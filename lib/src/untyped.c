/*
 * Untyped retype wrapper; argument order is docs/syscalls.md's.
 */
#include <libbastion/untyped.h>
#include <libbastion/invoke.h>

bst_error_t bst_untyped_retype(bst_cptr_t ut, bst_objtype_t type, unsigned size_bits,
                               bst_cptr_t dest_cnode, uint64_t dest_index, uint64_t count)
{
    const uint64_t a[] = {(uint64_t)type, size_bits, dest_cnode, dest_index, count};
    return bst_invoke(ut, BST_INV_UNTYPED_RETYPE, a, 5, NULL, 0);
}
