/*
 * The block class's shared-memory protocol: how a connection between two block components
 * is laid out, what a request and a response say, and when a write is durable. Both ends of
 * a connection include this header; docs/drivers.md ("Block") is the prose.
 *
 *   client -> blk_virt -> driver -> device        (requests)
 *   client <- blk_virt <- driver <- device        (responses)
 *
 * A connection is a queue region of BLK_QUEUE_REGION_SIZE bytes that both ends map
 * read-write, plus one channel that both ends notify. The region holds:
 *
 *   BLK_INFO_OFFSET      struct blk_info: what the server side says about the disk (or
 *                        partition): written once by the server, `ready` last
 *   BLK_RESYNC_OFFSET    struct blk_resync: a driver's restarts and its client's
 *                        acknowledgements (driver connections only)
 *   BLK_REQUEST_OFFSET   the request ring: client to server (bastion/blk/queue.h)
 *   BLK_RESPONSE_OFFSET  the response ring: server to client
 *
 * Requests name data by (offset, count): `count` blocks of BLK_BLOCK_SIZE bytes at
 * `offset`. Between a client and blk_virt the offset is into the client's data region (its
 * own, BLK_DATA_REGION_SIZE bytes, read-write for the client; blk_virt maps it only to learn
 * its device address), and the block number is relative to the client's partition. Between
 * blk_virt and the driver the offset is a *device address* (checked against
 * BLK_DEVICE_ADDRESS_LIMIT) and the block number is the disk's. So the device reads and
 * writes the client's buffer directly (no copy), the driver maps no client memory, and a
 * client names nothing outside its region and its partition: blk_virt checks both.
 *
 * Ids: a client chooses each request's id (any 32-bit value; the library uses its
 * buffer-slot numbers) and the response carries it back. Responses may come in any order.
 * A server answers every request it dequeues exactly once, including refused ones.
 *
 * Durability (what a response promises):
 *   BLK_READ   the data is in the buffer.
 *   BLK_WRITE  the device has the data; it may be in the device's volatile cache, so a
 *              power cut can still lose it.
 *   BLK_FLUSH  every write whose response the client had received before it enqueued the
 *              flush is durable. A flush is also a barrier: the server starts no request
 *              enqueued after it before the flush completes, and completes it only after
 *              every request enqueued before it has completed. So "write, wait for its
 *              response, flush, wait" makes the write durable, and so does "write, flush"
 *              enqueued together (the barrier orders them).
 *
 * Signalling is the queue library's (bastion/queue/signal.h), on each ring: a side that
 * finds nothing to do sets the ring's signal flag and re-checks before it waits; a side
 * that enqueues notifies the peer only if the flag was set.
 *
 * Freestanding C11: only compiler headers and the queue library.
 */
#ifndef BASTION_BLK_PROTOCOL_H
#define BASTION_BLK_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/queue/ring.h>

#define BLK_BLOCK_SIZE           4096u /* bytes per block in every request */
#define BLK_SECTOR_SIZE          512u  /* the disk's unit: partition tables count in these */
#define BLK_SECTORS_PER_BLOCK    (BLK_BLOCK_SIZE / BLK_SECTOR_SIZE)
#define BLK_MAX_REQUEST_BLOCKS   32u  /* 128 KiB: the most one request moves */
#define BLK_QUEUE_CAPACITY       128u /* entries of each ring */
#define BLK_QUEUE_REGION_SIZE    0x5000u
#define BLK_INFO_OFFSET          0x0u
#define BLK_REQUEST_OFFSET       0x1000u
#define BLK_RESPONSE_OFFSET      0x3000u
#define BLK_DATA_REGION_SIZE     0x200000u    /* a client's data region: 2 MiB */
#define BLK_DEVICE_ADDRESS_LIMIT (1ull << 52) /* x86_64's physical address width at most */

/* Clients blk_virt serves at most. */
#define BLK_MAX_CLIENTS 8u

/* Operations (struct blk_request.op). */
enum blk_op {
    BLK_READ = 1,
    BLK_WRITE = 2,
    BLK_FLUSH = 3, /* count, block and offset ignored */
    /* Driver connections only (blk_virt refuses it from a client, BLK_ERR_OP): a flush's
     * ordering without its durability. The driver starts nothing enqueued after it before
     * it is answered, and answers it once every request before it is; the device is not
     * asked to flush its cache. A restarted blk_virt's first request (docs/drivers.md,
     * "Restarting blk_virt"). Count, block and offset ignored. */
    BLK_BARRIER = 4,
};

/* Response status (struct blk_response.status). */
enum blk_status {
    BLK_OK = 0,
    BLK_ERR_IO = 1,        /* the device failed the request */
    BLK_ERR_RANGE = 2,     /* blocks outside the disk or partition: nothing done */
    BLK_ERR_BUFFER = 3,    /* the buffer is not inside the data region: nothing done */
    BLK_ERR_OP = 4,        /* an unknown operation, or a count of 0 or above the maximum */
    BLK_ERR_READ_ONLY = 5, /* a write to a read-only disk or partition */
    BLK_ERR_NOT_READY = 6, /* the server has no disk (yet): nothing done */
};

