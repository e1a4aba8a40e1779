/*
 * A legacy split virtqueue, device side (virtqueue.h). The ring addresses come from the
 * page frame number alone, checked against guest RAM when it is set; each descriptor's
 * fields are loaded once into a local copy and checked there, so a guest changing its
 * ring meanwhile changes nothing the device already decided.
 */
#include <vmm/bytes.h>
#include <vmm/virtqueue.h>

#define RING_ALIGN         4096u
#define DESC_BYTES         16u
#define DESC_F_NEXT        1u
#define DESC_F_WRITE       2u
#define DESC_F_INDIRECT    4u
#define AVAIL_NO_INTERRUPT 1u

struct rings {
    uint64_t desc, avail, used, end;
};

static struct rings rings_of(uint32_t pfn)
{
    struct rings r;
    r.desc = (uint64_t)pfn * RING_ALIGN;
    r.avail = r.desc + VMM_VQ_SIZE * DESC_BYTES;
    uint64_t avail_end = r.avail + 4 + 2 * VMM_VQ_SIZE + 2;
    r.used = (avail_end + RING_ALIGN - 1) & ~(uint64_t)(RING_ALIGN - 1);
    r.end = r.used + 4 + 8 * VMM_VQ_SIZE + 2;
    return r;
}

bool vmm_guest_ram_holds(const struct vmm_guest_ram *ram, uint64_t gpa, uint64_t len)
{
    return ram->base && len <= ram->size && gpa <= ram->size - len;
}

/* Loads and stores inside rings already checked to lie in guest RAM. */
static uint64_t load(const struct vmm_guest_ram *ram, uint64_t gpa, unsigned width)
{
    return vmm_le_load(ram->base + gpa, width);
}

static void store(const struct vmm_guest_ram *ram, uint64_t gpa, unsigned width, uint64_t v)
{
    vmm_le_store(ram->base + gpa, width, v);
}

static enum vmm_vq_result fault_of(struct vmm_vq_fault *f, const char *why, uint64_t value)
{
    f->why = why;
    f->value = value;
    return VMM_VQ_FAULT;
}

bool vmm_vq_set_pfn(struct vmm_vq *q, const struct vmm_guest_ram *ram, uint32_t pfn,
                    struct vmm_vq_fault *fault)
{
    *q = (struct vmm_vq){.pfn = pfn};
    if (pfn == 0)
        return true;
    struct rings r = rings_of(pfn);
    if (vmm_guest_ram_holds(ram, r.desc, r.end - r.desc))
        return true;
    fault_of(fault, "queue rings outside guest RAM at page frame ", pfn);
    return false;
}

/* Read and check descriptor `index` into *b; *next and *more say where the chain goes. */
static enum vmm_vq_result descriptor(const struct vmm_guest_ram *ram, const struct rings *r,
                                     unsigned index, struct vmm_vq_buffer *b, unsigned *next,
                                     bool *more, struct vmm_vq_fault *fault)
{
    if (index >= VMM_VQ_SIZE)
        return fault_of(fault, "descriptor index outside the queue: ", index);
    uint64_t at = r->desc + (uint64_t)index * DESC_BYTES;
    b->addr = load(ram, at, 8);
    b->len = (uint32_t)load(ram, at + 8, 4);
    unsigned flags = (unsigned)load(ram, at + 12, 2);
    *next = (unsigned)load(ram, at + 14, 2);
    *more = (flags & DESC_F_NEXT) != 0;
    b->device_writes = (flags & DESC_F_WRITE) != 0;
    if (flags & DESC_F_INDIRECT)
        return fault_of(fault, "indirect descriptor (not offered) at index ", index);
    if (!vmm_guest_ram_holds(ram, b->addr, b->len))
        return fault_of(fault, "buffer outside guest RAM at guest-physical ", b->addr);
    return VMM_VQ_CHAIN;
}

enum vmm_vq_result vmm_vq_pop(struct vmm_vq *q, const struct vmm_guest_ram *ram,
                              struct vmm_vq_chain *c, struct vmm_vq_fault *fault)
{
    struct rings r = rings_of(q->pfn);
    if (q->pfn == 0 || !vmm_guest_ram_holds(ram, r.desc, r.end - r.desc))
        return fault_of(fault, "queue used before it was set up, page frame ", q->pfn);
    uint16_t avail_idx = (uint16_t)load(ram, r.avail + 2, 2);
    uint16_t ahead = (uint16_t)(avail_idx - q->last_avail);
    if (ahead == 0)
        return VMM_VQ_EMPTY;
    if (ahead > VMM_VQ_SIZE)
        return fault_of(fault, "available index runs ahead of the queue by ", ahead);
    unsigned slot = q->last_avail % VMM_VQ_SIZE;
    unsigned index = (unsigned)load(ram, r.avail + 4 + 2 * slot, 2);
    if (index >= VMM_VQ_SIZE)
        return fault_of(fault, "available chain head outside the queue: ", index);
    c->head = index;
    c->count = 0;
    for (bool more = true; more;) {
        if (c->count == VMM_VQ_SIZE)
            return fault_of(fault, "descriptor chain longer than the queue from head ", c->head);
        enum vmm_vq_result res =
            descriptor(ram, &r, index, &c->buf[c->count], &index, &more, fault);
        if (res != VMM_VQ_CHAIN)
            return res;
        c->count++;
    }
    q->last_avail++;
    return VMM_VQ_CHAIN;
}

bool vmm_vq_push(struct vmm_vq *q, const struct vmm_guest_ram *ram, unsigned head, uint32_t written)
{
    struct rings r = rings_of(q->pfn);
    if (q->pfn == 0 || !vmm_guest_ram_holds(ram, r.desc, r.end - r.desc))
        return false;
    uint64_t elem = r.used + 4 + 8 * (uint64_t)(q->used_idx % VMM_VQ_SIZE);
    store(ram, elem, 4, head);
    store(ram, elem + 4, 4, written);
    q->used_idx++;
    store(ram, r.used + 2, 2, q->used_idx);
    return !(load(ram, r.avail, 2) & AVAIL_NO_INTERRUPT);
}
