/*
 * The legacy virtio network device (virtio_net.h): its registers, the transmit path
 * (a chain's device-readable bytes gathered: the header checked, the frame copied out)
 * and the receive path (header and frame scattered into a chain's device-writable
 * buffers). The rings are virtqueue.c's; on any fault the device goes broken.
 */
#include <vmm/bytes.h>
#include <vmm/virtio_net.h>

#define BAR_BYTES 0x20u

const struct vmm_pci_identity vmm_vnet_pci_identity = {
    .vendor = 0x1af4,
    .device = VMM_VNET_PCI_DEVICE,
    .subsystem_vendor = 0x1af4,
    .subsystem = VMM_VNET_TYPE,
    .class_code = 0x020000, /* network controller, Ethernet */
    .revision = 0,
};

static void broken(struct vmm_virtio_net *d, const char *why, uint64_t value)
{
    if (d->broken)
        return;
    d->broken = true;
    d->problem_new = true;
    vmm_error_set(&d->problem, "virtio-net broken until reset: ", 0, false);
    vmm_error_append(&d->problem, why, value, true);
}

void vmm_vnet_reset(struct vmm_virtio_net *d)
{
    struct vmm_guest_ram ram = d->ram;
    uint8_t mac[6];
    vmm_bytes_copy(mac, d->mac, sizeof(mac));
    vmm_bytes_fill((uint8_t *)d, 0, sizeof(*d));
    d->ram = ram;
    vmm_bytes_copy(d->mac, mac, sizeof(mac));
}

void vmm_vnet_init(struct vmm_virtio_net *d, const uint8_t mac[6])
{
    vmm_bytes_fill((uint8_t *)d, 0, sizeof(*d));
    vmm_bytes_copy(d->mac, mac, sizeof(d->mac));
}

void vmm_vnet_attach_ram(struct vmm_virtio_net *d, uint8_t *ram, uint64_t size)
{
    d->ram = (struct vmm_guest_ram){.base = ram, .size = ram ? size : 0};
}

static void register_bytes(const struct vmm_virtio_net *d, uint8_t out[BAR_BYTES])
{
    vmm_bytes_fill(out, 0, BAR_BYTES);
    vmm_le_store(out + VMM_VNET_DEVICE_FEATURES, 4, VMM_VNET_F_MAC);
    vmm_le_store(out + VMM_VNET_GUEST_FEATURES, 4, d->guest_features);
    if (d->queue_select < VMM_VNET_QUEUES) {
        vmm_le_store(out + VMM_VNET_QUEUE_PFN, 4, d->queue[d->queue_select].pfn);
        vmm_le_store(out + VMM_VNET_QUEUE_SIZE_REG, 2, VMM_VQ_SIZE);
    }
    vmm_le_store(out + VMM_VNET_QUEUE_SELECT, 2, d->queue_select);
    out[VMM_VNET_STATUS] = d->status;
    out[VMM_VNET_ISR] = d->isr;
    vmm_bytes_copy(out + VMM_VNET_MAC, d->mac, sizeof(d->mac));
}

uint32_t vmm_vnet_read(struct vmm_virtio_net *d, unsigned offset, unsigned size)
{
    uint8_t regs[BAR_BYTES];
    register_bytes(d, regs);
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned at = offset + i;
        value |= (uint32_t)(at < BAR_BYTES ? regs[at] : 0xff) << (8 * i);
        if (at == VMM_VNET_ISR)
            d->isr = 0; /* reading the ISR acknowledges the interrupt */
    }
    return value;
}

static void set_queue_pfn(struct vmm_virtio_net *d, uint32_t pfn)
{
    if (d->queue_select >= VMM_VNET_QUEUES)
        return;
    struct vmm_vq_fault f;
    if (!vmm_vq_set_pfn(&d->queue[d->queue_select], &d->ram, pfn, &f))
        broken(d, f.why, f.value);
}

void vmm_vnet_write(struct vmm_virtio_net *d, unsigned offset, unsigned size, uint32_t value)
{
    if (offset == VMM_VNET_GUEST_FEATURES && size == 4) {
        d->guest_features = value & VMM_VNET_F_MAC; /* only what was offered */
    } else if (offset == VMM_VNET_QUEUE_PFN && size == 4) {
        set_queue_pfn(d, value);
    } else if (offset == VMM_VNET_QUEUE_SELECT && size == 2) {
        d->queue_select = (uint16_t)value;
    } else if (offset == VMM_VNET_QUEUE_NOTIFY && size == 2) {
        d->notifies++;
        if (value == VMM_VNET_TX)
            d->tx_kicked = true;
    } else if (offset == VMM_VNET_STATUS && size == 1) {
        if ((value & 0xff) == 0)
            vmm_vnet_reset(d);
        else
            d->status = (uint8_t)value;
    }
}

