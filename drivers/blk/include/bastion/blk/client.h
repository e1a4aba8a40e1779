/*
 * The block client library: one PD's connection to blk_virt (bastion/blk/protocol.h),
 * with synchronous calls (sleep until the answer) and asynchronous ones (submit many,
 * collect responses as they come). docs/drivers.md, "Block". Link a client with
 * $(BLK_CLIENT_SRCS) (drivers/blk/client/client.mk).
 *
 * The system description gives the client its connection region and its data region
 * (both setvar_vaddr, read-write) and wires blk_virt to channel BLK_CLIENT_CH_VIRT (0):
 *
 *   <map mr="store_blk_queue" vaddr="0x10000000" setvar_vaddr="blk_queue"/>
 *   <map mr="store_blk_data" vaddr="0x10200000" setvar_vaddr="blk_data"/>
 *
 * Buffers are offsets into the data region (BLK_DATA_REGION_SIZE bytes): the caller
 * chooses where each request's data lies (blk_client_buffer() gives its address), and must
 * not touch a buffer while a request on it is outstanding.
 *
 * Synchronous calls (blk_read, blk_write, blk_flush) sleep on the PD's notification
 * (bastion/driver/wait.h) until their own response comes; responses to asynchronous
 * requests that arrive meanwhile are kept for blk_client_poll(). They suit a PD that runs
 * as straight-line code or whose entry points may block. Durability is the protocol's: a
 * write is durable once a later blk_flush() (or a flush submitted after it) has returned
 * BLK_OK.
 *
 * Asynchronous use: blk_client_submit() as many as blk_client_room() allows (each with an
 * id of the caller's, below BLK_CLIENT_SYNC_ID), then blk_client_kick() once to signal
 * blk_virt if it sleeps; take responses with blk_client_poll(); when none is there,
 * blk_client_sleep() returns true if the caller may now wait on its notification (the
 * protocol's re-check done). A caller about to wait right after its submits uses
 * blk_client_kick_wait() instead of the kick and the wait: one system call, not two.
 *
 * Restarts of blk_virt are invisible to the caller: the library keeps every request until
 * it is answered and, when a restarted blk_virt announces itself, submits again every one
 * still unanswered, in the order they were first submitted (docs/drivers.md, "Restarting
 * blk_virt"). A read or write submitted again is idempotent (its buffer is untouched while
 * it is outstanding); so every request is answered exactly once, by its own answer, and an
 * answer that names no outstanding request is dropped (counted in the stats).
 *
 * Misconfiguration (a region not mapped) prints what is wrong and faults the PD.
 */
#ifndef BASTION_BLK_CLIENT_H
#define BASTION_BLK_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/blk/protocol.h>

/* Patched by the tool (setvar_vaddr); 0 until then. */
extern uintptr_t blk_queue, blk_data;

/* Ids from here up are the synchronous calls' own. */
#define BLK_CLIENT_SYNC_ID 0x80000000u

/* Requests outstanding at most (asynchronous ones and answers not yet polled: one fewer). */
#define BLK_CLIENT_OUTSTANDING 256u

/* What the library has seen of blk_virt's restarts. */
struct blk_client_stats {
    uint64_t restarts; /* restarted blk_virt runs acknowledged */
    uint64_t reissued; /* requests submitted again after one */
    uint64_t stray;    /* answers naming no outstanding request: dropped */
};

void blk_client_stats(struct blk_client_stats *out);

/* Sleep until blk_virt has published the partition's info; then *out holds a copy. */
void blk_client_init(struct blk_info *out);

/* The address of `offset` in the data region (the caller keeps offset + bytes inside). */
void *blk_client_buffer(uint64_t offset);

/* Synchronous: move `count` blocks between block `block` of the partition and the buffer
 * at data-region offset `offset`; flush. Each returns the response's status. */
enum blk_status blk_read(uint64_t block, uint32_t count, uint64_t offset);
enum blk_status blk_write(uint64_t block, uint32_t count, uint64_t offset);
enum blk_status blk_flush(void);

/* Asynchronous: how many more requests the ring takes now. */
uint32_t blk_client_room(void);

/* Enqueue one request (its id below BLK_CLIENT_SYNC_ID); false when the ring is full.
 * blk_virt is not signalled until blk_client_kick(). */
bool blk_client_submit(struct blk_request request);

/* Signal blk_virt if it asked to be (after one or more submits). */
void blk_client_kick(void);

/* Take one response to an asynchronous request; false when none has arrived. */
bool blk_client_poll(struct blk_response *out);

/* Having found no response: ask blk_virt for a signal and re-check. True: wait on the
 * notification now (driver_wait(1 << BLK_CLIENT_CH_VIRT), or blk_client_kick_wait());
 * false: a response arrived. */
bool blk_client_sleep(void);

/* blk_client_kick() and the wait for blk_virt's signal as one system call: after submits,
 * when blk_client_sleep() said to wait. */
void blk_client_kick_wait(void);

#endif /* BASTION_BLK_CLIENT_H */
