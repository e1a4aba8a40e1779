/*
 * The Linux guest's workload for the block benchmark (docs/performance.md, "Block:
 * against Linux"): the phases of bench/blk/blk_pattern.h on a block device, with O_DIRECT
 * so that the page cache neither hides nor adds to the device's requests.
 *
 *   blk_io [-n REQUESTS] DEVICE
 *
 * At depth 1 each request is one pread or pwrite (the classic loop). At depth D > 1 the
 * requests go through Linux's native asynchronous I/O (io_submit and io_getevents, which
 * with O_DIRECT on a block device are asynchronous all the way to the driver): D are
 * submitted, and each io_getevents that returns completions is followed by one io_submit
 * of as many new requests. The data is whatever the buffers hold (written once at start).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../blk/blk_pattern.h"

#define SLOT_BYTES (BLKB_MAX_BLOCKS * BLKB_BLOCK_SIZE)

static int fd;
static unsigned char *buffers; /* BLKB_MAX_DEPTH slots of SLOT_BYTES, page aligned */
static aio_context_t aio;

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Depth 1: one system call per request. Returns the requests that failed. */
static unsigned run_sync(const struct blkb_pattern *p, unsigned n)
{
    struct blkb_cursor c = blkb_cursor_start();
    size_t len = (size_t)p->blocks * BLKB_BLOCK_SIZE;
    unsigned errors = 0;
    for (unsigned i = 0; i < n; i++) {
        off_t offset = (off_t)(blkb_next_block(p, &c) * BLKB_BLOCK_SIZE);
        ssize_t done = p->op == BLKB_WRITE ? pwrite(fd, buffers, len, offset)
                                           : pread(fd, buffers, len, offset);
        errors += done != (ssize_t)len;
    }
    return errors;
}

/* Prepare slot `slot`'s control block for the pattern's next request. */
static void prepare(struct iocb *cb, const struct blkb_pattern *p, struct blkb_cursor *c,
                    unsigned slot)
{
    memset(cb, 0, sizeof *cb);
    cb->aio_data = slot;
    cb->aio_lio_opcode = p->op == BLKB_WRITE ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
    cb->aio_fildes = (uint32_t)fd;
    cb->aio_buf = (uint64_t)(uintptr_t)(buffers + (size_t)slot * SLOT_BYTES);
    cb->aio_nbytes = (uint64_t)p->blocks * BLKB_BLOCK_SIZE;
    cb->aio_offset = (int64_t)(blkb_next_block(p, c) * BLKB_BLOCK_SIZE);
}

/* Depth > 1: native AIO, up to `depth` outstanding. Returns the requests that failed. */
static unsigned run_async(const struct blkb_pattern *p, unsigned depth, unsigned n)
{
    struct blkb_cursor c = blkb_cursor_start();
    struct iocb cbs[BLKB_MAX_DEPTH], *batch[BLKB_MAX_DEPTH];
    struct io_event events[BLKB_MAX_DEPTH];
    unsigned issued = 0, completed = 0, errors = 0, count = 0;
    for (unsigned slot = 0; slot < depth && issued < n; slot++, issued++) {
        prepare(&cbs[slot], p, &c, slot);
        batch[count++] = &cbs[slot];
    }
    while (completed < n) {
        if (count > 0 && syscall(SYS_io_submit, aio, (long)count, batch) != (long)count) {
            perror("blk_io: io_submit");
            exit(1);
        }
        count = 0;
        long got = syscall(SYS_io_getevents, aio, 1L, (long)depth, events, NULL);
        if (got < 1) {
            perror("blk_io: io_getevents");
            exit(1);
        }
        for (long i = 0; i < got; i++) {
            unsigned slot = (unsigned)events[i].data;
            errors += events[i].res != (int64_t)cbs[slot].aio_nbytes;
            completed++;
            if (issued < n) {
                prepare(&cbs[slot], p, &c, slot);
                batch[count++] = &cbs[slot];
                issued++;
            }
        }
    }
    return errors;
}

static unsigned run(const struct blkb_pattern *p, unsigned depth, unsigned n)
{
    return depth == 1 ? run_sync(p, n) : run_async(p, depth, n);
}

/* One phase: the warm-up, then the measured requests between the markers, and its line. */
static void measure(unsigned phase, unsigned round, const struct blkb_pattern *p, unsigned depth,
                    unsigned requests)
{
    run(p, depth, BLKB_WARMUP);
    uint64_t t0 = now_ns();
    blkb_mark_begin();
    unsigned errors = run(p, depth, requests);
    blkb_mark_end();
    uint64_t t1 = now_ns();
    printf("blkbench: phase %u %s depth %u round %u requests %u bytes %llu ns %llu errors %u\n",
           phase, p->name, depth, round, requests,
           (unsigned long long)requests * p->blocks * BLKB_BLOCK_SIZE,
           (unsigned long long)(t1 - t0), errors);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    unsigned requests = BLKB_REQUESTS;
    int opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt != 'n') {
            fprintf(stderr, "usage: blk_io [-n REQUESTS] DEVICE\n");
            return 2;
        }
        requests = (unsigned)strtoul(optarg, NULL, 0);
    }
    if (optind != argc - 1 || requests == 0) {
        fprintf(stderr, "usage: blk_io [-n REQUESTS] DEVICE\n");
        return 2;
    }
    fd = open(argv[optind], O_RDWR | O_DIRECT);
    if (fd < 0) {
        perror("blk_io: open");
        return 1;
    }
    if (posix_memalign((void **)&buffers, 4096, (size_t)BLKB_MAX_DEPTH * SLOT_BYTES) != 0) {
        return 1;
    }
    for (size_t i = 0; i < (size_t)BLKB_MAX_DEPTH * SLOT_BYTES; i++) {
        buffers[i] = (unsigned char)(i * 7 + 1);
    }
    if (syscall(SYS_io_setup, (long)BLKB_MAX_DEPTH, &aio) != 0) {
        perror("blk_io: io_setup");
        return 1;
    }
    unsigned phase = 0;
    for (unsigned round = 0; round < BLKB_ROUNDS; round++) {
        for (unsigned d = 0; d < BLKB_DEPTHS; d++) {
            for (unsigned k = 0; k < BLKB_PATTERNS; k++) {
                measure(phase++, round, &blkb_patterns[k], blkb_depths[d], requests);
            }
        }
    }
    printf("blkbench: done\n");
    return 0;
}
