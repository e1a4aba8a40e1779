/*
 * CNode invocation wrappers; argument order is docs/syscalls.md's.
 */
#include <libbastion/cnode.h>
#include <libbastion/invoke.h>

bst_error_t bst_cnode_copy(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                           bst_cptr_t src_root, uint64_t src_index, unsigned src_depth,
                           bst_rights_t rights)
{
    const uint64_t a[] = {dest_index, dest_depth, src_root, src_index, src_depth, rights};
    return bst_invoke(root, BST_INV_CNODE_COPY, a, 6, NULL, 0);
}

bst_error_t bst_cnode_mint(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                           bst_cptr_t src_root, uint64_t src_index, unsigned src_depth,
                           bst_rights_t rights, uint64_t badge)
{
    const uint64_t a[] = {dest_index, dest_depth, src_root, src_index, src_depth, rights, badge};
    return bst_invoke(root, BST_INV_CNODE_MINT, a, 7, NULL, 0);
}

bst_error_t bst_cnode_move(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                           bst_cptr_t src_root, uint64_t src_index, unsigned src_depth)
{
    const uint64_t a[] = {dest_index, dest_depth, src_root, src_index, src_depth};
    return bst_invoke(root, BST_INV_CNODE_MOVE, a, 5, NULL, 0);
}

bst_error_t bst_cnode_mutate(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                             bst_cptr_t src_root, uint64_t src_index, unsigned src_depth,
                             bst_rights_t rights, uint64_t badge)
{
    const uint64_t a[] = {dest_index, dest_depth, src_root, src_index, src_depth, rights, badge};
    return bst_invoke(root, BST_INV_CNODE_MUTATE, a, 7, NULL, 0);
}

bst_error_t bst_cnode_delete(bst_cptr_t root, uint64_t index, unsigned depth)
{
    const uint64_t a[] = {index, depth};
    return bst_invoke(root, BST_INV_CNODE_DELETE, a, 2, NULL, 0);
}

bst_error_t bst_cnode_revoke(bst_cptr_t root, uint64_t index, unsigned depth)
{
    const uint64_t a[] = {index, depth};
    return bst_invoke(root, BST_INV_CNODE_REVOKE, a, 2, NULL, 0);
}

bst_error_t bst_cnode_rotate(bst_cptr_t root, uint64_t dest_index, unsigned dest_depth,
                             bst_cptr_t pivot_root, uint64_t pivot_index, unsigned pivot_depth,
                             bst_cptr_t src_root, uint64_t src_index, unsigned src_depth)
{
    const uint64_t a[] = {dest_index,  dest_depth, pivot_root, pivot_index,
                          pivot_depth, src_root,   src_index,  src_depth};
    return bst_invoke(root, BST_INV_CNODE_ROTATE, a, 8, NULL, 0);
}
