/*
 * IRQ control and IRQ handler caps (irq/irq.h): IOAPIC pins masked at the controller,
 * MSIs masked here (a latched arrival is delivered by the acknowledgement).
 */
#include <ipc/ipc.h>
#include <kpercpu.h>
#include <irq/irq.h>
#include <object/cdt.h>
#include <object/finalise.h>
#include <syscall/invocation.h>
#include <thread/domain_irq.h>
#include <thread/sched.h>
#include <vm/iospace.h>

struct irq_line {
    bool issued;               /* an IRQ handler cap exists */
    bool unacked;              /* fired and not yet acknowledged */
    bool latched;              /* MSI: arrived again while unacknowledged */
    bool hidden;               /* a pin masked for another domain's slot (time protection) */
    uint8_t cpu;               /* the CPU it is delivered to (the SMP kernel: follow()) */
    struct notification *ntfn; /* where it is delivered, if bound */
    uint64_t badge;
    uint64_t count;
};

static struct irq_line lines[IRQ_LINES];

/* The pins irq_domain_enter() must look at (bound to a notification, or hidden), so that
 * a protected switch scans a few bits rather than every line. */
static uint64_t watched[(IRQ_LINES + 63) / 64];

static void watch_update(unsigned i)
{
    const struct irq_line *l = &lines[i];
    uint64_t bit = 1ull << (i % 64);
    if (l->issued && !irq_line_is_msi(i) && (l->ntfn != NULL || l->hidden)) {
        watched[i / 64] |= bit;
    } else {
        watched[i / 64] &= ~bit;
    }
}

uint64_t irq_count(unsigned irq)
{
    return irq < IRQ_LINES ? lines[irq].count : 0;
}

static bool is_msi(unsigned irq)
{
    return irq_line_is_msi(irq);
}

/* Deliver one interrupt of line l: it is masked from now until acknowledged. */
static void deliver(struct irq_line *l)
{
    l->unacked = true;
    l->count++;
    if (l->ntfn != NULL) {
        notification_signal(l->ntfn, l->badge);
    } /* unbound: it stays masked until a handler binds and acknowledges it */
}

/* Under time protection: deliver now, or keep the line unacknowledged until its domain's
 * slot. Out of line, so that without protection irq_raised() stays a leaf that ends in a
 * jump (a call site there cost every interrupt a stack frame: 13 instructions). */
static __attribute__((noinline)) void raised_protected(struct irq_line *l, unsigned irq)
{
    if (domain_irq_defer(irq, l->ntfn)) {
        l->unacked = true;
        return;
    }
    deliver(l);
}

void irq_raised(unsigned irq)
{
    struct irq_line *l = &lines[irq];
    if (!l->issued) {
        return; /* a device programmed with a vector nobody holds (any more) */
    }
    if (l->unacked) {
        /* A pin: an edge the local APIC took before the line was masked, not delivered
         * (a level line raises it again when unmasked). An MSI: nothing masked it at
         * the device, so remember it for the acknowledgement. */
        l->latched = is_msi(irq);
        return;
    }
    if (__builtin_expect(domain_state.protect, 0)) { /* time protection (thread/domain_irq.h) */
        raised_protected(l, irq);
        return;
    }
    deliver(l);
}

void irq_deliver_deferred(unsigned irq)
{
    if (irq < IRQ_LINES && lines[irq].issued) {
        deliver(&lines[irq]);
    }
}

/* The SMP kernel: deliver line i to the CPU of the thread its notification would wake
 * (its first waiter, else its bound thread: the time-protection owner rule), so that the
 * interrupt is taken there and wakes it without an IPI. Looked at when the notification
 * is set and at every acknowledgement (a waiter that came meanwhile counts); a line with
 * no such thread stays where it was. Nothing in the single-CPU kernel (KCPU_COUNT 1). */
