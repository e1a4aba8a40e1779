/*
 * bst_child_load (libbastion/late_load.h): a parent's request that init load its empty
 * child. init does every check: the caller is not trusted with the child's integrity.
 */
#include <libbastion/late_load.h>
#include <libbastion/pd_abi.h>
#include <libbastion/syscall.h>

#include "pd_internal.h"

bst_error_t bst_child_load(bst_child_t child, const void *image, uint64_t length,
                           enum bst_late_verdict *verdict)
{
    pd_check_channel(pd_start_info()->child_mask, child, "bst_child_load(%u): no such child");
    uint64_t mr[BST_MSG_REGISTERS] = {child, (uint64_t)(uintptr_t)image, length, 0};
    bst_msginfo_t reply = 0;
    bst_error_t e = bst_call(BST_PD_SLOT_INIT, bst_msginfo_new(BST_INIT_REQ_LOAD, 3), mr, &reply);
    if (verdict)
        *verdict = e == BST_OK ? (enum bst_late_verdict)mr[1] : BST_LATE_NOT_EMPTY;
    return e != BST_OK ? e : (bst_error_t)mr[0];
}
