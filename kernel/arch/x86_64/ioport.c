/*
 * I/O port capabilities (x86): IOPORT_CONTROL issues a cap for a range of ports, each
 * port to at most one range at a time; an IOPORT cap's invocations read and write the
 * ports inside its range. The ports the kernel itself drives (COM1, the legacy PICs,
 * the emulator exit port) are never issued.
 *
 * Two ways to reach the ports: an invocation per access (IN/OUT labels), or
 * IOPORT_GRANT, which opens the cap's range to a VSpace's threads for direct IN/OUT
 * through the TSS I/O permission bitmap (arch/iomap.h). A cap grants to at most one
 * VSpace at a time and records the grant (identifier and its generation, and the
 * entry in that VSpace's table) in itself, as a frame cap records its mapping: a copy
 * starts ungranted, and deleting the cap -- directly, by revoking an ancestor, or
 * with its CNode -- withdraws the grant. docs/drivers.md compares the two ways.
 */
#include <arch/io.h>
#include <arch/iomap.h>
#include <object/cdt.h>
#include <object/finalise.h>
#include <syscall/invocation.h>
#include <vm/vspace.h>

#define PORTS 65536

static uint64_t issued[PORTS / 64];
static bool reserved_marked;

static const struct {
    uint16_t first, last;
} kernel_ports[] = {
    {0x20, 0x21},   /* master PIC */
    {0xa0, 0xa1},   /* slave PIC */
    {0xf4, 0xf7},   /* isa-debug-exit */
    {0x3f8, 0x3ff}, /* COM1: the kernel console */
};

static bool any_issued(unsigned first, unsigned last)
{
    for (unsigned p = first; p <= last; p++) {
        if (issued[p / 64] & BIT(p % 64)) {
            return true;
        }
    }
    return false;
}

static void mark(unsigned first, unsigned last, bool on)
{
    for (unsigned p = first; p <= last; p++) {
        if (on) {
            issued[p / 64] |= BIT(p % 64);
        } else {
            issued[p / 64] &= ~BIT(p % 64);
        }
    }
}

static void mark_kernel_ports(void)
{
    if (!reserved_marked) {
        for (size_t i = 0; i < ARRAY_SIZE(kernel_ports); i++) {
            mark(kernel_ports[i].first, kernel_ports[i].last, true);
        }
        reserved_marked = true;
    }
}

/* IOPORT_CONTROL_ISSUE: MR0 first port, MR1 last port, MR2 dest CNode, MR3 index. */
bst_error_t arch_ioport_control_invoke(struct invocation *inv)
{
    if (inv->label != BST_INV_IOPORT_CONTROL_ISSUE) {
        return BST_ILLEGAL_OPERATION;
    }
    if (inv->length < 4) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t first = invocation_arg(inv, 0), last = invocation_arg(inv, 1);
    struct cte *dest;
    bst_error_t e = invocation_dest_slot(inv, 2, &dest);
    if (e != BST_OK) {
        return e;
    }
    if (first > last || last >= PORTS) {
        return BST_RANGE_ERROR;
    }
    mark_kernel_ports();
    if (any_issued((unsigned)first, (unsigned)last)) {
        return BST_REVOKE_FIRST; /* issued to someone else, or the kernel's own */
    }
    mark((unsigned)first, (unsigned)last, true);
    dest->cap = cap_make_control(BST_OBJ_IOPORT);
    dest->cap.u.ioport.first = (uint16_t)first;
    dest->cap.u.ioport.last = (uint16_t)last;
    cdt_insert_last_child(inv->slot, dest);
    return BST_OK;
}

/* The width of an IN/OUT label, and whether it writes. */
static unsigned access_width(bst_invocation_t label, bool *out)
{
    *out = label >= BST_INV_IOPORT_OUT8;
    switch (label) {
    case BST_INV_IOPORT_IN8:
    case BST_INV_IOPORT_OUT8:
        return 1;
    case BST_INV_IOPORT_IN16:
    case BST_INV_IOPORT_OUT16:
        return 2;
    case BST_INV_IOPORT_IN32:
    case BST_INV_IOPORT_OUT32:
        return 4;
    default:
        return 0;
    }
}