static void follow(unsigned i)
{
    if (KCPU_COUNT == 1) {
        return;
    }
    struct irq_line *l = &lines[i];
    const struct notification *n = l->ntfn;
    const struct tcb *t = NULL;
    if (n != NULL) {
        t = n->queue.head != NULL ? n->queue.head : n->bound;
    }
    if (t == NULL || t->sc == NULL) {
        return;
    }
    unsigned cpu = sched_cpu_of(t);
    if (cpu != l->cpu) {
        l->cpu = (uint8_t)cpu;
        arch_irq_set_cpu(i, cpu);
    }
}

/* The line goes back to the boot CPU (its state is about to be cleared). */
static void unfollow(unsigned i)
{
    if (KCPU_COUNT > 1 && lines[i].cpu != 0) {
        lines[i].cpu = 0;
        arch_irq_set_cpu(i, 0);
    }
}

/* The issued handler for line `line` into dest (a slot that decode found empty). */
static void issue_handler(struct invocation *inv, struct cte *dest, unsigned line)
{
    lines[line] = (struct irq_line){.issued = true};
    watch_update(line);
    dest->cap = cap_make_control(BST_OBJ_IRQ_HANDLER);
    dest->cap.u.irq.irq = line;
    cdt_insert_last_child(inv->slot, dest);
}

/* IRQ_CONTROL_GET_MSI: MR0 dest CNode, MR1 index, optionally MR2 the PCI requester id
 * of the one device that may raise it (checked where the interrupt remapper can). Replies
 * MR0 the message address, MR1 the message data the device must write, MR2 the line. */
static bst_error_t irq_control_get_msi(struct invocation *inv)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *dest;
    bst_error_t e = invocation_dest_slot(inv, 0, &dest);
    if (e != BST_OK) {
        return e;
    }
    uint64_t source = inv->length >= 3 ? invocation_arg(inv, 2) : MSI_ANY_SOURCE;
    if (inv->length >= 3 && source > 0xffff) {
        return BST_RANGE_ERROR;
    }
    unsigned line = IRQ_MSI_FIRST;
    while (line < IRQ_MSI_END && lines[line].issued) {
        line++;
    }
    if (line == IRQ_MSI_END) {
        return BST_REVOKE_FIRST; /* every MSI vector is issued: delete a handler first */
    }
    struct msi_message m = arch_irq_msi_message(line, source);
    issue_handler(inv, dest, line);
    invocation_reply(inv, 0, m.address);
    invocation_reply(inv, 1, m.data);
    invocation_reply(inv, 2, line);
    return BST_OK;
}

/* IRQ control: GET_MSI (above), or GET_IOAPIC: MR0 GSI, MR1 trigger, MR2 polarity, MR3
 * dest CNode, MR4 index. */
bst_error_t irq_control_invoke(struct invocation *inv)
{
    if (inv->label == BST_INV_IRQ_CONTROL_GET_MSI) {
        return irq_control_get_msi(inv);
    }
    if (inv->label != BST_INV_IRQ_CONTROL_GET_IOAPIC) {
        return BST_ILLEGAL_OPERATION;
    }
    if (inv->length < 5) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t gsi = invocation_arg(inv, 0), trigger = invocation_arg(inv, 1);
    uint64_t polarity = invocation_arg(inv, 2);
    struct cte *dest;
    bst_error_t e = invocation_dest_slot(inv, 3, &dest);
    if (e != BST_OK) {
        return e;
    }
    if (gsi >= IRQ_GSIS) {
        return BST_RANGE_ERROR;
    }
    if (trigger > 1 || polarity > 1) {
        return BST_INVALID_ARGUMENT;
    }
    unsigned line = irq_gsi_line((unsigned)gsi);
    if (lines[line].issued) {
        return BST_REVOKE_FIRST; /* one handler per line: delete the other first */
    }
    e = arch_irq_route(line, (unsigned)trigger, (unsigned)polarity);
    if (e != BST_OK) {
        return e;
    }
    issue_handler(inv, dest, line);
    return BST_OK;
}