/* Whether queue q may be used now (driver ready, queue set up, device not broken). */
static bool usable(const struct vmm_virtio_net *d, unsigned q)
{
    return !d->broken && (d->status & VMM_VNET_STATUS_DRIVER_OK) && d->queue[q].pfn != 0;
}

/* Take the next chain of queue q: true with *c, false when none or the device broke. */
static bool pop(struct vmm_virtio_net *d, unsigned q, struct vmm_vq_chain *c)
{
    struct vmm_vq_fault f;
    enum vmm_vq_result r = vmm_vq_pop(&d->queue[q], &d->ram, c, &f);
    if (r == VMM_VQ_FAULT)
        broken(d, f.why, f.value);
    return r == VMM_VQ_CHAIN;
}

static void push(struct vmm_virtio_net *d, unsigned q, unsigned head, uint32_t written)
{
    if (vmm_vq_push(&d->queue[q], &d->ram, head, written))
        d->isr |= VMM_VNET_ISR_QUEUE;
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
            broken(d, "device-writable buffer in a transmit chain from head ", c->head);
            return -1;
        }
        for (uint32_t k = 0; k < b->len; k++, total++) {
            uint8_t byte = d->ram.base[b->addr + k];
            if (total < VMM_VNET_HEADER)
                hdr[total] = byte;
            else if (total - VMM_VNET_HEADER < VMM_VNET_FRAME_MAX)
                out[total - VMM_VNET_HEADER] = byte;
            else {
                broken(d, "transmitted frame longer than 1514 bytes from head ", c->head);
                return -1;
            }
        }
    }
    if (total < VMM_VNET_HEADER + VMM_VNET_FRAME_MIN) {
        broken(d, "transmit chain shorter than header and Ethernet header: ", total);
        return -1;
    }
    return (long)(total - VMM_VNET_HEADER);
}

unsigned vmm_vnet_take_frame(struct vmm_virtio_net *d, uint8_t *out)
{
    struct vmm_vq_chain c;
    d->tx_kicked = false;
    if (!usable(d, VMM_VNET_TX) || !pop(d, VMM_VNET_TX, &c))
        return 0;
    uint8_t hdr[VMM_VNET_HEADER];
    long len = gather(d, &c, hdr, out);
    if (len < 0)
        return 0;
    for (unsigned i = 0; i < VMM_VNET_HEADER; i++) {
        if (hdr[i] != 0) {
            broken(d, "transmit header asks for an offload not offered, byte ", i);
            return 0;
        }
    }
    push(d, VMM_VNET_TX, c.head, 0);
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
            broken(d, "device-readable buffer in a receive chain from head ", c->head);
            return false;
        }
        room += c->buf[i].len;
    }
    if (room < VMM_VNET_HEADER + (uint64_t)len) {
        broken(d, "receive chain too small for the frame, bytes ", room);
        return false;
    }
    unsigned total = VMM_VNET_HEADER + len, done = 0;
    for (unsigned i = 0; i < c->count && done < total; i++) {
        const struct vmm_vq_buffer *b = &c->buf[i];
        for (uint32_t k = 0; k < b->len && done < total; k++, done++)
            d->ram.base[b->addr + k] = done < VMM_VNET_HEADER ? 0 : frame[done - VMM_VNET_HEADER];
    }
    return true;
}

bool vmm_vnet_put_frame(struct vmm_virtio_net *d, const uint8_t *frame, unsigned len)
{
    struct vmm_vq_chain c;
    if (len < VMM_VNET_FRAME_MIN || len > VMM_VNET_FRAME_MAX || !usable(d, VMM_VNET_RX))
        return false;
    if (!pop(d, VMM_VNET_RX, &c)) {
        if (!d->broken)
            d->rx_no_buffer++;
        return false;
    }
    if (!scatter(d, &c, frame, len))
        return false;
    push(d, VMM_VNET_RX, c.head, VMM_VNET_HEADER + len);
    d->frames_in++;
    return true;
}

bool vmm_vnet_irq(const struct vmm_virtio_net *d)
{
    return (d->isr & VMM_VNET_ISR_QUEUE) != 0;
}

const char *vmm_vnet_problem(struct vmm_virtio_net *d)
{
    if (!d->problem_new)
        return 0;
    d->problem_new = false;
    return d->problem.msg;
}
