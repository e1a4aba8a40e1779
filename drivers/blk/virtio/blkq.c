/*
 * The virtio-blk driver's side of its split virtqueue (blkq.h). Ordering with the device:
 * the driver writes descriptors, headers, status bytes and available-ring entries, then
 * stores avail->idx with release; it loads used->idx with acquire before it reads used
 * elements and status bytes. The two "should I tell the other side" checks (kick,
 * interrupt) put a full fence between the store of one side's word and the load of the
 * other's, as the specification's notification suppression requires.
 */
#include "blkq.h"

static bool size_ok(uint32_t size)
{
    return size >= 2 && size <= BLKQ_MAX_SIZE && (size & (size - 1)) == 0;
}

/* Data descriptors a BLKQ_MAX_BYTES request needs with segments of at most `size_max`. */
static uint32_t segments_needed(uint32_t size_max)
{
    if (size_max == 0 || size_max >= BLKQ_MAX_BYTES)
        return 1;
    return (BLKQ_MAX_BYTES + size_max - 1) / size_max;
}

enum blkq_init_status blkq_init(struct blkq *q, void *area, uint64_t paddr, uint16_t size,
                                struct blkq_limits limits)
{
    q->size = 0;
    if (!size_ok(size))
        return BLKQ_INIT_BAD_SIZE;
    uint32_t segments = segments_needed(limits.size_max);
    if (segments > BLKQ_MAX_SEGMENTS || (limits.seg_max != 0 && segments > limits.seg_max) ||
        segments + 2 > size)
        return BLKQ_INIT_LIMITS;
    volatile uint8_t *bytes = area;
    for (uint32_t i = 0; i < BLKQ_AREA_BYTES; i++)
        bytes[i] = 0;
    q->desc = (volatile struct virtq_desc *)bytes;
    q->avail = (volatile struct virtq_avail *)(bytes + BLKQ_AVAIL_OFFSET);
    q->headers = (volatile struct virtio_blk_req_header *)(bytes + BLKQ_HEADERS_OFFSET);
    q->status = bytes + BLKQ_STATUS_OFFSET;
    q->used = (volatile struct virtq_used *)(bytes + BLKQ_USED_OFFSET);
    q->paddr = paddr;
    q->size = size;
    q->segments = (uint16_t)segments;
    q->segment_bytes = segments == 1 ? BLKQ_MAX_BYTES : limits.size_max;
    q->chain_descs = (uint16_t)(segments + 2);
    uint32_t slots = size / q->chain_descs;
    q->slots = (uint16_t)(slots < BLKQ_MAX_SLOTS ? slots : BLKQ_MAX_SLOTS);
    q->avail_idx = q->published = q->used_idx = q->in_flight = 0;
    q->n_free = q->slots;
    for (uint16_t s = 0; s < q->slots; s++) {
        q->free_slots[s] = (uint16_t)(q->slots - 1 - s); /* slot 0 is taken first */
        q->busy[s] = false;
    }
    return BLKQ_INIT_OK;
}

struct blkq_addresses blkq_addresses(const struct blkq *q)
{
    return (struct blkq_addresses){.desc = q->paddr,
                                   .avail = q->paddr + BLKQ_AVAIL_OFFSET,
                                   .used = q->paddr + BLKQ_USED_OFFSET};
}

/* Whether the device writes the chain's data (else it reads it, or there is none). */
static bool device_writes_data(uint32_t type)
{
    return type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
}

static bool chain_ok(const struct blkq_chain *c)
{
    switch (c->type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
        return c->data_bytes >= 1 && c->data_bytes <= BLKQ_MAX_BYTES;
    case VIRTIO_BLK_T_GET_ID:
        return c->data_bytes == VIRTIO_BLK_ID_BYTES;
    case VIRTIO_BLK_T_FLUSH:
        return c->data_bytes == 0;
    default:
        return false;
    }
}

/* Write descriptor `d` in full: the device cannot have made the driver trust anything it
 * left in the table. */
static void put_desc(struct blkq *q, uint32_t d, uint64_t addr, uint32_t len, uint16_t flags)
{
    q->desc[d].addr = addr;
    q->desc[d].len = len;
    q->desc[d].flags = flags;
    q->desc[d].next = (uint16_t)(flags & VIRTQ_DESC_F_NEXT ? d + 1 : 0);
}

