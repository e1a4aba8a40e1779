/*
 * IRQ and I/O port invocation wrappers; argument order is docs/syscalls.md's.
 */
#include <libbastion/device.h>
#include <libbastion/invoke.h>

bst_error_t bst_irq_control_get_ioapic(bst_cptr_t control, uint64_t line, unsigned trigger,
                                       unsigned polarity, bst_cptr_t dest_cnode,
                                       uint64_t dest_index)
{
    const uint64_t a[] = {line, trigger, polarity, dest_cnode, dest_index};
    return bst_invoke(control, BST_INV_IRQ_CONTROL_GET_IOAPIC, a, 5, NULL, 0);
}

bst_error_t bst_irq_control_get_msi(bst_cptr_t control, bst_cptr_t dest_cnode, uint64_t dest_index,
                                    struct bst_msi_message *msg)
{
    const uint64_t a[] = {dest_cnode, dest_index};
    uint64_t r[3] = {0, 0, 0};
    bst_error_t e = bst_invoke(control, BST_INV_IRQ_CONTROL_GET_MSI, a, 2, r, 3);
    msg->address = r[0];
    msg->data = r[1];
    msg->line = r[2];
    return e;
}

bst_error_t bst_irq_control_get_msi_for(bst_cptr_t control, bst_cptr_t dest_cnode,
                                        uint64_t dest_index, uint64_t source_id,
                                        struct bst_msi_message *msg)
{
    const uint64_t a[] = {dest_cnode, dest_index, source_id};
    uint64_t r[3] = {0, 0, 0};
    bst_error_t e = bst_invoke(control, BST_INV_IRQ_CONTROL_GET_MSI, a, 3, r, 3);
    msg->address = r[0];
    msg->data = r[1];
    msg->line = r[2];
    return e;
}

bst_error_t bst_irq_handler_set_notification(bst_cptr_t irq, bst_cptr_t ntfn)
{
    const uint64_t a[] = {ntfn};
    return bst_invoke(irq, BST_INV_IRQ_HANDLER_SET_NOTIFICATION, a, 1, NULL, 0);
}

bst_error_t bst_irq_handler_ack(bst_cptr_t irq)
{
    return bst_invoke(irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0);
}

bst_error_t bst_irq_handler_clear(bst_cptr_t irq)
{
    return bst_invoke(irq, BST_INV_IRQ_HANDLER_CLEAR, NULL, 0, NULL, 0);
}

bst_error_t bst_ioport_control_issue(bst_cptr_t control, uint64_t first, uint64_t last,
                                     bst_cptr_t dest_cnode, uint64_t dest_index)
{
    const uint64_t a[] = {first, last, dest_cnode, dest_index};
    return bst_invoke(control, BST_INV_IOPORT_CONTROL_ISSUE, a, 4, NULL, 0);
}

bst_error_t bst_ioport_cap_in(bst_cptr_t cap, unsigned bytes, uint64_t port, uint64_t *value)
{
    bst_invocation_t label = bytes == 1   ? BST_INV_IOPORT_IN8
                             : bytes == 2 ? BST_INV_IOPORT_IN16
                             : bytes == 4 ? BST_INV_IOPORT_IN32
                                          : BST_INV_INVALID;
    if (label == BST_INV_INVALID)
        return BST_INVALID_ARGUMENT;
    return bst_invoke(cap, label, &port, 1, value, 1);
}

bst_error_t bst_ioport_cap_out(bst_cptr_t cap, unsigned bytes, uint64_t port, uint64_t value)
{
    bst_invocation_t label = bytes == 1   ? BST_INV_IOPORT_OUT8
                             : bytes == 2 ? BST_INV_IOPORT_OUT16
                             : bytes == 4 ? BST_INV_IOPORT_OUT32
                                          : BST_INV_INVALID;
    if (label == BST_INV_INVALID)
        return BST_INVALID_ARGUMENT;
    const uint64_t a[] = {port, value};
    return bst_invoke(cap, label, a, 2, NULL, 0);
}
