/*
 * The serial subsystem's shared-memory protocol: how a connection between two serial
 * components (client <-> virtualiser, virtualiser <-> driver) is laid out. Both ends
 * include this header; nothing else about a connection is shared.
 *
 * A connection is one queue (drivers/queue: a free ring and an active ring) over one data
 * region, plus one channel that both ends notify. The component that *fills* the buffers
 * owns them (the "owner" of docs/drivers.md): it enqueues filled buffers on the active
 * ring and takes emptied ones back from the free ring; its peer reads and returns them.
 *
 *   transmit:  client --> tx virtualiser --> driver     (owners: client, tx virtualiser)
 *   receive:   driver --> rx virtualiser --> client     (owners: driver, rx virtualiser)
 *
 * Two memory regions per connection:
 *   queue region  SERIAL_QUEUE_REGION_SIZE bytes, mapped read-write by both ends: the free
 *                 ring at SERIAL_FREE_RING_OFFSET, the active ring at
 *                 SERIAL_ACTIVE_RING_OFFSET, each of SERIAL_QUEUE_CAPACITY slots.
 *   data region   SERIAL_DATA_REGION_SIZE bytes: read-write for the owner, read-only for
 *                 the peer. It is cut into SERIAL_BUFFER_COUNT buffers of
 *                 SERIAL_BUFFER_SIZE bytes; buffer i starts at i * SERIAL_BUFFER_SIZE. A
 *                 descriptor's length is the number of bytes of data in it.
 *
 * There are as many buffers as ring slots, so an owner can always enqueue a buffer it
 * holds (a ring that looks full is a corrupt peer). Buffers start in the owner's hands.
 */
#ifndef BASTION_SERIAL_PROTOCOL_H
#define BASTION_SERIAL_PROTOCOL_H

#include <bastion/queue/queue.h>

#define SERIAL_QUEUE_CAPACITY     64u
#define SERIAL_QUEUE_REGION_SIZE  0x1000u
#define SERIAL_FREE_RING_OFFSET   0x0u
#define SERIAL_ACTIVE_RING_OFFSET 0x800u
#define SERIAL_BUFFER_SIZE        256u
#define SERIAL_BUFFER_COUNT       SERIAL_QUEUE_CAPACITY
#define SERIAL_DATA_REGION_SIZE   (SERIAL_BUFFER_SIZE * SERIAL_BUFFER_COUNT)

/* The longest line the transmit virtualiser forwards whole; a longer one is cut into
 * pieces of this many bytes (each still forwarded whole). */
#define SERIAL_LINE_MAX SERIAL_BUFFER_SIZE

/* The receive virtualiser's switch: this byte (Ctrl-A) is not delivered; the next
 * client in turn receives the input from then on. */
#define SERIAL_SWITCH_CHAR 0x01u

/* The transmit virtualiser's one protected procedure (a client end with pp="true"):
 * reply MR0 = lines forwarded, MR1 = those forwarded while another client's line was
 * incomplete (where output would have mixed without it). */
#define SERIAL_TX_STATS 1u

/*
 * The driver's transmit journal (docs/supervision.md, "Serial"): in the transmit
 * virtualiser's queue region to the driver, after the active ring, written only by the
 * driver. It lets a re-initialised driver carry on exactly where the last one stopped:
 * the driver only peeks the buffer it sends and takes it off the active ring after it
 * returned it on the free ring, and it counts the bytes sent of that buffer here.
 *
 *   sent              bytes of the buffer at the head of the active ring already sent
 *   free_tail_before  the free ring's tail just before the head buffer is returned
 *   returning_head    the active ring's head + 1 while the head buffer is being returned
 *                     (written after free_tail_before: the commit of the journal entry)
 */
struct serial_tx_journal {
    uint32_t sent;
    uint32_t free_tail_before;
    uint32_t returning_head;
};
#define SERIAL_TX_JOURNAL_OFFSET 0xf00u

/* The driver's receive journal, at the same offset of the driver's receive queue region:
 * how many of its buffers it has ever handed out (its pool's `fresh`), recorded once a
 * buffer is on the active ring, so that a re-initialised driver never hands out a buffer
 * the receive virtualiser still holds. */
struct serial_rx_journal {
    uint32_t fresh;
};

/* Clients a virtualiser serves at most; client i is on the virtualiser's channel i. */
#define SERIAL_MAX_CLIENTS 4u

_Static_assert(QUEUE_RING_BYTES(SERIAL_QUEUE_CAPACITY) <= SERIAL_ACTIVE_RING_OFFSET,
               "the free ring fits before the active ring");
_Static_assert(SERIAL_ACTIVE_RING_OFFSET + QUEUE_RING_BYTES(SERIAL_QUEUE_CAPACITY) <=
                   SERIAL_QUEUE_REGION_SIZE,
               "the active ring fits in the queue region");
_Static_assert(SERIAL_ACTIVE_RING_OFFSET + QUEUE_RING_BYTES(SERIAL_QUEUE_CAPACITY) <=
                       SERIAL_TX_JOURNAL_OFFSET &&
                   SERIAL_TX_JOURNAL_OFFSET + sizeof(struct serial_tx_journal) <=
                       SERIAL_QUEUE_REGION_SIZE,
               "the transmit journal fits after the active ring");
_Static_assert((SERIAL_QUEUE_CAPACITY & (SERIAL_QUEUE_CAPACITY - 1)) == 0,
               "the ring capacity is a power of two");

/* A component's view of one connection, from the two regions' addresses. */
static inline enum queue_status serial_queue_init(struct queue_handle *q, uintptr_t queue_region)
{
    return queue_init(q, (struct queue_ring *)(queue_region + SERIAL_FREE_RING_OFFSET),
                      (struct queue_ring *)(queue_region + SERIAL_ACTIVE_RING_OFFSET),
                      SERIAL_QUEUE_CAPACITY, SERIAL_DATA_REGION_SIZE);
}

#endif /* BASTION_SERIAL_PROTOCOL_H */
