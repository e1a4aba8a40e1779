/*
 * The block benchmark's workload, shared by its two guests so that both do exactly the
 * same requests (docs/performance.md, "Block: against Linux"): the Linux program
 * (bench/linux/blk_io.c, O_DIRECT on /dev/vda1) and the Bastion client PD
 * (bench/blk/blk_bench.c, the block client library on its partition).
 *
 * A run is BLKB_ROUNDS rounds of every depth of blkb_depths[] times every pattern of
 * blkb_patterns[], in that order: one phase each, BLKB_WARMUP requests unmeasured and then
 * the measured requests between two marker instructions (blkb_mark_begin/end, seen by the QEMU
 * plugin bench/blk/insn_marks.c). Requests are 4 KiB or 64 KiB, sequential or at random aligned
 * places, inside the first BLKB_SPAN_BLOCKS blocks of the partition; at depth D up to D
 * requests are outstanding at once. After each phase the guest prints one line:
 *
 *   blkbench: phase K NAME depth D round R requests N bytes B ns T errors E
 *
 * (the summariser takes each pattern's median over the rounds: how much idle time a
 * request meets, and so its cost, follows the host's speed at the moment), T the phase's
 * guest time (its clock, which under -icount is the icount clock), E the
 * requests that failed. The k-th begin/end marker pair belongs to phase k.
 *
 * Plain C11 with <stdint.h> only: it builds freestanding and on the host.
 */
#ifndef BENCH_BLK_PATTERN_H
#define BENCH_BLK_PATTERN_H

#include <stdint.h>

#define BLKB_BLOCK_SIZE  4096u
#define BLKB_SPAN_BLOCKS 8192u /* 32 MiB: where the requests fall */
#define BLKB_REQUESTS    1000u /* measured requests per phase (the default) */
#define BLKB_WARMUP      32u   /* unmeasured requests before each phase */
#define BLKB_MAX_BLOCKS  16u   /* the largest request: 64 KiB */
#define BLKB_MAX_DEPTH   16u
#define BLKB_RANDOM_SEED 0x2545f4914f6cdd1dull
#define BLKB_ROUNDS      3u

enum blkb_op { BLKB_READ, BLKB_WRITE };

struct blkb_pattern {
    char name[16];
    uint8_t op;      /* enum blkb_op */
    uint8_t random;  /* 0: sequential */
    uint16_t blocks; /* per request */
};

static const struct blkb_pattern blkb_patterns[] = {
    {"seq-write-4k", BLKB_WRITE, 0, 1},    {"seq-read-4k", BLKB_READ, 0, 1},
    {"rand-write-4k", BLKB_WRITE, 1, 1},   {"rand-read-4k", BLKB_READ, 1, 1},
    {"seq-write-64k", BLKB_WRITE, 0, 16},  {"seq-read-64k", BLKB_READ, 0, 16},
    {"rand-write-64k", BLKB_WRITE, 1, 16}, {"rand-read-64k", BLKB_READ, 1, 16},
};
#define BLKB_PATTERNS (sizeof blkb_patterns / sizeof blkb_patterns[0])

static const uint32_t blkb_depths[] = {1, 8};
#define BLKB_DEPTHS (sizeof blkb_depths / sizeof blkb_depths[0])

_Static_assert(BLKB_SPAN_BLOCKS % BLKB_MAX_BLOCKS == 0, "whole requests fit the span");

/* Where a phase's requests go: sequential from block 0 (wrapping at the span), or from a
 * xorshift64* generator started at the same seed in every phase and in both guests. */
struct blkb_cursor {
    uint64_t next;  /* sequential: the next request's first block */
    uint64_t state; /* random: the generator */
};

static inline struct blkb_cursor blkb_cursor_start(void)
{
    return (struct blkb_cursor){.next = 0, .state = BLKB_RANDOM_SEED};
}

/* The first block of the pattern's next request. */
static inline uint64_t blkb_next_block(const struct blkb_pattern *p, struct blkb_cursor *c)
{
    if (!p->random) {
        uint64_t block = c->next;
        c->next = (c->next + p->blocks) % BLKB_SPAN_BLOCKS;
        return block;
    }
    c->state ^= c->state >> 12;
    c->state ^= c->state << 25;
    c->state ^= c->state >> 27;
    uint64_t r = (c->state * 0x2545f4914f6cdd1dull) >> 32;
    return (r % (BLKB_SPAN_BLOCKS / p->blocks)) * p->blocks;
}

/* The markers (bench/blk/insn_marks.c): a long NOP with the displacement 0x4b42VVVV.
 * "memory" keeps the compiler from moving the phase's loads and stores across them. */
static inline void blkb_mark_begin(void)
{
    __asm__ volatile(".byte 0x0f, 0x1f, 0x80; .long 0x4b420001" ::: "memory");
}

static inline void blkb_mark_end(void)
{
    __asm__ volatile(".byte 0x0f, 0x1f, 0x80; .long 0x4b420002" ::: "memory");
}

#endif /* BENCH_BLK_PATTERN_H */
