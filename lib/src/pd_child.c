/*
 * Child control for parent PDs (libbastion/pd.h). Stop and resume use the child's TCB
 * cap directly; restart and re-initialisation go to init, which alone knows the child's
 * entry and holds a pristine copy of its image (the spec's segment data).
 */
#include <libbastion/pd.h>
#include <libbastion/syscall.h>
#include <libbastion/tcb.h>

#include "pd_internal.h"

static uint64_t child_tcb(bst_child_t child, const char *what)
{
    pd_check_channel(pd_start_info()->child_mask, child, what);
    return BASTION_SLOT_CHILD_TCB_BASE + child;
}

bst_error_t bst_child_stop(bst_child_t child)
{
    return bst_tcb_suspend(child_tcb(child, "bst_child_stop(%u): no such child"));
}

bst_error_t bst_child_resume(bst_child_t child)
{
    return bst_tcb_resume(child_tcb(child, "bst_child_resume(%u): no such child"));
}

static bst_error_t ask_init(bst_child_t child, enum bst_init_request request)
{
    uint64_t mr[BST_MSG_REGISTERS] = {child, 0, 0, 0};
    bst_msginfo_t reply = 0;
    bst_error_t e = bst_call(BST_PD_SLOT_INIT, bst_msginfo_new(request, 1), mr, &reply);
    return e != BST_OK ? e : (bst_error_t)mr[0];
}

bst_error_t bst_child_restart(bst_child_t child)
{
    child_tcb(child, "bst_child_restart(%u): no such child");
    return ask_init(child, BST_INIT_REQ_RESTART);
}

bst_error_t bst_child_reinit(bst_child_t child)
{
    child_tcb(child, "bst_child_reinit(%u): no such child");
    return ask_init(child, BST_INIT_REQ_REINIT);
}