/* One request as it lies in a ring slot (shared memory). */
struct blk_request {
    uint32_t id; /* the client's; echoed in the response */
    uint16_t op; /* enum blk_op */
    uint16_t reserved0;
    uint32_t count; /* blocks, 1 to BLK_MAX_REQUEST_BLOCKS (READ, WRITE) */
    uint32_t reserved1;
    uint64_t block;  /* the first block */
    uint64_t offset; /* the buffer: data-region offset (client) or device address (driver) */
};
_Static_assert(sizeof(struct blk_request) == 32, "blk_request is part of the shared ABI");
_Static_assert(offsetof(struct blk_request, block) == 16, "blk_request.block");

/* One response. */
struct blk_response {
    uint32_t id;     /* the request's */
    uint16_t status; /* enum blk_status */
    uint16_t reserved0;
    uint32_t count; /* blocks transferred (0 unless BLK_OK) */
    uint32_t reserved1;
};
_Static_assert(sizeof(struct blk_response) == 16, "blk_response is part of the shared ABI");

/* What the server side says about its disk. Written before `ready` (a release store);
 * read after an acquire load of it. The reader still checks every field. */
struct blk_info {
    uint32_t ready;      /* nonzero: the rest is valid */
    uint32_t block_size; /* BLK_BLOCK_SIZE */
    uint64_t blocks;     /* capacity in blocks */
    uint32_t read_only;  /* nonzero: writes are refused */
    uint32_t reserved;
    char serial[24]; /* the device's id (virtio-blk get-id, 20 bytes), NUL-padded */
};
_Static_assert(sizeof(struct blk_info) == 48, "blk_info is part of the shared ABI");

/* Restart resynchronisation on a driver's connection (docs/drivers.md, "Restart without
 * loss"), at BLK_RESYNC_OFFSET of the queue region, beside the info. A driver that starts
 * (at boot, restarted over its memory, or re-initialised from its pristine image) first
 * resets its device, so that nothing it was given before is touched any more, then stores
 * `generation` + 1 (release; never 0) and notifies. Until its client has acknowledged that
 * generation it takes no request and answers none. The client (blk_virt) then takes every
 * response on the ring (the last run's answers, each valid), stores its request ring's
 * tail in `ack_tail` and the generation in `acknowledged` (release, last), and issues
 * again, in their first order, every request not yet answered. The driver discards every
 * request before `ack_tail` (head := ack_tail): each of them was issued again after it. So
 * each request the client holds is in exactly one place at any time, and its one answer
 * is the first to come back. */
#define BLK_RESYNC_OFFSET 0x40u

struct blk_resync {
    uint32_t generation;   /* the driver's: its starts, counted */
    uint32_t acknowledged; /* the client's: the generation it resynchronised with */
    uint32_t ack_tail;     /* the client's: its request ring's tail at that moment */
    uint32_t reserved;
};
_Static_assert(sizeof(struct blk_resync) == 16, "blk_resync is part of the shared ABI");

/* Channels, fixed for every system (system.xml must wire them so):
 *   driver:    its device's interrupt is <irq id="0">; blk_virt on 1
 *   blk_virt:  the driver on 0; client i on 1 + i
 *   client:    blk_virt on 0
 */
#define BLK_DRIVER_CH_IRQ   0u
#define BLK_DRIVER_CH_VIRT  1u
#define BLK_VIRT_CH_DRIVER  0u
#define BLK_VIRT_CH_CLIENT0 1u
#define BLK_CLIENT_CH_VIRT  0u

_Static_assert(BLK_REQUEST_OFFSET + sizeof(struct queue_ring) +
                       BLK_QUEUE_CAPACITY * sizeof(struct blk_request) <=
                   BLK_RESPONSE_OFFSET,
               "the request ring fits before the response ring");
_Static_assert(BLK_RESPONSE_OFFSET + sizeof(struct queue_ring) +
                       BLK_QUEUE_CAPACITY * sizeof(struct blk_response) <=
                   BLK_QUEUE_REGION_SIZE,
               "the response ring fits in the queue region");
_Static_assert(sizeof(struct blk_info) <= BLK_RESYNC_OFFSET,
               "the info fits before the resync words");
_Static_assert(BLK_RESYNC_OFFSET + sizeof(struct blk_resync) <= BLK_REQUEST_OFFSET,
               "the resync words fit before the rings");
_Static_assert((BLK_QUEUE_CAPACITY & (BLK_QUEUE_CAPACITY - 1)) == 0,
               "the ring capacity is a power of two");
_Static_assert(BLK_MAX_REQUEST_BLOCKS *BLK_BLOCK_SIZE <= BLK_DATA_REGION_SIZE,
               "the largest request fits a data region");

#endif /* BASTION_BLK_PROTOCOL_H */
