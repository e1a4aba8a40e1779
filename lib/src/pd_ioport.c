/*
 * The PD runtime's I/O port access (libbastion/pd.h): the cap of the PD's <ioport id>
 * lies at BASTION_SLOT_IOPORT_BASE + id.
 *
 * Direct access, the fast way (docs/drivers.md): on the first access through an id the
 * runtime grants that cap's range to the PD's own address space (IOPORT_GRANT with the
 * VSpace cap in BASTION_SLOT_VSPACE; the kernel replies with the range), and from then
 * on executes IN/OUT itself, after checking the port against the range so that a
 * misuse is reported as before. Where the grant is refused (a read-only cap, an
 * address space that already holds its maximum of ranges, no VSpace cap) every access
 * is one invocation on the cap instead.
 */
#include <bastion/spec.h>
#include <libbastion/device.h>
#include <libbastion/invoke.h>
#include <libbastion/pd.h>

#include "pd_internal.h"

static uint64_t granted; /* bit id: direct access, the range in first/last */
static uint64_t refused; /* bit id: the grant failed, use invocations */
static uint16_t range_first[BASTION_MAX_ID + 1], range_last[BASTION_MAX_ID + 1];

/* Whether the id's ports are reached directly (granting them on first use). */
static bool direct(bst_ioport_t id)
{
    uint64_t bit = 1ull << id;
    if (granted & bit) {
        return true;
    }
    if (refused & bit) {
        return false;
    }
    bst_cptr_t cap = BASTION_SLOT_IOPORT_BASE + id;
    uint64_t vspace = BASTION_SLOT_VSPACE, range[2];
    /* A restarted PD finds its cap granted already: take the grant back, then again. */
    (void)bst_invoke(cap, BST_INV_IOPORT_UNGRANT, NULL, 0, NULL, 0);
    if (bst_invoke(cap, BST_INV_IOPORT_GRANT, &vspace, 1, range, 2) != BST_OK) {
        refused |= bit;
        return false;
    }
    range_first[id] = (uint16_t)range[0];
    range_last[id] = (uint16_t)range[1];
    granted |= bit;
    return true;
}

static void misuse(bst_ioport_t id, const char *what, unsigned bytes, uint16_t port, bst_error_t e)
{
    bst_printf("libbastion: PD '%s': %u-bit %s of port 0x%x through I/O port id %u: %s\n",
               bst_pd_name(), 8 * bytes, what, port, id, bst_error_name(e));
    __builtin_trap();
}

static bool in_range(bst_ioport_t id, unsigned bytes, uint16_t port)
{
    return port >= range_first[id] && (unsigned)port + bytes - 1 <= range_last[id];
}

static uint32_t direct_in(unsigned bytes, uint16_t port)
{
    if (bytes == 1) {
        uint8_t v;
        __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
        return v;
    }
    if (bytes == 2) {
        uint16_t v;
        __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
        return v;
    }
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void direct_out(unsigned bytes, uint16_t port, uint32_t value)
{
    if (bytes == 1) {
        __asm__ volatile("outb %0, %1" : : "a"((uint8_t)value), "Nd"(port));
    } else if (bytes == 2) {
        __asm__ volatile("outw %0, %1" : : "a"((uint16_t)value), "Nd"(port));
    } else {
        __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
    }
}

static uint64_t port_in(bst_ioport_t id, unsigned bytes, uint16_t port)
{
    pd_check_channel(pd_start_info()->ioport_mask, id,
                     "I/O port access on id %u, which is not an <ioport> of the PD");
    if (direct(id)) {
        if (!in_range(id, bytes, port)) {
            misuse(id, "read", bytes, port, BST_RANGE_ERROR);
        }
        return direct_in(bytes, port);
    }
    uint64_t value = 0;
    bst_error_t e = bst_ioport_cap_in(BASTION_SLOT_IOPORT_BASE + id, bytes, port, &value);
    if (e != BST_OK) {
        misuse(id, "read", bytes, port, e);
    }
    return value;
}

static void port_out(bst_ioport_t id, unsigned bytes, uint16_t port, uint64_t value)
{
    pd_check_channel(pd_start_info()->ioport_mask, id,
                     "I/O port access on id %u, which is not an <ioport> of the PD");
    if (direct(id)) {
        if (!in_range(id, bytes, port)) {
            misuse(id, "write", bytes, port, BST_RANGE_ERROR);
        }
        direct_out(bytes, port, (uint32_t)value);
        return;
    }
    bst_error_t e = bst_ioport_cap_out(BASTION_SLOT_IOPORT_BASE + id, bytes, port, value);
    if (e != BST_OK) {
        misuse(id, "write", bytes, port, e);
    }
}

uint8_t bst_ioport_in8(bst_ioport_t id, uint16_t port)
{
    return (uint8_t)port_in(id, 1, port);
}

uint16_t bst_ioport_in16(bst_ioport_t id, uint16_t port)
{
    return (uint16_t)port_in(id, 2, port);
}

uint32_t bst_ioport_in32(bst_ioport_t id, uint16_t port)
{
    return (uint32_t)port_in(id, 4, port);
}

void bst_ioport_out8(bst_ioport_t id, uint16_t port, uint8_t value)
{
    port_out(id, 1, port, value);
}

void bst_ioport_out16(bst_ioport_t id, uint16_t port, uint16_t value)
{
    port_out(id, 2, port, value);
}

void bst_ioport_out32(bst_ioport_t id, uint16_t port, uint32_t value)
{
    port_out(id, 4, port, value);
}
