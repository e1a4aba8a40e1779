/*
 * The PD runtime's I/O port access (libbastion/pd.h): the cap of the PD's <ioport id>
 * lies at BASTION_SLOT_IOPORT_BASE + id; each access is one invocation on it.
 */
#include <libbastion/device.h>
#include <libbastion/pd.h>

#include "pd_internal.h"

static uint64_t port_in(bst_ioport_t id, unsigned bytes, uint16_t port)
{
    pd_check_channel(pd_start_info()->ioport_mask, id,
                     "I/O port access on id %u, which is not an <ioport> of the PD");
    uint64_t value = 0;
    bst_error_t e = bst_ioport_cap_in(BASTION_SLOT_IOPORT_BASE + id, bytes, port, &value);
    if (e != BST_OK) {
        bst_printf("libbastion: PD '%s': %u-bit read of port 0x%x through I/O port id %u: %s\n",
                   bst_pd_name(), 8 * bytes, port, id, bst_error_name(e));
        __builtin_trap();
    }
    return value;
}

static void port_out(bst_ioport_t id, unsigned bytes, uint16_t port, uint64_t value)
{
    pd_check_channel(pd_start_info()->ioport_mask, id,
                     "I/O port access on id %u, which is not an <ioport> of the PD");
    bst_error_t e = bst_ioport_cap_out(BASTION_SLOT_IOPORT_BASE + id, bytes, port, value);
    if (e != BST_OK) {
        bst_printf("libbastion: PD '%s': %u-bit write of port 0x%x through I/O port id %u: %s\n",
                   bst_pd_name(), 8 * bytes, port, id, bst_error_name(e));
        __builtin_trap();
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
