/*
 * The driver's side of a split virtqueue (virtq.h). Ordering with the device: the driver
 * writes descriptors and available-ring entries, then stores avail->idx with release; it
 * loads used->idx with acquire before it reads used elements. The two "should I tell the
 * other side" checks (kick, interrupt) put a full fence between the store of one side's
 * word and the load of the other's, as the specification's notification suppression
 * requires.
 */
#include "virtq.h"

bool virtq_size_ok(uint32_t size)
{
    return size >= 2 && size <= VIRTQ_MAX_SIZE && (size & (size - 1)) == 0;
}

void virtq_init(struct virtq *q, void *area, uint64_t paddr, uint16_t size,
                enum virtq_direction direction)
{
    volatile uint8_t *bytes = area;
    for (uint32_t i = 0; i < VIRTQ_AREA_BYTES; i++)
        bytes[i] = 0;
    q->desc = (volatile struct virtq_desc *)bytes;
    q->avail = (volatile struct virtq_avail *)(bytes + VIRTQ_AVAIL_OFFSET);
    q->headers = bytes + VIRTQ_HEADERS_OFFSET;
    q->used = (volatile struct virtq_used *)(bytes + VIRTQ_USED_OFFSET);
    q->paddr = paddr;
    q->size = size;
    q->slots = (uint16_t)(size / 2);
    q->desc_flags = direction == VIRTQ_DEVICE_WRITES ? VIRTQ_DESC_F_WRITE : 0;
    q->avail_idx = q->published = q->used_idx = q->in_flight = 0;
    q->n_free = q->slots;
    for (uint16_t s = 0; s < q->slots; s++) {
        q->free_slots[s] = (uint16_t)(q->slots - 1 - s); /* slot 0 is taken first */
        q->busy[s] = false;
    }
}

struct virtq_addresses virtq_addresses(const struct virtq *q)
{
    return (struct virtq_addresses){.desc = q->paddr,
                                    .avail = q->paddr + VIRTQ_AVAIL_OFFSET,
                                    .used = q->paddr + VIRTQ_USED_OFFSET};
}

bool virtq_post(struct virtq *q, struct queue_buffer buffer, uint32_t data_length)
{
    if (q->n_free == 0)
        return false;
    uint16_t slot = q->free_slots[--q->n_free];
    uint16_t head = (uint16_t)(2 * slot), data = (uint16_t)(head + 1);
    volatile uint8_t *header = q->headers + (uint32_t)slot * VIRTQ_HEADER_STRIDE;
    if (q->desc_flags == 0)
        for (uint32_t i = 0; i < VIRTIO_NET_HDR_BYTES; i++)
            header[i] = 0;
    /* Both descriptors are written in full every time: the device cannot have made the
     * driver trust anything it left in them. */
    q->desc[head].addr = q->paddr + VIRTQ_HEADERS_OFFSET + (uint64_t)slot * VIRTQ_HEADER_STRIDE;
    q->desc[head].len = VIRTIO_NET_HDR_BYTES;
    q->desc[head].flags = (uint16_t)(VIRTQ_DESC_F_NEXT | q->desc_flags);
    q->desc[head].next = data;
    q->desc[data].addr = buffer.offset;
    q->desc[data].len = data_length;
    q->desc[data].flags = q->desc_flags;
    q->desc[data].next = 0;
    q->held[slot] = buffer; /* before busy: a restart after a crash here finds no stale one */
    q->busy[slot] = true;
    q->in_flight++;
    q->avail->ring[q->avail_idx & (q->size - 1)] = head;
    q->avail_idx++;
    return true;
}

bool virtq_publish(struct virtq *q)
{
    if (q->published == q->avail_idx)
        return false;
    __atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
    q->published = q->avail_idx;
    return true;
}

bool virtq_kick_wanted(const struct virtq *q)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(__atomic_load_n(&q->used->flags, __ATOMIC_RELAXED) & VIRTQ_USED_F_NO_NOTIFY);
}

void virtq_interrupts(struct virtq *q, bool on)
{
    __atomic_store_n(&q->avail->flags, on ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
    if (on)
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool virtq_used_pending(const struct virtq *q)
{
    return q->in_flight > 0 && __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) != q->used_idx;
}

struct virtq_completion virtq_take(struct virtq *q)
{
    struct virtq_completion c = {.status = VIRTQ_NONE};
    if (!virtq_used_pending(q))
        return c;
    volatile struct virtq_used_elem *elem = &q->used->ring[q->used_idx & (q->size - 1)];
    c.id = elem->id;
    c.length = elem->len;
    q->used_idx++;
    uint32_t slot = c.id / 2;
    if (c.id >= q->size || c.id % 2 != 0 || !q->busy[slot]) {
        c.status = VIRTQ_BAD_ID;
        return c;
    }
    q->busy[slot] = false;
    q->free_slots[q->n_free++] = (uint16_t)slot;
    q->in_flight--;
    c.status = VIRTQ_DONE;
    c.buffer = q->held[slot];
    return c;
}

unsigned virtq_held(const struct virtq *q, struct queue_buffer out[VIRTQ_MAX_SLOTS])
{
    unsigned n = 0;
    if (!virtq_size_ok(q->size))
        return 0;
    for (uint16_t s = 0; s < q->slots; s++)
        if (q->busy[s])
            out[n++] = q->held[s];
    return n;
}
