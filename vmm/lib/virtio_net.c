/*
 * The legacy virtio network device (virtio_net.h): what is its own on the legacy
 * transport (virtio_legacy.c): the MAC feature and configuration, the transmit path (a
 * chain's device-readable bytes gathered: the header checked, the frame copied out) and
 * the receive path (header and frame scattered into a chain's device-writable buffers).
 * On any fault the device goes broken.
 */
#include <vmm/bytes.h>
#include <vmm/virtio_net.h>

static const struct vmm_vl_kind kind = {
    .device_features = VMM_VNET_F_MAC,
    .broken_prefix = "virtio-net broken until reset: ",
};

const struct vmm_pci_identity vmm_vnet_pci_identity =
    VMM_VL_PCI_IDENTITY(VMM_VNET_PCI_DEVICE, VMM_VNET_TYPE, 0x020000 /* network, Ethernet */);

void vmm_vnet_reset(struct vmm_virtio_net *d)
{
    struct vmm_guest_ram ram = d->vl.ram;
    uint8_t mac[6];
    vmm_bytes_copy(mac, d->mac, sizeof(mac));
    vmm_bytes_fill((uint8_t *)d, 0, sizeof(*d));
    vmm_vl_init(&d->vl, &kind, ram);
    vmm_bytes_copy(d->mac, mac, sizeof(mac));
}

void vmm_vnet_init(struct vmm_virtio_net *d, const uint8_t mac[6])
{
    vmm_bytes_fill((uint8_t *)d, 0, sizeof(*d));
    vmm_vl_init(&d->vl, &kind, (struct vmm_guest_ram){0});
    vmm_bytes_copy(d->mac, mac, sizeof(d->mac));
}

void vmm_vnet_attach_ram(struct vmm_virtio_net *d, uint8_t *ram, uint64_t size)
{
    vmm_vl_attach_ram(&d->vl, ram, size);
}

uint32_t vmm_vnet_read(struct vmm_virtio_net *d, unsigned offset, unsigned size)
{
    uint8_t config[VMM_VL_CONFIG_MAX] = {0};
    vmm_bytes_copy(config, d->mac, sizeof(d->mac));
    return vmm_vl_read(&d->vl, offset, size, config);
}

void vmm_vnet_write(struct vmm_virtio_net *d, unsigned offset, unsigned size, uint32_t value)
{
    enum vmm_vl_write_effect effect = vmm_vl_write(&d->vl, offset, size, value);
    if (effect == VMM_VL_RESET)
        vmm_vnet_reset(d);
    else if (effect == VMM_VL_NOTIFY && value == VMM_VNET_TX)
        d->tx_kicked = true;
}

/* Gather a transmit chain's bytes: the header into hdr, the frame into out; the
 * frame's length, or -1 with the device broken. */
static long gather(struct vmm_virtio_net *d, const struct vmm_vq_chain *c,
                   uint8_t hdr[VMM_VNET_HEADER], uint8_t *out)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < c->count; i++) {
        const struct vmm_vq_buffer *b = &c->buf[i];
        if (b->device_writes) {
            vmm_vl_broken(&d->vl, "device-writable buffer in a transmit chain from head ", c->head);
            return -1;
        }
        for (uint32_t k = 0; k < b->len; k++, total++) {
            uint8_t byte = d->vl.ram.base[b->addr + k];
            if (total < VMM_VNET_HEADER)
                hdr[total] = byte;
            else if (total - VMM_VNET_HEADER < VMM_VNET_FRAME_MAX)
                out[total - VMM_VNET_HEADER] = byte;
            else {
                vmm_vl_broken(&d->vl, "transmitted frame longer than 1514 bytes from head ",
                              c->head);
                return -1;
            }
        }
    }
    if (total < VMM_VNET_HEADER + VMM_VNET_FRAME_MIN) {
        vmm_vl_broken(&d->vl, "transmit chain shorter than header and Ethernet header: ", total);
        return -1;
    }
    return (long)(total - VMM_VNET_HEADER);
}

unsigned vmm_vnet_take_frame(struct vmm_virtio_net *d, uint8_t *out)
{
    struct vmm_vq_chain c;
    d->tx_kicked = false;
    if (!vmm_vl_usable(&d->vl, VMM_VNET_TX) || !vmm_vl_pop(&d->vl, VMM_VNET_TX, &c))
        return 0;
    uint8_t hdr[VMM_VNET_HEADER];
    long len = gather(d, &c, hdr, out);
    if (len < 0)
        return 0;
    for (unsigned i = 0; i < VMM_VNET_HEADER; i++) {
        if (hdr[i] != 0) {
            vmm_vl_broken(&d->vl, "transmit header asks for an offload not offered, byte ", i);
            return 0;
        }
    }
    vmm_vl_push(&d->vl, VMM_VNET_TX, c.head, 0);
    d->frames_out++;
    return (unsigned)len;
}

/* Scatter header and frame into a receive chain's buffers; false (broken) when the
 * chain has a device-readable buffer or too little room. */
static bool scatter(struct vmm_virtio_net *d, const struct vmm_vq_chain *c, const uint8_t *frame,
                    unsigned len)
{
    uint64_t room = 0;
    for (unsigned i = 0; i < c->count; i++) {
        if (!c->buf[i].device_writes) {
            vmm_vl_broken(&d->vl, "device-readable buffer in a receive chain from head ", c->head);
            return false;
        }
        room += c->buf[i].len;
    }
    if (room < VMM_VNET_HEADER + (uint64_t)len) {
        vmm_vl_broken(&d->vl, "receive chain too small for the frame, bytes ", room);
        return false;
    }
    unsigned total = VMM_VNET_HEADER + len, done = 0;
    for (unsigned i = 0; i < c->count && done < total; i++) {
        const struct vmm_vq_buffer *b = &c->buf[i];
        for (uint32_t k = 0; k < b->len && done < total; k++, done++)
            d->vl.ram.base[b->addr + k] =
                done < VMM_VNET_HEADER ? 0 : frame[done - VMM_VNET_HEADER];
    }
    return true;
}

bool vmm_vnet_put_frame(struct vmm_virtio_net *d, const uint8_t *frame, unsigned len)
{
    struct vmm_vq_chain c;
    if (len < VMM_VNET_FRAME_MIN || len > VMM_VNET_FRAME_MAX || !vmm_vl_usable(&d->vl, VMM_VNET_RX))
        return false;
    if (!vmm_vl_pop(&d->vl, VMM_VNET_RX, &c)) {
        if (!d->vl.broken)
            d->rx_no_buffer++;
        return false;
    }
    if (!scatter(d, &c, frame, len))
        return false;
    vmm_vl_push(&d->vl, VMM_VNET_RX, c.head, VMM_VNET_HEADER + len);
    d->frames_in++;
    return true;
}

bool vmm_vnet_irq(const struct vmm_virtio_net *d)
{
    return vmm_vl_irq(&d->vl);
}

const char *vmm_vnet_problem(struct vmm_virtio_net *d)
{
    return vmm_vl_problem(&d->vl);
}
