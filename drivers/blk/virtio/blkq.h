/*
 * The virtio-blk driver's side of its one split virtqueue, kept in the driver's own DMA
 * memory. Every request is a chain of a fixed number of descriptors (a "slot"): the 16-byte
 * request header (device-readable, in this memory, one per slot), the data in
 * `segments` descriptors of at most `segment_bytes` each (the device's size_max; a chain
 * that needs fewer leaves the rest unused), then the status byte (device-writable, in this
 * memory, one per slot). Slot k always uses descriptors k * chain_descs onwards, so a queue
 * of `size` descriptors carries size / chain_descs requests at once.
 *
 * What it guarantees whatever the device writes into the shared structures: it reads and
 * writes only the queue's area; it hands back a request only for a used entry whose id is
 * the head of a chain it made available and has not had back yet, and then exactly the
 * request it was given for that chain (so a request cannot be answered twice, nor one
 * never given); every used element and status byte is read once. The private state (size,
 * indices, which slots are busy and what they hold) lives outside the shared area.
 *
 * Layout of the area (BLKQ_AREA_BYTES, physically contiguous):
 *   0x0000  descriptor table (16 bytes x size, at most 4 KiB)
 *   0x1000  available ring (at most 518 bytes)
 *   0x1400  the request headers, 16 bytes per slot (at most 2 KiB)
 *   0x1c00  the status bytes, one per slot
 *   0x2000  used ring (at most 2054 bytes)
 *
 * No system calls and no device registers: the caller kicks and waits. Freestanding C11.
 */
#ifndef VIRTIO_BLK_BLKQ_H
#define VIRTIO_BLK_BLKQ_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/blk/protocol.h>

#include "virtio_blk.h"

#define BLKQ_MAX_SIZE       256u /* descriptors */
#define BLKQ_MAX_SLOTS      128u /* requests in flight at most (the protocol's ring) */
#define BLKQ_MAX_SEGMENTS   32u  /* data descriptors per chain at most */
#define BLKQ_MAX_BYTES      (BLK_MAX_REQUEST_BLOCKS * BLK_BLOCK_SIZE) /* data per chain */
#define BLKQ_AREA_BYTES     0x3000u
#define BLKQ_AVAIL_OFFSET   0x1000u
#define BLKQ_HEADERS_OFFSET 0x1400u
#define BLKQ_STATUS_OFFSET  0x1c00u
#define BLKQ_USED_OFFSET    0x2000u
#define BLKQ_STATUS_UNSET   0xffu /* written before the device sees a chain */

_Static_assert(VIRTQ_DESC_BYTES(BLKQ_MAX_SIZE) <= BLKQ_AVAIL_OFFSET, "descriptors fit");
_Static_assert(BLKQ_AVAIL_OFFSET + VIRTQ_AVAIL_BYTES(BLKQ_MAX_SIZE) <= BLKQ_HEADERS_OFFSET,
               "the available ring fits");
_Static_assert(BLKQ_HEADERS_OFFSET + BLKQ_MAX_SLOTS * sizeof(struct virtio_blk_req_header) <=
                   BLKQ_STATUS_OFFSET,
               "the headers fit");
_Static_assert(BLKQ_STATUS_OFFSET + BLKQ_MAX_SLOTS <= BLKQ_USED_OFFSET, "the status bytes fit");
_Static_assert(BLKQ_USED_OFFSET + VIRTQ_USED_BYTES(BLKQ_MAX_SIZE) <= BLKQ_AREA_BYTES,
               "the used ring fits");
_Static_assert(BLKQ_MAX_SLOTS >= BLK_QUEUE_CAPACITY, "a slot for every request the ring holds");

/* What the device allows, from its configuration (0: no limit given). */
struct blkq_limits {
    uint32_t size_max; /* bytes per data descriptor (VIRTIO_BLK_F_SIZE_MAX) */
    uint32_t seg_max;  /* data descriptors per request (VIRTIO_BLK_F_SEG_MAX) */
};

enum blkq_init_status {
    BLKQ_INIT_OK,
    BLKQ_INIT_BAD_SIZE, /* not a power of two in [2, BLKQ_MAX_SIZE] */
    BLKQ_INIT_LIMITS,   /* a BLKQ_MAX_BYTES request does not fit the device's limits (more
                           than BLKQ_MAX_SEGMENTS or seg_max descriptors, or more than the
                           queue holds) */
};

