/*
 * The legacy virtio console (virtio_console.h): its registers, and its two split
 * virtqueues in guest RAM. The guest's rings are read field by field, each once, and
 * every index and address is checked before it is used; on anything wrong the device
 * goes broken (broken(), below) instead of trusting it.
 */
#include <vmm/bytes.h>
#include <vmm/virtio_console.h>

#define RING_ALIGN         4096u
#define DESC_BYTES         16u
#define DESC_F_NEXT        1u
#define DESC_F_WRITE       2u
#define DESC_F_INDIRECT    4u
#define AVAIL_NO_INTERRUPT 1u
#define BAR_BYTES          0x20u

const struct vmm_pci_identity vmm_vcon_pci_identity = {
    .vendor = 0x1af4,
    .device = VMM_VCON_PCI_DEVICE,
    .subsystem_vendor = 0x1af4,
    .subsystem = VMM_VCON_TYPE,
    .class_code = 0x078000, /* communication controller, other */
    .revision = 0,
};

/* Where each part of a queue's rings lies, guest-physical. */
struct rings {
    uint64_t desc, avail, used, end;
};

static struct rings rings_of(uint32_t pfn)
{
    struct rings r;
    r.desc = (uint64_t)pfn * RING_ALIGN;
    r.avail = r.desc + VMM_VCON_QUEUE_SIZE * DESC_BYTES;
    uint64_t avail_end = r.avail + 4 + 2 * VMM_VCON_QUEUE_SIZE + 2;
    r.used = (avail_end + RING_ALIGN - 1) & ~(uint64_t)(RING_ALIGN - 1);
    r.end = r.used + 4 + 8 * VMM_VCON_QUEUE_SIZE + 2;
    return r;
}

static bool in_ram(const struct vmm_virtio_console *d, uint64_t gpa, uint64_t len)
{
    return d->ram && len <= d->ram_size && gpa <= d->ram_size - len;
}

/* Guest RAM loads and stores; callers check in_ram() first. */
static uint64_t load(const struct vmm_virtio_console *d, uint64_t gpa, unsigned width)
{
    return vmm_le_load(d->ram + gpa, width);
}

static void store(struct vmm_virtio_console *d, uint64_t gpa, unsigned width, uint64_t v)
{
    vmm_le_store(d->ram + gpa, width, v);
}

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
    uint8_t *ram = d->ram;
    uint64_t size = d->ram_size;
    vmm_bytes_fill((uint8_t *)d, 0, sizeof(*d));
    d->ram = ram, d->ram_size = size;
}