static uint32_t port_in(uint16_t port, unsigned width)
{
    uint32_t v;
    if (width == 1) {
        uint8_t b;
        __asm__ volatile("inb %1, %0" : "=a"(b) : "Nd"(port));
        v = b;
    } else if (width == 2) {
        uint16_t w;
        __asm__ volatile("inw %1, %0" : "=a"(w) : "Nd"(port));
        v = w;
    } else {
        __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    }
    return v;
}

static void port_out(uint16_t port, unsigned width, uint32_t v)
{
    if (width == 1) {
        __asm__ volatile("outb %0, %1" : : "a"((uint8_t)v), "Nd"(port));
    } else if (width == 2) {
        __asm__ volatile("outw %0, %1" : : "a"((uint16_t)v), "Nd"(port));
    } else {
        __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
    }
}

/* The VSpace the cap's recorded grant is to; 0 if none, or if that VSpace is gone. */
static paddr_t granted_pml4(const struct cap *c)
{
    if (c->u.ioport.grant_id == 0) {
        return 0;
    }
    return vspace_id_lookup(c->u.ioport.grant_id, c->u.ioport.grant_generation);
}

void ioport_ungrant_cap(struct cap *c)
{
    paddr_t pml4 = granted_pml4(c);
    if (pml4 != 0) {
        iomap_ungrant(pml4, c->u.ioport.grant_id, c->u.ioport.grant_index);
    }
    cap_clear_binding(c);
}

/* IOPORT_GRANT: MR0 VSpace cap -> MR0 first port, MR1 last port. The cap needs both
 * rights (the map cannot tell reads from writes). */
static bst_error_t ioport_grant(struct invocation *inv)
{
    struct cap *c = &inv->slot->cap;
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *slot;
    bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_VSPACE, &slot);
    if (e != BST_OK) {
        return e;
    }
    const struct cap *vs = &slot->cap;
    if ((c->rights & BST_RIGHTS_RW) != BST_RIGHTS_RW) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    if (granted_pml4(c) != 0) {
        return BST_ILLEGAL_OPERATION; /* granted already: ungrant it, or grant a copy */
    }
    e = vspace_prepare(vs);
    if (e != BST_OK) {
        return e;
    }
    unsigned id = vspace_id_of(vs);
    struct iomap_grant_result g = iomap_grant(vs->paddr, id, c->u.ioport.first, c->u.ioport.last);
    if (g.status != BST_OK) {
        return g.status;
    }
    c->u.ioport.grant_id = (uint16_t)id;
    c->u.ioport.grant_index = (uint8_t)g.index;
    c->u.ioport.grant_generation = vspace_id_generation(id);
    invocation_reply(inv, 0, c->u.ioport.first); /* so the holder can check its accesses */
    invocation_reply(inv, 1, c->u.ioport.last);
    return BST_OK;
}

/* IN8/16/32: MR0 port -> MR0 value. OUT8/16/32: MR0 port, MR1 value. GRANT: MR0 VSpace
 * cap. UNGRANT: nothing. */
bst_error_t arch_ioport_invoke(struct invocation *inv)
{
    if (inv->label == BST_INV_IOPORT_GRANT) {
        return ioport_grant(inv);
    }
    if (inv->label == BST_INV_IOPORT_UNGRANT) {
        ioport_ungrant_cap(&inv->slot->cap); /* nothing to do if it grants nothing */
        return BST_OK;
    }
    const struct cap *c = &inv->slot->cap;
    bool write;
    unsigned width = access_width(inv->label, &write);
    if (width == 0) {
        return BST_ILLEGAL_OPERATION;
    }
    if (inv->length < (write ? 2u : 1u)) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t port = invocation_arg(inv, 0);
    if (port > UINT16_MAX || port < c->u.ioport.first || port + width - 1 > c->u.ioport.last) {
        return BST_RANGE_ERROR;
    }
    if (!(c->rights & (write ? BST_RIGHT_WRITE : BST_RIGHT_READ))) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    if (write) {
        port_out((uint16_t)port, width, (uint32_t)invocation_arg(inv, 1));
    } else {
        invocation_reply(inv, 0, port_in((uint16_t)port, width));
    }
    return BST_OK;
}

/* The last cap to a range is gone: its ports can be issued again. */
void ioport_finalise(const struct cap *cap)
{
    mark(cap->u.ioport.first, cap->u.ioport.last, false);
}
