/*
 * IRQ control and IRQ handler caps (irq/irq.h).
 */
#include <ipc/ipc.h>
#include <irq/irq.h>
#include <object/cdt.h>
#include <object/finalise.h>
#include <syscall/invocation.h>

struct irq_line {
    bool issued;               /* an IRQ handler cap exists */
    bool unacked;              /* fired and not yet acknowledged */
    struct notification *ntfn; /* where it is delivered, if bound */
    uint64_t badge;
    uint64_t count;
};

static struct irq_line lines[IRQ_LINES];

uint64_t irq_count(unsigned irq)
{
    return irq < IRQ_LINES ? lines[irq].count : 0;
}

void irq_raised(unsigned irq)
{
    struct irq_line *l = &lines[irq];
    if (l->unacked) {
        return; /* an edge the local APIC took before the line was masked: not delivered */
    }
    l->unacked = true;
    l->count++;
    if (l->ntfn != NULL) {
        notification_signal(l->ntfn, l->badge);
    } /* unbound: it stays masked until a handler binds and acknowledges it */
}

/* IRQ_CONTROL_GET_IOAPIC: MR0 line, MR1 trigger, MR2 polarity, MR3 dest CNode, MR4 index. */
bst_error_t irq_control_invoke(struct invocation *inv)
{
    if (inv->label != BST_INV_IRQ_CONTROL_GET_IOAPIC) {
        return BST_ILLEGAL_OPERATION; /* GET_MSI: not yet */
    }
    if (inv->length < 5) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t line = invocation_arg(inv, 0), trigger = invocation_arg(inv, 1);
    uint64_t polarity = invocation_arg(inv, 2);
    struct cte *dest;
    bst_error_t e = invocation_dest_slot(inv, 3, &dest);
    if (e != BST_OK) {
        return e;
    }
    if (line >= IRQ_LINES) {
        return BST_RANGE_ERROR;
    }
    if (trigger > 1 || polarity > 1) {
        return BST_INVALID_ARGUMENT;
    }
    if (lines[line].issued) {
        return BST_REVOKE_FIRST; /* one handler per line: delete the other first */
    }
    e = arch_irq_route((unsigned)line, (unsigned)trigger, (unsigned)polarity);
    if (e != BST_OK) {
        return e;
    }
    lines[line] = (struct irq_line){.issued = true};
    dest->cap = cap_make_control(BST_OBJ_IRQ_HANDLER);
    dest->cap.u.irq.irq = line;
    cdt_insert_last_child(inv->slot, dest);
    return BST_OK;
}

/* IRQ_HANDLER_SET_NOTIFICATION (MR0 notification cap, write right), ACK, CLEAR. */
bst_error_t irq_handler_invoke(struct invocation *inv)
{
    unsigned irq = (unsigned)inv->slot->cap.u.irq.irq;
    switch (inv->label) {
    case BST_INV_IRQ_HANDLER_ACK:
        lines[irq].unacked = false;
        arch_irq_unmask(irq);
        return BST_OK;
    case BST_INV_IRQ_HANDLER_CLEAR:
        lines[irq].ntfn = NULL;
        return BST_OK;
    case BST_INV_IRQ_HANDLER_SET_NOTIFICATION: {
        if (inv->length < 1) {
            return BST_TRUNCATED_MESSAGE;
        }
        struct lookup_result l = invocation_lookup_cap(inv, invocation_arg(inv, 0));
        if (l.status != BST_OK) {
            return l.status;
        }
        if (cap_type(&l.slot->cap) != BST_OBJ_NOTIFICATION) {
            return BST_INVALID_CAPABILITY;
        }
        if (!(l.slot->cap.rights & BST_RIGHT_WRITE)) {
            return BST_INSUFFICIENT_RIGHTS;
        }
        lines[irq].ntfn = notification_of(&l.slot->cap);
        lines[irq].badge = cap_badge(&l.slot->cap);
        return BST_OK;
    }
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

/* The last handler cap for a line is gone: mask it and free it for reissue. */
void irq_handler_finalise(const struct cap *cap)
{
    unsigned irq = (unsigned)cap->u.irq.irq;
    arch_irq_mask(irq);
    lines[irq] = (struct irq_line){0};
}

/* A notification is deleted: no line may keep delivering to it. */
void irq_forget_notification(const struct notification *n)
{
    for (unsigned i = 0; i < IRQ_LINES; i++) {
        if (lines[i].ntfn == n) {
            lines[i].ntfn = NULL;
        }
    }
}
