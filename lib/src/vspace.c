/*
 * Frame and page-table invocation wrappers; argument order is docs/syscalls.md's.
 */
#include <libbastion/vspace.h>
#include <libbastion/invoke.h>

bst_error_t bst_frame_map(bst_cptr_t frame, bst_cptr_t vspace, uint64_t vaddr, bst_rights_t rights,
                          unsigned attrs)
{
    const uint64_t a[] = {vspace, vaddr, rights, attrs};
    return bst_invoke(frame, BST_INV_FRAME_MAP, a, 4, NULL, 0);
}

bst_error_t bst_frame_unmap(bst_cptr_t frame)
{
    return bst_invoke(frame, BST_INV_FRAME_UNMAP, NULL, 0, NULL, 0);
}

bst_error_t bst_frame_get_address(bst_cptr_t frame, uint64_t *paddr)
{
    uint64_t r[1] = {0};
    bst_error_t e = bst_invoke(frame, BST_INV_FRAME_GET_ADDRESS, NULL, 0, r, 1);
    if (e == BST_OK)
        *paddr = r[0];
    return e;
}

bst_error_t bst_page_table_map(bst_cptr_t pt, bst_cptr_t vspace, uint64_t vaddr)
{
    const uint64_t a[] = {vspace, vaddr};
    return bst_invoke(pt, BST_INV_PAGE_TABLE_MAP, a, 2, NULL, 0);
}

bst_error_t bst_page_table_unmap(bst_cptr_t pt)
{
    return bst_invoke(pt, BST_INV_PAGE_TABLE_UNMAP, NULL, 0, NULL, 0);
}