void vmm_vcon_attach_ram(struct vmm_virtio_console *d, uint8_t *ram, uint64_t size)
{
    d->ram = ram;
    d->ram_size = ram ? size : 0;
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

/* The driver gives the device buffers of a queue's chain: walk the chain from head,
 * calling `each` on every buffer in order; false (the device broken) on a bad chain. */
struct chain_walk {
    uint64_t addr;
    uint32_t len;
    bool device_writes;
};

static bool chain_buffer(struct vmm_virtio_console *d, const struct rings *r, unsigned index,
                         struct chain_walk *b, unsigned *next, bool *more)
{
    if (index >= VMM_VCON_QUEUE_SIZE) {
        broken(d, "descriptor index outside the queue: ", index);
        return false;
    }
    uint64_t at = r->desc + (uint64_t)index * DESC_BYTES;
    b->addr = load(d, at, 8);
    b->len = (uint32_t)load(d, at + 8, 4);
    unsigned flags = (unsigned)load(d, at + 12, 2);
    *next = (unsigned)load(d, at + 14, 2);
    *more = (flags & DESC_F_NEXT) != 0;
    b->device_writes = (flags & DESC_F_WRITE) != 0;
    if (flags & DESC_F_INDIRECT) {
        broken(d, "indirect descriptor (not offered) at index ", index);
        return false;
    }
    if (!in_ram(d, b->addr, b->len)) {
        broken(d, "buffer outside guest RAM at guest-physical ", b->addr);
        return false;
    }
    return true;
}

/* The next available chain's head, or -1 (none, or the device broke). */
static int next_available(struct vmm_virtio_console *d, unsigned q, const struct rings *r)
{
    struct vmm_vcon_queue *vq = &d->queue[q];
    uint16_t avail_idx = (uint16_t)load(d, r->avail + 2, 2);
    uint16_t ahead = (uint16_t)(avail_idx - vq->last_avail);
    if (ahead == 0)
        return -1;
    if (ahead > VMM_VCON_QUEUE_SIZE) {
        broken(d, "available index runs ahead of the queue by ", ahead);
        return -1;
    }
    unsigned slot = vq->last_avail % VMM_VCON_QUEUE_SIZE;
    unsigned head = (unsigned)load(d, r->avail + 4 + 2 * slot, 2);
    if (head >= VMM_VCON_QUEUE_SIZE) {
        broken(d, "available chain head outside the queue: ", head);
        return -1;
    }
    vq->last_avail++;
    return (int)head;
}

/* The chain `head` is done, `written` bytes written into it: put it in the used ring
 * and raise the interrupt unless the driver asked for none. */
static void put_used(struct vmm_virtio_console *d, unsigned q, const struct rings *r, unsigned head,
                     uint32_t written)
{
    struct vmm_vcon_queue *vq = &d->queue[q];
    uint64_t elem = r->used + 4 + 8 * (uint64_t)(vq->used_idx % VMM_VCON_QUEUE_SIZE);
    store(d, elem, 4, head);
    store(d, elem + 4, 4, written);
    vq->used_idx++;
    store(d, r->used + 2, 2, vq->used_idx);
    if (!(load(d, r->avail, 2) & AVAIL_NO_INTERRUPT))
        d->isr |= VMM_VCON_ISR_QUEUE;
}

/* A queue the device may use now: its rings (false when it is not set up, the driver is
 * not ready, or the device is broken). */
static bool usable(const struct vmm_virtio_console *d, unsigned q, struct rings *r)
{
    if (d->broken || !(d->status & VMM_VCON_STATUS_DRIVER_OK) || d->queue[q].pfn == 0)
        return false;
    *r = rings_of(d->queue[q].pfn);
    return true;
}

/* The transmit queue: copy every available chain's device-readable bytes out. */
static void transmit(struct vmm_virtio_console *d)
{
    struct rings r;
    if (!usable(d, VMM_VCON_TX, &r))
        return;
    for (unsigned taken = 0; taken < VMM_VCON_QUEUE_SIZE; taken++) {
        int head = next_available(d, VMM_VCON_TX, &r);
        if (head < 0)
            return;
        unsigned index = (unsigned)head, steps = 0;
        bool more = true;
        while (more) {
            struct chain_walk b;
            if (++steps > VMM_VCON_QUEUE_SIZE) {
                broken(d, "descriptor chain longer than the queue from head ", (unsigned)head);
                return;
            }
            if (!chain_buffer(d, &r, index, &b, &index, &more))
                return;
            if (b.device_writes)
                continue; /* nothing to read from a buffer for the device to fill */
            for (uint32_t i = 0; i < b.len; i++) {
                if (d->tx_len < VMM_VCON_TX_BUFFER)
                    d->tx[d->tx_len++] = d->ram[b.addr + i];
                else
                    d->tx_dropped++;
            }
            d->bytes_out += b.len;
        }
        put_used(d, VMM_VCON_TX, &r, (unsigned)head, 0);
    }
}

static void set_queue_pfn(struct vmm_virtio_console *d, uint32_t pfn)
{
    if (d->queue_select >= VMM_VCON_QUEUES)
        return;
    struct vmm_vcon_queue *vq = &d->queue[d->queue_select];
    *vq = (struct vmm_vcon_queue){.pfn = pfn};
    if (pfn == 0)
        return;
    struct rings r = rings_of(pfn);
    if (!in_ram(d, r.desc, r.end - r.desc))
        broken(d, "queue rings outside guest RAM at page frame ", pfn);
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
    struct rings r;
    unsigned taken = 0;
    if (!usable(d, VMM_VCON_RX, &r))
        return 0;
    while (taken < n) {
        int head = next_available(d, VMM_VCON_RX, &r);
        if (head < 0)
            break;
        unsigned index = (unsigned)head, steps = 0;
        uint32_t written = 0;
        bool more = true;
        while (more && taken < n) {
            struct chain_walk b;
            if (++steps > VMM_VCON_QUEUE_SIZE) {
                broken(d, "descriptor chain longer than the queue from head ", (unsigned)head);
                return taken;
            }
            if (!chain_buffer(d, &r, index, &b, &index, &more))
                return taken;
            if (!b.device_writes)
                continue;
            uint32_t room = b.len, put = 0;
            for (; put < room && taken < n; put++)
                d->ram[b.addr + put] = bytes[taken++];
            written += put;
        }
        put_used(d, VMM_VCON_RX, &r, (unsigned)head, written);
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