bool blkq_post(struct blkq *q, struct blkq_chain chain, struct blk_request request)
{
    if (q->n_free == 0 || !chain_ok(&chain))
        return false;
    uint16_t slot = q->free_slots[--q->n_free];
    uint32_t head = (uint32_t)slot * q->chain_descs, d = head;
    q->headers[slot].type = chain.type;
    q->headers[slot].reserved = 0;
    q->headers[slot].sector =
        chain.type == VIRTIO_BLK_T_IN || chain.type == VIRTIO_BLK_T_OUT ? chain.sector : 0;
    q->status[slot] = BLKQ_STATUS_UNSET;
    put_desc(q, d++, q->paddr + BLKQ_HEADERS_OFFSET + (uint64_t)slot * 16, 16, VIRTQ_DESC_F_NEXT);
    uint16_t data_flags =
        (uint16_t)(VIRTQ_DESC_F_NEXT | (device_writes_data(chain.type) ? VIRTQ_DESC_F_WRITE : 0));
    for (uint32_t done = 0; done < chain.data_bytes;) {
        uint32_t n = chain.data_bytes - done;
        if (n > q->segment_bytes)
            n = q->segment_bytes;
        put_desc(q, d++, chain.data + done, n, data_flags);
        done += n;
    }
    put_desc(q, d, q->paddr + BLKQ_STATUS_OFFSET + slot, 1, VIRTQ_DESC_F_WRITE);
    q->type[slot] = (uint8_t)chain.type;
    q->writable[slot] = (device_writes_data(chain.type) ? chain.data_bytes : 0) + 1;
    q->held[slot] = request; /* before busy: a restart after a crash here finds no stale one */
    q->busy[slot] = true;
    q->in_flight++;
    q->avail->ring[q->avail_idx & (q->size - 1)] = (uint16_t)head;
    q->avail_idx++;
    return true;
}

bool blkq_publish(struct blkq *q)
{
    if (q->published == q->avail_idx)
        return false;
    __atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
    q->published = q->avail_idx;
    return true;
}

bool blkq_kick_wanted(const struct blkq *q)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(__atomic_load_n(&q->used->flags, __ATOMIC_RELAXED) & VIRTQ_USED_F_NO_NOTIFY);
}

void blkq_interrupts(struct blkq *q, bool on)
{
    __atomic_store_n(&q->avail->flags, on ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
    if (on)
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool blkq_used_pending(const struct blkq *q)
{
    return q->in_flight > 0 && __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) != q->used_idx;
}

struct blkq_completion blkq_take(struct blkq *q)
{
    struct blkq_completion c = {.status = BLKQ_NONE};
    if (!blkq_used_pending(q))
        return c;
    volatile struct virtq_used_elem *elem = &q->used->ring[q->used_idx & (q->size - 1)];
    c.id = elem->id;
    c.length = elem->len;
    q->used_idx++;
    uint32_t slot = c.id / q->chain_descs;
    if (c.id >= (uint32_t)q->slots * q->chain_descs || c.id % q->chain_descs != 0 ||
        !q->busy[slot]) {
        c.status = BLKQ_BAD_ID;
        return c;
    }
    c.device_status = q->status[slot];
    c.type = q->type[slot];
    c.writable = q->writable[slot];
    c.request = q->held[slot];
    q->busy[slot] = false;
    q->free_slots[q->n_free++] = (uint16_t)slot;
    q->in_flight--;
    c.status = BLKQ_DONE;
    return c;
}

enum blk_status blkq_result(const struct blkq_completion *c)
{
    if (c->status != BLKQ_DONE || c->device_status != VIRTIO_BLK_S_OK)
        return BLK_ERR_IO;
    if (device_writes_data(c->type) && c->length < c->writable)
        return BLK_ERR_IO;
    return BLK_OK;
}

unsigned blkq_held(const struct blkq *q, struct blk_request out[BLKQ_MAX_SLOTS])
{
    unsigned n = 0;
    if (!size_ok(q->size))
        return 0;
    for (uint16_t s = 0; s < q->slots; s++)
        if (q->busy[s])
            out[n++] = q->held[s];
    return n;
}
