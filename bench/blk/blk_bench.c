/*
 * blk_bench: the Bastion side of the block benchmark (docs/performance.md, "Block: against
 * Linux"). A client of blk_virt on one partition that runs the phases of
 * bench/blk/blk_pattern.h, the same requests as the Linux guest's bench/linux/blk_io.c,
 * with the block client library's asynchronous calls: up to the phase's depth of requests
 * outstanding, each completion answered by a new request, one kick per batch submitted,
 * and a sleep on the notification only after blk_client_sleep() has re-checked. It prints
 * one line per phase (blk_pattern.h), then "blkbench: done", and ends the QEMU run.
 *
 * Requests at depth D use the first D slots of BLKB_MAX_BLOCKS blocks in the data region;
 * a slot's number is its request's id. The phase's time is the TSC's, which under -icount
 * is the icount clock.
 */
#include <bastion/blk/client.h>
#include <bastion/driver/wait.h>
#include <libbastion/pd.h>

#include "blk_pattern.h"

#define SLOT_BYTES ((uint64_t)BLKB_MAX_BLOCKS * BLK_BLOCK_SIZE)
#define DATA_BYTES (BLKB_MAX_DEPTH * SLOT_BYTES) /* every slot */

_Static_assert(BLKB_BLOCK_SIZE == BLK_BLOCK_SIZE, "the workload's blocks are the protocol's");
_Static_assert(DATA_BYTES <= BLK_DATA_REGION_SIZE, "every slot fits the data region");
_Static_assert(BLKB_MAX_DEPTH <= BLK_QUEUE_CAPACITY, "the request ring holds a whole depth");

/* The requests per phase: the Linux guest's default, unless the system says otherwise. */
uint64_t bench_requests = BLKB_REQUESTS;

static inline uint64_t read_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* The state of one phase: free slots, and which slots have a request outstanding. */
struct phase {
    const struct blkb_pattern *pattern;
    struct blkb_cursor cursor;
    uint32_t free[BLKB_MAX_DEPTH];
    uint32_t free_count;
    uint32_t outstanding; /* bit i: slot i's request is out */
    uint32_t issued, completed, errors;
};

/* Submit requests while slots are free and the phase wants more; true if any went out. */
static bool refill(struct phase *ph, uint32_t n)
{
    bool any = false;
    while (ph->issued < n && ph->free_count > 0) {
        uint32_t slot = ph->free[ph->free_count - 1];
        struct blk_request r = {
            .id = slot,
            .op = ph->pattern->op == BLKB_WRITE ? BLK_WRITE : BLK_READ,
            .count = ph->pattern->blocks,
            .block = blkb_next_block(ph->pattern, &ph->cursor),
            .offset = slot * SLOT_BYTES,
        };
        if (!blk_client_submit(r)) {
            break; /* cannot happen below the ring's capacity; the next pass retries */
        }
        ph->free_count--;
        ph->outstanding |= 1u << slot;
        ph->issued++;
        any = true;
    }
    return any;
}

/* Take every response that has arrived; true if there was one. */
static bool collect(struct phase *ph)
{
    bool any = false;
    struct blk_response resp;
    while (blk_client_poll(&resp)) {
        any = true;
        if (resp.id >= BLKB_MAX_DEPTH || !(ph->outstanding & (1u << resp.id))) {
            ph->errors++; /* an answer to nothing outstanding */
            continue;
        }
        ph->outstanding &= ~(1u << resp.id);
        ph->free[ph->free_count++] = resp.id;
        ph->completed++;
        if (resp.status != BLK_OK || resp.count != ph->pattern->blocks) {
            ph->errors++;
        }
    }
    return any;
}

/* Run n requests of the pattern at the depth; returns those that failed. */
static uint32_t run(const struct blkb_pattern *p, uint32_t depth, uint32_t n)
{
    struct phase ph = {.pattern = p, .cursor = blkb_cursor_start(), .free_count = depth};
    for (uint32_t i = 0; i < depth; i++) {
        ph.free[i] = depth - 1 - i; /* slot 0 first */
    }
    while (ph.completed < n) {
        bool submitted = refill(&ph, n);
        if (!collect(&ph) && blk_client_sleep()) {
            if (submitted) {
                blk_client_kick_wait(); /* the kick and the wait: one system call */
            } else {
                driver_wait(1ull << BLK_CLIENT_CH_VIRT);
            }
        } else if (submitted) {
            blk_client_kick();
        }
    }
    return ph.errors;
}

/* One phase: the warm-up, then the measured requests between the markers, and its line. */
static void measure(uint32_t phase, uint32_t round, const struct blkb_pattern *p, uint32_t depth,
                    uint32_t n)
{
    run(p, depth, BLKB_WARMUP);
    uint64_t t0 = read_tsc();
    blkb_mark_begin();
    uint32_t errors = run(p, depth, n);
    blkb_mark_end();
    uint64_t t1 = read_tsc();
    uint64_t khz = bst_counter_khz();
    uint64_t ns = khz ? (t1 - t0) * 1000000u / khz : 0;
    bst_printf("blkbench: phase %u %s depth %u round %u requests %u bytes %lu ns %lu errors %u\n",
               phase, p->name, depth, round, n,
               (unsigned long)((uint64_t)n * p->blocks * BLK_BLOCK_SIZE), (unsigned long)ns,
               errors);
}

void init(void)
{
    struct blk_info info;
    blk_client_init(&info);
    uint32_t n = (uint32_t)bench_requests;
    if (info.blocks < BLKB_SPAN_BLOCKS || n == 0) {
        bst_printf("blkbench: the partition has %lu blocks, the workload needs %u\n",
                   (unsigned long)info.blocks, BLKB_SPAN_BLOCKS);
        bst_system_exit(1);
    }
    bst_printf("blkbench: partition of %lu blocks, disk '%s'\n", (unsigned long)info.blocks,
               info.serial);
    uint8_t *data = blk_client_buffer(0);
    for (uint64_t i = 0; i < DATA_BYTES; i++) {
        data[i] = (uint8_t)(i * 7 + 1);
    }
    uint32_t phase = 0;
    for (uint32_t round = 0; round < BLKB_ROUNDS; round++) {
        for (uint32_t d = 0; d < BLKB_DEPTHS; d++) {
            for (uint32_t k = 0; k < BLKB_PATTERNS; k++) {
                measure(phase++, round, &blkb_patterns[k], blkb_depths[d], n);
            }
        }
    }
    bst_printf("blkbench: done\n");
    bst_system_exit(0);
}

void notified(bst_channel_t ch)
{
    (void)ch; /* everything happens in init() */
}
