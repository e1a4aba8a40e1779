/*
 * Finalisers: one per object type, run when the last capability to an object goes.
 *
 * The hooks below are placeholders for objects that do not exist yet; each moves to its
 * object's own file when that object is implemented. Memory is never freed here: it
 * returns to its untyped when every child of the untyped is gone (untyped.c).
 */
#include "object/finalise.h"
#include "object/cnode.h"

void cap_finalise(const struct cap *cap)
{
    switch (cap_type(cap)) {
    case BST_OBJ_CNODE:
        cnode_finalise(cap);
        break;
    case BST_OBJ_ENDPOINT:
        endpoint_finalise(cap);
        break;
    case BST_OBJ_NOTIFICATION:
        notification_finalise(cap);
        break;
    case BST_OBJ_TCB:
        tcb_finalise(cap);
        break;
    case BST_OBJ_REPLY:
        reply_finalise(cap);
        break;
    case BST_OBJ_SCHED_CONTEXT:
        sched_context_finalise(cap);
        break;
    case BST_OBJ_FRAME_4K:
    case BST_OBJ_FRAME_2M:
    case BST_OBJ_FRAME_1G:
        frame_finalise(cap);
        break;
    case BST_OBJ_PT_L1:
    case BST_OBJ_PT_L2:
    case BST_OBJ_PT_L3:
    case BST_OBJ_VSPACE:
    case BST_OBJ_IOSPACE: /* vm/vspace.c hands it on to vm/iospace.c */
        page_table_finalise(cap);
        break;
    case BST_OBJ_VCPU:
        vcpu_finalise(cap);
        break;
    case BST_OBJ_GSPACE:
        gspace_finalise(cap);
        break;
    case BST_OBJ_KERNEL_IMAGE:
        kimage_finalise(cap);
        break;
    case BST_OBJ_IRQ_HANDLER:
        irq_handler_finalise(cap);
        break;
    case BST_OBJ_IOPORT:
        ioport_finalise(cap);
        break;
    default:
        /* Untyped, the controls, I/O ports: nothing to undo. */
        break;
    }
}
