/*
 * The legacy virtio console (virtio_console.h): its registers, and its two split
 * virtqueues in guest RAM (virtqueue.c reads the rings, each field once, and checks
 * every index and address before it is used); on anything wrong the device goes broken
 * (broken(), below) instead of trusting it.
 */
#include <vmm/bytes.h>
#include <vmm/virtio_console.h>

#define BAR_BYTES 0x20u

const struct vmm_pci_identity vmm_vcon_pci_identity = {
    .vendor = 0x1af4,
    .device = VMM_VCON_PCI_DEVICE,
    .subsystem_vendor = 0x1af4,
    .subsystem = VMM_VCON_TYPE,
    .class_code = 0x078000, /* communication controller, other */
    .revision = 0,
};

static void broken(struct vmm_virtio_console *d, const char *why, uint64_t value)
{
    if (d->broken)
        return;
    d->broken = true;
    d->problem_new = true;
    vmm_error_set(&d->problem, "virtio console broken until reset: ", 0, false);
    vmm_error_append(&d->problem, why, value, true);
}

void vmm_vcon_reset(struct vmm_virtio_console *d)
{
    struct vmm_guest_ram ram = d->ram;
    vmm_bytes_fill((uint8_t *)d, 0, sizeof(*d));
    d->ram = ram;
}

void vmm_vcon_attach_ram(struct vmm_virtio_console *d, uint8_t *ram, uint64_t size)
{
    d->ram = (struct vmm_guest_ram){.base = ram, .size = ram ? size : 0};
}

/* The register file as bytes, for reads. */
static void register_bytes(const struct vmm_virtio_console *d, uint8_t out[BAR_BYTES])
{
    vmm_bytes_fill(out, 0, BAR_BYTES);
    vmm_le_store(out + VMM_VCON_GUEST_FEATURES, 4, d->guest_features);
    if (d->queue_select < VMM_VCON_QUEUES) {
        vmm_le_store(out + VMM_VCON_QUEUE_PFN, 4, d->queue[d->queue_select].pfn);
        vmm_le_store(out + VMM_VCON_QUEUE_SIZE_REG, 2, VMM_VCON_QUEUE_SIZE);
    }
    vmm_le_store(out + VMM_VCON_QUEUE_SELECT, 2, d->queue_select);
    out[VMM_VCON_STATUS] = d->status;
    out[VMM_VCON_ISR] = d->isr;
}

uint32_t vmm_vcon_read(struct vmm_virtio_console *d, unsigned offset, unsigned size)
{
    uint8_t regs[BAR_BYTES];
    register_bytes(d, regs);
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned at = offset + i;
        value |= (uint32_t)(at < BAR_BYTES ? regs[at] : 0xff) << (8 * i);
        if (at == VMM_VCON_ISR)
            d->isr = 0; /* reading the ISR acknowledges the interrupt */
    }
    return value;
}

/* A queue the device may use now (the driver ready, the queue set up, not broken). */
static bool usable(const struct vmm_virtio_console *d, unsigned q)
{
    return !d->broken && (d->status & VMM_VCON_STATUS_DRIVER_OK) && d->queue[q].pfn != 0;
}

/* Take the next chain of queue q: true with *c, false when none or the device broke. */
static bool pop(struct vmm_virtio_console *d, unsigned q, struct vmm_vq_chain *c)
{
    struct vmm_vq_fault f;
    enum vmm_vq_result r = vmm_vq_pop(&d->queue[q], &d->ram, c, &f);
    if (r == VMM_VQ_FAULT)
        broken(d, f.why, f.value);
    return r == VMM_VQ_CHAIN;
}

/* The chain `head` is done, `written` bytes written into it: into the used ring, and the
 * interrupt raised unless the driver asked for none. */
static void push(struct vmm_virtio_console *d, unsigned q, unsigned head, uint32_t written)
{
    if (vmm_vq_push(&d->queue[q], &d->ram, head, written))
        d->isr |= VMM_VCON_ISR_QUEUE;
}

/* The transmit queue: copy every available chain's device-readable bytes out (a
 * device-writable buffer has nothing to read and is passed over). */
static void transmit(struct vmm_virtio_console *d)
{
    struct vmm_vq_chain c;
    if (!usable(d, VMM_VCON_TX))
        return;
    for (unsigned taken = 0; taken < VMM_VCON_QUEUE_SIZE && pop(d, VMM_VCON_TX, &c); taken++) {
        for (unsigned k = 0; k < c.count; k++) {
            const struct vmm_vq_buffer *b = &c.buf[k];
            if (b->device_writes)
                continue;
            for (uint32_t i = 0; i < b->len; i++) {
                if (d->tx_len < VMM_VCON_TX_BUFFER)
                    d->tx[d->tx_len++] = d->ram.base[b->addr + i];
                else
                    d->tx_dropped++;
            }
            d->bytes_out += b->len;
        }
        push(d, VMM_VCON_TX, c.head, 0);
    }
}

static void set_queue_pfn(struct vmm_virtio_console *d, uint32_t pfn)
{
    if (d->queue_select >= VMM_VCON_QUEUES)
        return;
    struct vmm_vq_fault f;
    if (!vmm_vq_set_pfn(&d->queue[d->queue_select], &d->ram, pfn, &f))
        broken(d, f.why, f.value);
}

void vmm_vcon_write(struct vmm_virtio_console *d, unsigned offset, unsigned size, uint32_t value)
{
    if (offset == VMM_VCON_GUEST_FEATURES && size == 4) {
        d->guest_features = 0; /* nothing offered: nothing can be accepted */
    } else if (offset == VMM_VCON_QUEUE_PFN && size == 4) {
        set_queue_pfn(d, value);
    } else if (offset == VMM_VCON_QUEUE_SELECT && size == 2) {
        d->queue_select = (uint16_t)value;
    } else if (offset == VMM_VCON_QUEUE_NOTIFY && size == 2) {
        d->notifies++;
        if (value == VMM_VCON_TX)
            transmit(d);
    } else if (offset == VMM_VCON_STATUS && size == 1) {
        if ((value & 0xff) == 0)
            vmm_vcon_reset(d);
        else
            d->status = (uint8_t)value;
    }
}

unsigned vmm_vcon_input(struct vmm_virtio_console *d, const uint8_t *bytes, unsigned n)
{
    struct vmm_vq_chain c;
    unsigned taken = 0;
    if (!usable(d, VMM_VCON_RX))
        return 0;
    while (taken < n && pop(d, VMM_VCON_RX, &c)) {
        uint32_t written = 0;
        for (unsigned k = 0; k < c.count && taken < n; k++) {
            const struct vmm_vq_buffer *b = &c.buf[k];
            if (!b->device_writes)
                continue;
            uint32_t put = 0;
            for (; put < b->len && taken < n; put++)
                d->ram.base[b->addr + put] = bytes[taken++];
            written += put;
        }
        push(d, VMM_VCON_RX, c.head, written);
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
    return (d->isr & VMM_VCON_ISR_QUEUE) != 0;
}

const char *vmm_vcon_problem(struct vmm_virtio_console *d)
{
    if (!d->problem_new)
        return 0;
    d->problem_new = false;
    return d->problem.msg;
}
