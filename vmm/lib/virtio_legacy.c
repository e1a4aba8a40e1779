/*
 * The legacy virtio-pci transport (virtio_legacy.h): the register block and the state
 * every device has. The rings are virtqueue.c's; any fault it finds, and any the device
 * reports, makes the device broken until the guest resets it.
 */
#include <vmm/bytes.h>
#include <vmm/virtio_legacy.h>

void vmm_vl_init(struct vmm_virtio_legacy *t, const struct vmm_vl_kind *kind,
                 struct vmm_guest_ram ram)
{
    vmm_bytes_fill((uint8_t *)t, 0, sizeof(*t));
    t->kind = kind;
    t->ram = ram;
}

void vmm_vl_attach_ram(struct vmm_virtio_legacy *t, uint8_t *ram, uint64_t size)
{
    t->ram = (struct vmm_guest_ram){.base = ram, .size = ram ? size : 0};
}

void vmm_vl_broken(struct vmm_virtio_legacy *t, const char *why, uint64_t value)
{
    if (t->broken)
        return;
    t->broken = true;
    t->problem_new = true;
    vmm_error_set(&t->problem, t->kind->broken_prefix, 0, false);
    vmm_error_append(&t->problem, why, value, true);
}

/* The register file as bytes, for reads. */
static void register_bytes(const struct vmm_virtio_legacy *t, const uint8_t *config,
                           uint8_t out[VMM_VL_BAR_BYTES])
{
    vmm_bytes_fill(out, 0, VMM_VL_BAR_BYTES);
    vmm_le_store(out + VMM_VL_DEVICE_FEATURES, 4, t->kind->device_features);
    vmm_le_store(out + VMM_VL_GUEST_FEATURES, 4, t->guest_features);
    if (t->queue_select < VMM_VL_QUEUES) {
        vmm_le_store(out + VMM_VL_QUEUE_PFN, 4, t->queue[t->queue_select].pfn);
        vmm_le_store(out + VMM_VL_QUEUE_SIZE_REG, 2, VMM_VQ_SIZE);
    }
    vmm_le_store(out + VMM_VL_QUEUE_SELECT, 2, t->queue_select);
    out[VMM_VL_STATUS] = t->status;
    out[VMM_VL_ISR] = t->isr;
    vmm_bytes_copy(out + VMM_VL_CONFIG, config, VMM_VL_CONFIG_MAX);
}

uint32_t vmm_vl_read(struct vmm_virtio_legacy *t, unsigned offset, unsigned size,
                     const uint8_t config[VMM_VL_CONFIG_MAX])
{
    uint8_t regs[VMM_VL_BAR_BYTES];
    register_bytes(t, config, regs);
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned at = offset + i;
        value |= (uint32_t)(at < VMM_VL_BAR_BYTES ? regs[at] : 0xff) << (8 * i);
        if (at == VMM_VL_ISR)
            t->isr = 0; /* reading the ISR acknowledges the interrupt */
    }
    return value;
}

static void set_queue_pfn(struct vmm_virtio_legacy *t, uint32_t pfn)
{
    if (t->queue_select >= VMM_VL_QUEUES)
        return;
    struct vmm_vq_fault f;
    if (!vmm_vq_set_pfn(&t->queue[t->queue_select], &t->ram, pfn, &f))
        vmm_vl_broken(t, f.why, f.value);
}

enum vmm_vl_write_effect vmm_vl_write(struct vmm_virtio_legacy *t, unsigned offset, unsigned size,
                                      uint32_t value)
{
    if (offset == VMM_VL_GUEST_FEATURES && size == 4) {
        t->guest_features = value & t->kind->device_features; /* only what was offered */
    } else if (offset == VMM_VL_QUEUE_PFN && size == 4) {
        set_queue_pfn(t, value);
    } else if (offset == VMM_VL_QUEUE_SELECT && size == 2) {
        t->queue_select = (uint16_t)value;
    } else if (offset == VMM_VL_QUEUE_NOTIFY && size == 2) {
        t->notifies++;
        return VMM_VL_NOTIFY;
    } else if (offset == VMM_VL_STATUS && size == 1) {
        if ((value & 0xff) == 0)
            return VMM_VL_RESET;
        t->status = (uint8_t)value;
    }
    return VMM_VL_WRITTEN;
}

bool vmm_vl_usable(const struct vmm_virtio_legacy *t, unsigned q)
{
    return q < VMM_VL_QUEUES && !t->broken && (t->status & VMM_VL_STATUS_DRIVER_OK) &&
           t->queue[q].pfn != 0;
}

bool vmm_vl_pop(struct vmm_virtio_legacy *t, unsigned q, struct vmm_vq_chain *c)
{
    struct vmm_vq_fault f;
    enum vmm_vq_result r = vmm_vq_pop(&t->queue[q], &t->ram, c, &f);
    if (r == VMM_VQ_FAULT)
        vmm_vl_broken(t, f.why, f.value);
    return r == VMM_VQ_CHAIN;
}

void vmm_vl_push(struct vmm_virtio_legacy *t, unsigned q, unsigned head, uint32_t written)
{
    if (vmm_vq_push(&t->queue[q], &t->ram, head, written))
        t->isr |= VMM_VL_ISR_QUEUE;
}

bool vmm_vl_irq(const struct vmm_virtio_legacy *t)
{
    return (t->isr & VMM_VL_ISR_QUEUE) != 0;
}

const char *vmm_vl_problem(struct vmm_virtio_legacy *t)
{
    if (!t->problem_new)
        return 0;
    t->problem_new = false;
    return t->problem.msg;
}