/* ACK: unmask the line; an MSI that arrived meanwhile is delivered now instead. */
static void irq_ack(unsigned irq)
{
    struct irq_line *l = &lines[irq];
    l->unacked = false;
    follow(irq);
    if (l->latched) {
        l->latched = false;
        deliver(l);
        return;
    }
    if (!is_msi(irq) && !l->hidden) { /* a hidden pin waits for its domain's slot */
        arch_irq_unmask(irq);
    }
}

/* One watched pin at the switch into `domain` (irq_domain_enter()): hidden when a signal
 * would wake another domain's thread, shown again when it is this domain's or nobody's
 * (or the protected schedule is gone: domain -1). */
static void hide_or_show(unsigned i, int domain)
{
    struct irq_line *l = &lines[i];
    int owner = l->ntfn != NULL ? domain_irq_owner(l->ntfn) : -1;
    bool hide = domain >= 0 && owner >= 0 && owner != domain;
    if (hide && !l->hidden) {
        l->hidden = true;
        if (!l->unacked) {
            arch_irq_mask(i);
        }
    } else if (!hide && l->hidden) {
        l->hidden = false;
        if (!l->unacked) {
            arch_irq_unmask(i);
        }
    }
}

/* Time protection (thread/domain_irq.h): at the switch into `domain` (-1: the protected
 * schedule is gone), mask every acknowledged pin whose notification would wake another
 * domain's thread, so that its device cannot even trap into this slot, and unmask those
 * masked so that are this domain's again (or everyone's). MSIs cannot be masked at the
 * controller: they are only deferred (irq_raised()). Only the watched pins are looked at. */
void irq_domain_enter(int domain)
{
    for (unsigned w = 0; w < sizeof(watched) / sizeof(watched[0]); w++) {
        for (uint64_t bits = watched[w]; bits != 0; bits &= bits - 1) {
            unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);
            hide_or_show(i, domain);
            watch_update(i);
        }
    }
}

/* IRQ_HANDLER_SET_NOTIFICATION (MR0 notification cap, write right), ACK, CLEAR. */
bst_error_t irq_handler_invoke(struct invocation *inv)
{
    unsigned irq = (unsigned)inv->slot->cap.u.irq.irq;
    switch (inv->label) {
    case BST_INV_IRQ_HANDLER_ACK:
        irq_ack(irq);
        return BST_OK;
    case BST_INV_IRQ_HANDLER_CLEAR:
        lines[irq].ntfn = NULL;
        watch_update(irq);
        return BST_OK;
    case BST_INV_IRQ_HANDLER_SET_NOTIFICATION: {
        if (inv->length < 1) {
            return BST_TRUNCATED_MESSAGE;
        }
        struct cte *slot;
        bst_error_t e =
            invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_NOTIFICATION, &slot);
        if (e != BST_OK) {
            return e;
        }
        if (!(slot->cap.rights & BST_RIGHT_WRITE)) {
            return BST_INSUFFICIENT_RIGHTS;
        }
        lines[irq].ntfn = notification_of(&slot->cap);
        watch_update(irq);
        lines[irq].badge = cap_badge(&slot->cap);
        follow(irq);
        return BST_OK;
    }
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

/* The last handler cap for a line is gone: mask it and free it for reissue. An MSI's
 * device may still write its message; irq_raised() drops it until the line is issued
 * again (whoever holds the device must disable its MSI first; docs/drivers.md). */
void irq_handler_finalise(const struct cap *cap)
{
    unsigned irq = (unsigned)cap->u.irq.irq;
    if (!is_msi(irq)) {
        arch_irq_mask(irq);
    }
    unfollow(irq);
    lines[irq] = (struct irq_line){0};
    watch_update(irq);
}

/* A notification is deleted: no line, and no I/O space's DMA faults, may keep
 * delivering to it. */
void irq_forget_notification(const struct notification *n)
{
    iospace_forget_notification(n);
    for (unsigned i = 0; i < IRQ_LINES; i++) {
        if (lines[i].ntfn == n) {
            lines[i].ntfn = NULL;
            watch_update(i);
        }
    }
}
