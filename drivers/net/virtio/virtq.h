/*
 * The driver's side of one split virtqueue, kept in the driver's own DMA memory, in which
 * every frame is a chain of two descriptors: the 12-byte virtio-net header (in the same
 * DMA memory, one per chain) and then the data buffer named by a descriptor from a
 * virtualiser (its device address). Chain k (a "slot") always uses descriptors 2k and
 * 2k + 1, so a queue of `size` descriptors carries size / 2 frames at once.
 *
 * What it guarantees whatever the device writes into the shared structures: it reads
 * and writes only the queue's area; it hands back a buffer only for a used entry whose id
 * is the head of a chain it made available and has not had back yet, and then exactly
 * the descriptor it was given for that chain (so a buffer cannot be returned twice, nor
 * one never given); every used element is read once. The private state (size, indices,
 * which slots are busy and what they hold) lives outside the shared area.
 *
 * Layout of a queue's area (VIRTQ_AREA_BYTES, physically contiguous):
 *   0x0000  descriptor table (16 bytes x size, at most 4 KiB)
 *   0x1000  available ring (at most 518 bytes)
 *   0x1400  the headers, VIRTQ_HEADER_STRIDE bytes per slot (at most 2 KiB)
 *   0x2000  used ring (at most 2054 bytes)
 *
 * No system calls and no device registers: the caller kicks and waits. Freestanding C11.
 */
#ifndef VIRTIO_NET_VIRTQ_H
#define VIRTIO_NET_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/queue/buffer.h>

#include "virtio_net.h"

#define VIRTQ_MAX_SIZE       256u /* descriptors: 128 frames in flight */
#define VIRTQ_MAX_SLOTS      (VIRTQ_MAX_SIZE / 2)
#define VIRTQ_AREA_BYTES     0x3000u
#define VIRTQ_AVAIL_OFFSET   0x1000u
#define VIRTQ_HEADERS_OFFSET 0x1400u
#define VIRTQ_HEADER_STRIDE  16u
#define VIRTQ_USED_OFFSET    0x2000u

_Static_assert(VIRTQ_DESC_BYTES(VIRTQ_MAX_SIZE) <= VIRTQ_AVAIL_OFFSET, "descriptors fit");
_Static_assert(VIRTQ_AVAIL_OFFSET + VIRTQ_AVAIL_BYTES(VIRTQ_MAX_SIZE) <= VIRTQ_HEADERS_OFFSET,
               "the available ring fits");
_Static_assert(VIRTQ_HEADERS_OFFSET + VIRTQ_MAX_SLOTS * VIRTQ_HEADER_STRIDE <= VIRTQ_USED_OFFSET,
               "the headers fit");
_Static_assert(VIRTQ_USED_OFFSET + VIRTQ_USED_BYTES(VIRTQ_MAX_SIZE) <= VIRTQ_AREA_BYTES,
               "the used ring fits");
_Static_assert(VIRTIO_NET_HDR_BYTES <= VIRTQ_HEADER_STRIDE, "a header fits its stride");

/* Who writes the data buffers: the device (receive) or the driver (transmit). */
enum virtq_direction {
    VIRTQ_DEVICE_READS,
    VIRTQ_DEVICE_WRITES,
};

struct virtq {
    /* Shared with the device. */
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    volatile uint8_t *headers;
    /* Private. */
    uint64_t paddr;      /* the area's device address */
    uint16_t size;       /* descriptors: a power of two, 2 to VIRTQ_MAX_SIZE */
    uint16_t slots;      /* size / 2 */
    uint16_t desc_flags; /* VIRTQ_DESC_F_WRITE when the device writes */
    uint16_t avail_idx;  /* chains made available, ever (mod 2^16) */
    uint16_t published;  /* avail_idx as last stored into the shared avail->idx */
    uint16_t used_idx;   /* used entries taken, ever (mod 2^16) */
    uint16_t in_flight;  /* busy slots */
    uint16_t n_free;     /* entries of free_slots */
    uint16_t free_slots[VIRTQ_MAX_SLOTS];
    bool busy[VIRTQ_MAX_SLOTS];
    struct queue_buffer held[VIRTQ_MAX_SLOTS]; /* what each busy slot was given */
};

/* Device addresses of the three parts, for the transport's queue registers. */
struct virtq_addresses {
    uint64_t desc, avail, used;
};

/* Result of taking one used entry. */
enum virtq_take_status {
    VIRTQ_NONE,   /* nothing used (or nothing in flight) */
    VIRTQ_DONE,   /* a chain came back: `buffer` is what it was given, `length` what the
                     device says it wrote (unchecked: the caller judges it) */
    VIRTQ_BAD_ID, /* an entry naming no chain in flight: consumed, nothing returned */
};

struct virtq_completion {
    enum virtq_take_status status;
    struct queue_buffer buffer;
    uint32_t length;
    uint32_t id; /* the entry's id (for VIRTQ_BAD_ID: what the device wrote) */
};

/* Whether `size` descriptors is a queue this code can run: a power of two, 2 to 256. */
bool virtq_size_ok(uint32_t size);

/* Set q up over `area` (VIRTQ_AREA_BYTES at device address `paddr`), zeroing it: every
 * slot free, nothing available, device interrupts wanted. size must pass virtq_size_ok. */
void virtq_init(struct virtq *q, void *area, uint64_t paddr, uint16_t size,
                enum virtq_direction direction);

struct virtq_addresses virtq_addresses(const struct virtq *q);

static inline bool virtq_has_slot(const struct virtq *q)
{
    return q->n_free > 0;
}

/* Make `buffer` available as a chain of its slot's header and `data_length` bytes at
 * buffer.offset (a device address); false when every slot is busy. Not visible to the
 * device until virtq_publish(). The header of a device-read queue is zeroed. */
bool virtq_post(struct virtq *q, struct queue_buffer buffer, uint32_t data_length);

/* Store the available index (release: descriptors and ring entries first). Returns true
 * when it made new chains visible, i.e. when a kick may be due. */
bool virtq_publish(struct virtq *q);

/* After a publish: whether the device asks to be kicked (full fence, then its
 * VIRTQ_USED_F_NO_NOTIFY flag). */
bool virtq_kick_wanted(const struct virtq *q);

/* Ask the device for interrupts (on) or not (VIRTQ_AVAIL_F_NO_INTERRUPT). Turning them
 * on ends with a full fence, so a check of virtq_used_pending() after it and the device's
 * check of the flag after it adds a used entry cannot both miss each other. */
void virtq_interrupts(struct virtq *q, bool on);

/* Whether the device has used entries not yet taken (while chains are in flight). */
bool virtq_used_pending(const struct virtq *q);

/* Take the next used entry, if any (see enum virtq_take_status). */
struct virtq_completion virtq_take(struct virtq *q);

/* The buffers of the chains in flight, into out; returns how many. For a driver restarted
 * over its old memory (after it reset the device): what the device held is still the
 * driver's to give back. A queue never set up (size 0) holds none. */
unsigned virtq_held(const struct virtq *q, struct queue_buffer out[VIRTQ_MAX_SLOTS]);

#endif /* VIRTIO_NET_VIRTQ_H */
