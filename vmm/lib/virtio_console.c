/*
 * The legacy virtio console (virtio_console.h): what is its own on the legacy transport
 * (virtio_legacy.c): no feature, a configuration read as zero, the receive queue filled
 * from the VMM's input and the transmit queue's bytes kept for the VMM to take. On
 * anything wrong the device goes broken instead of trusting it.
 */
#include <vmm/bytes.h>
#include <vmm/virtio_console.h>

static const struct vmm_vl_kind kind = {
    .device_features = 0, /* nothing offered: nothing can be accepted */
    .broken_prefix = "virtio console broken until reset: ",
};

const struct vmm_pci_identity vmm_vcon_pci_identity = VMM_VL_PCI_IDENTITY(
    VMM_VCON_PCI_DEVICE, VMM_VCON_TYPE, 0x078000 /* communication controller, other */);

void vmm_vcon_reset(struct vmm_virtio_console *d)
{
    struct vmm_guest_ram ram = d->vl.ram;
    vmm_bytes_fill((uint8_t *)d, 0, sizeof(*d));
    vmm_vl_init(&d->vl, &kind, ram);
}

void vmm_vcon_attach_ram(struct vmm_virtio_console *d, uint8_t *ram, uint64_t size)
{
    vmm_vl_attach_ram(&d->vl, ram, size);
}

uint32_t vmm_vcon_read(struct vmm_virtio_console *d, unsigned offset, unsigned size)
{
    static const uint8_t config[VMM_VL_CONFIG_MAX]; /* no feature uses it: zero */
    return vmm_vl_read(&d->vl, offset, size, config);
}

/* The transmit queue: copy every available chain's device-readable bytes out (a
 * device-writable buffer has nothing to read and is passed over). */
static void transmit(struct vmm_virtio_console *d)
{
    struct vmm_vq_chain c;
    if (!vmm_vl_usable(&d->vl, VMM_VCON_TX))
        return;
    for (unsigned taken = 0; taken < VMM_VCON_QUEUE_SIZE && vmm_vl_pop(&d->vl, VMM_VCON_TX, &c);
         taken++) {
        for (unsigned k = 0; k < c.count; k++) {
            const struct vmm_vq_buffer *b = &c.buf[k];
            if (b->device_writes)
                continue;
            for (uint32_t i = 0; i < b->len; i++) {
                if (d->tx_len < VMM_VCON_TX_BUFFER)
                    d->tx[d->tx_len++] = d->vl.ram.base[b->addr + i];
                else
                    d->tx_dropped++;
            }
            d->bytes_out += b->len;
        }
        vmm_vl_push(&d->vl, VMM_VCON_TX, c.head, 0);
    }
}

void vmm_vcon_write(struct vmm_virtio_console *d, unsigned offset, unsigned size, uint32_t value)
{
    enum vmm_vl_write_effect effect = vmm_vl_write(&d->vl, offset, size, value);
    if (effect == VMM_VL_RESET)
        vmm_vcon_reset(d);
    else if (effect == VMM_VL_NOTIFY && value == VMM_VCON_TX)
        transmit(d);
}

unsigned vmm_vcon_input(struct vmm_virtio_console *d, const uint8_t *bytes, unsigned n)
{
    struct vmm_vq_chain c;
    unsigned taken = 0;
    if (!vmm_vl_usable(&d->vl, VMM_VCON_RX))
        return 0;
    while (taken < n && vmm_vl_pop(&d->vl, VMM_VCON_RX, &c)) {
        uint32_t written = 0;
        for (unsigned k = 0; k < c.count && taken < n; k++) {
            const struct vmm_vq_buffer *b = &c.buf[k];
            if (!b->device_writes)
                continue;
            uint32_t put = 0;
            for (; put < b->len && taken < n; put++)
                d->vl.ram.base[b->addr + put] = bytes[taken++];
            written += put;
        }
        vmm_vl_push(&d->vl, VMM_VCON_RX, c.head, written);
    }
    d->bytes_in += taken;
    return taken;
}

unsigned vmm_vcon_take_tx(struct vmm_virtio_console *d, uint8_t *out, unsigned max)
{
    unsigned n = d->tx_len < max ? d->tx_len : max;
    vmm_bytes_copy(out, d->tx, n);
    vmm_bytes_copy(d->tx, d->tx + n, d->tx_len - n);
    d->tx_len -= n;
    return n;
}

bool vmm_vcon_irq(const struct vmm_virtio_console *d)
{
    return vmm_vl_irq(&d->vl);
}

const char *vmm_vcon_problem(struct vmm_virtio_console *d)
{
    return vmm_vl_problem(&d->vl);
}