struct blkq {
    /* Shared with the device. */
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    volatile struct virtio_blk_req_header *headers;
    volatile uint8_t *status;
    /* Private. */
    uint64_t paddr;         /* the area's device address */
    uint32_t segment_bytes; /* data bytes per descriptor at most */
    uint16_t size;          /* descriptors: a power of two, 2 to BLKQ_MAX_SIZE */
    uint16_t segments;      /* data descriptors per slot */
    uint16_t chain_descs;   /* segments + 2 */
    uint16_t slots;         /* size / chain_descs, at most BLKQ_MAX_SLOTS */
    uint16_t avail_idx;     /* chains made available, ever (mod 2^16) */
    uint16_t published;     /* avail_idx as last stored into the shared avail->idx */
    uint16_t used_idx;      /* used entries taken, ever (mod 2^16) */
    uint16_t in_flight;     /* busy slots */
    uint16_t n_free;        /* entries of free_slots */
    uint16_t free_slots[BLKQ_MAX_SLOTS];
    bool busy[BLKQ_MAX_SLOTS];
    uint8_t type[BLKQ_MAX_SLOTS];            /* each busy slot's VIRTIO_BLK_T_* */
    uint32_t writable[BLKQ_MAX_SLOTS];       /* bytes the device may write into it */
    struct blk_request held[BLKQ_MAX_SLOTS]; /* what each busy slot was given */
};

/* One request to make available: the chain's header fields and its data. */
struct blkq_chain {
    uint32_t type;       /* VIRTIO_BLK_T_IN, _OUT, _FLUSH or _GET_ID */
    uint64_t sector;     /* IN and OUT */
    uint64_t data;       /* device address of the data (none for FLUSH) */
    uint32_t data_bytes; /* 1 to BLKQ_MAX_BYTES; 0 for FLUSH */
};

/* Device addresses of the three parts, for the transport's queue registers. */
struct blkq_addresses {
    uint64_t desc, avail, used;
};

enum blkq_take_status {
    BLKQ_NONE,   /* nothing used (or nothing in flight) */
    BLKQ_DONE,   /* a chain came back: `request` is what it was given */
    BLKQ_BAD_ID, /* an entry naming no chain in flight: consumed, nothing returned */
};

struct blkq_completion {
    enum blkq_take_status status;
    struct blk_request request;
    uint32_t type;         /* the chain's VIRTIO_BLK_T_* */
    uint8_t device_status; /* the status byte as the device left it (read once) */
    uint32_t length;       /* what the device says it wrote (unchecked) */
    uint32_t writable;     /* what it could have written: data (IN, GET_ID) + 1 */
    uint32_t id;           /* the entry's id (for BLKQ_BAD_ID: what the device wrote) */
};

/* Set q up over `area` (BLKQ_AREA_BYTES at device address `paddr`), zeroing it: every
 * slot free, nothing available, device interrupts wanted. On any status but
 * BLKQ_INIT_OK q holds nothing (size 0) and the area is untouched. */
enum blkq_init_status blkq_init(struct blkq *q, void *area, uint64_t paddr, uint16_t size,
                                struct blkq_limits limits);

struct blkq_addresses blkq_addresses(const struct blkq *q);

static inline bool blkq_has_slot(const struct blkq *q)
{
    return q->n_free > 0;
}

/* Make `chain` available, holding `request` for its completion; false when every slot is
 * busy or the chain is malformed (data_bytes outside its type's range). Not visible to
 * the device until blkq_publish(). */
bool blkq_post(struct blkq *q, struct blkq_chain chain, struct blk_request request);

/* Store the available index (release: descriptors and ring entries first). Returns true
 * when it made new chains visible, i.e. when a kick may be due. */
bool blkq_publish(struct blkq *q);

/* After a publish: whether the device asks to be kicked (full fence, then its
 * VIRTQ_USED_F_NO_NOTIFY flag). */
bool blkq_kick_wanted(const struct blkq *q);

/* Ask the device for interrupts (on) or not. Turning them on ends with a full fence, so a
 * check of blkq_used_pending() after it and the device's check of the flag after it adds
 * a used entry cannot both miss each other. */
void blkq_interrupts(struct blkq *q, bool on);

/* Whether the device has used entries not yet taken (while chains are in flight). */
bool blkq_used_pending(const struct blkq *q);

/* Take the next used entry, if any (see enum blkq_take_status). */
struct blkq_completion blkq_take(struct blkq *q);

/* What a completion means in the block protocol: BLK_OK only for status byte OK with, for
 * a chain the device writes data into, a length that covers the data and the status;
 * anything else (an error, an unknown status byte, a short length) is BLK_ERR_IO. */
enum blk_status blkq_result(const struct blkq_completion *c);

/* The requests of the chains in flight, into out; returns how many. For a driver restarted
 * over its old memory (after it reset the device): what the device held is still the
 * driver's to answer. A queue never set up (size 0) holds none. */
unsigned blkq_held(const struct blkq *q, struct blk_request out[BLKQ_MAX_SLOTS]);

#endif /* VIRTIO_BLK_BLKQ_H */
