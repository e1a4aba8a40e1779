/*
 * blk_tester: a client of the block system test (suite system-blk, drivers/blk/tests/run.sh).
 * Each instance owns one partition (blk_virt's client<i>_partition) and, through the client
 * library, checks in turn:
 *   - the partition's info (its size, given as `tester_blocks`; the disk's serial);
 *   - synchronous writes of 1 and 32 blocks at the start and the end, and 64 one-block
 *     writes in flight at once (asynchronous, answered in any order), then a flush;
 *   - every block written reads back byte-exact (the pattern of drivers/blk/tests/disk.py);
 *   - requests it may not make are refused with the protocol's status, and so never reach
 *     the disk: past the end, straddling the end, a block number that wraps, a buffer
 *     outside its data region, a bad operation, counts of 0 and above the maximum.
 * It reports "blk_tester P: ok: ..." per step, "FAIL: ..." on a mismatch, and at the end the
 * blocks it wrote (run.sh then checks the disk image on the host). There are two testers,
 * working at once: the one with `tester_last` = 1 waits for the other to finish and
 * notify it (channel 1), then ends the run.
 */
#include <bastion/blk/client.h>
#include <bastion/driver/wait.h>
#include <libbastion/pd.h>
#include <libbastion/printf.h>
#include <stdarg.h>

uint64_t tester_partition; /* setvar: its partition's number (for the pattern) */
uint64_t tester_blocks;    /* setvar: the partition's size in blocks, as the test made it */
uint64_t tester_last;      /* setvar: nonzero: wait for the other tester, then end the run */

#define CH_PEER     1u /* between the two testers */
#define IN_FLIGHT   64u
#define ASYNC_FIRST 100u /* the blocks of the requests in flight */
#define READ_BUFFER (BLK_DATA_REGION_SIZE / 2)
#define BIG         BLK_MAX_REQUEST_BLOCKS

static bool failed;

/* One line of the report, printed at once: the debug console keeps each PD's line until it
 * ends, so the two testers' lines never interleave. */
__attribute__((format(printf, 1, 2))) static void report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bst_vprintf(fmt, ap);
    va_end(ap);
}

static void fail(const char *what, uint64_t a, uint64_t b)
{
    report("FAIL: blk_tester %lu: %s (%lu, %lu)\n", (unsigned long)tester_partition, what,
           (unsigned long)a, (unsigned long)b);
    failed = true;
}

static uint8_t pattern_byte(uint64_t block, uint32_t i)
{
    return (uint8_t)((tester_partition * 131u + block * 7u + i * 13u) & 0xffu);
}

/* Fill `count` blocks at data offset `offset` with the pattern of blocks block.. */
static void fill(uint64_t offset, uint64_t block, uint32_t count)
{
    for (uint32_t b = 0; b < count; b++) {
        uint8_t *data = blk_client_buffer(offset + (uint64_t)b * BLK_BLOCK_SIZE);
        for (uint32_t i = 0; i < BLK_BLOCK_SIZE; i++) {
            data[i] = i < 8 ? (uint8_t)((block + b) >> (8 * i)) : pattern_byte(block + b, i);
        }
    }
}

/* Scribble over a read buffer first, so a read that moves nothing cannot pass. */
static void clear(uint64_t offset, uint32_t count)
{
    uint8_t *data = blk_client_buffer(offset);
    for (uint32_t i = 0; i < count * BLK_BLOCK_SIZE; i++) {
        data[i] = 0xee;
    }
}

static bool matches(uint64_t offset, uint64_t block, uint32_t count)
{
    for (uint32_t b = 0; b < count; b++) {
        const uint8_t *data = blk_client_buffer(offset + (uint64_t)b * BLK_BLOCK_SIZE);
        for (uint32_t i = 0; i < BLK_BLOCK_SIZE; i++) {
            uint8_t want = i < 8 ? (uint8_t)((block + b) >> (8 * i)) : pattern_byte(block + b, i);
            if (data[i] != want) {
                fail("read back differs at block, byte", block + b, i);
                return false;
            }
        }
    }
    return true;
}

static void expect_status(const char *what, enum blk_status got, enum blk_status want)
{
    if (got != want) {
        fail(what, got, want);
        return;
    }
    report("blk_tester %lu: ok: %s refused (status %u)\n", (unsigned long)tester_partition, what,
           (unsigned)want);
}

/* Write a run of blocks synchronously and read it back into the other half. */
static void write_and_check(uint64_t block, uint32_t count)
{
    fill(0, block, count);
    enum blk_status s = blk_write(block, count, 0);
    if (s != BLK_OK) {
        fail("write failed at block, status", block, s);
        return;
    }
    clear(READ_BUFFER, count);
    s = blk_read(block, count, READ_BUFFER);
    if (s != BLK_OK) {
        fail("read failed at block, status", block, s);
        return;
    }
    if (matches(READ_BUFFER, block, count)) {
        report("blk_tester %lu: ok: %u blocks at %lu read back byte-exact\n",
               (unsigned long)tester_partition, count, (unsigned long)block);
    }
}

/* IN_FLIGHT one-block writes submitted at once; every response matched to its id once. */
static void many_in_flight(void)
{
    bool answered[IN_FLIGHT] = {false};
    for (uint32_t i = 0; i < IN_FLIGHT; i++) {
        fill((uint64_t)i * BLK_BLOCK_SIZE, ASYNC_FIRST + i, 1);
        struct blk_request r = {.id = i,
                                .op = BLK_WRITE,
                                .count = 1,
                                .block = ASYNC_FIRST + i,
                                .offset = (uint64_t)i * BLK_BLOCK_SIZE};
        if (!blk_client_submit(r)) {
            fail("ring full after requests", i, IN_FLIGHT);
            return;
        }
    }
    blk_client_kick();
    for (uint32_t done = 0; done < IN_FLIGHT;) {
        struct blk_response resp;
        if (!blk_client_poll(&resp)) {
            if (blk_client_sleep()) {
                driver_wait(1ull << BLK_CLIENT_CH_VIRT);
            }
            continue;
        }
        if (resp.id >= IN_FLIGHT || answered[resp.id] || resp.status != BLK_OK || resp.count != 1) {
            fail("bad response: id, status", resp.id, resp.status);
            return;
        }
        answered[resp.id] = true;
        done++;
    }
    if (blk_flush() != BLK_OK) {
        fail("flush failed", 0, 0);
        return;
    }
    clear(READ_BUFFER, IN_FLIGHT);
    enum blk_status s = blk_read(ASYNC_FIRST, IN_FLIGHT / 2, READ_BUFFER);
    s = s == BLK_OK ? blk_read(ASYNC_FIRST + IN_FLIGHT / 2, IN_FLIGHT / 2,
                               READ_BUFFER + (IN_FLIGHT / 2) * BLK_BLOCK_SIZE)
                    : s;
    if (s != BLK_OK) {
        fail("reading the blocks written in flight failed", s, 0);
        return;
    }
    if (matches(READ_BUFFER, ASYNC_FIRST, IN_FLIGHT)) {
        report("blk_tester %lu: ok: %u writes in flight at once, each answered once, "
               "flushed, read back byte-exact\n",
               (unsigned long)tester_partition, IN_FLIGHT);
    }
}

static void refusals(uint64_t blocks)
{
    expect_status("a read past the end", blk_read(blocks, 1, 0), BLK_ERR_RANGE);
    expect_status("a write straddling the end", blk_write(blocks - 1, 2, 0), BLK_ERR_RANGE);
    expect_status("a write whose block number wraps", blk_write(UINT64_MAX - 1, 4, 0),
                  BLK_ERR_RANGE);
    expect_status("a write of a buffer past its data region",
                  blk_write(0, 2, BLK_DATA_REGION_SIZE - BLK_BLOCK_SIZE), BLK_ERR_BUFFER);
    expect_status("a write of a buffer at a wild offset", blk_write(0, 1, UINT64_MAX - 100),
                  BLK_ERR_BUFFER);
    expect_status("a write of 0 blocks", blk_write(0, 0, 0), BLK_ERR_OP);
    expect_status("a write above the largest request", blk_write(0, BIG + 1, 0), BLK_ERR_OP);
    struct blk_request bad = {.id = 7, .op = 99, .count = 1};
    blk_client_submit(bad);
    blk_client_kick();
    struct blk_response resp;
    while (!blk_client_poll(&resp)) {
        if (blk_client_sleep()) {
            driver_wait(1ull << BLK_CLIENT_CH_VIRT);
        }
    }
    expect_status("an unknown operation", resp.id == 7 ? (enum blk_status)resp.status : BLK_OK,
                  BLK_ERR_OP);
}

void init(void)
{
    struct blk_info info;
    blk_client_init(&info);
    report("blk_tester %lu: partition of %lu blocks, disk serial '%s'%s\n",
           (unsigned long)tester_partition, (unsigned long)info.blocks, info.serial,
           info.read_only ? ", read-only" : "");
    if (info.blocks != tester_blocks) {
        fail("partition size, expected", info.blocks, tester_blocks);
    }
    if (info.blocks >= ASYNC_FIRST + IN_FLIGHT + 2 * BIG) {
        write_and_check(0, 1);
        write_and_check(1, BIG);
        write_and_check(info.blocks - BIG, BIG);
        write_and_check(info.blocks - 1, 1);
        many_in_flight();
        if (blk_flush() != BLK_OK) {
            fail("the last flush failed", 0, 0);
        }
        refusals(info.blocks);
    }
    /* What run.sh checks on the image: P:first:count for each run written. */
    unsigned long p = (unsigned long)tester_partition;
    report("blk_tester %lu: wrote %lu:0:%u %lu:%u:%u %lu:%lu:%u\n", p, p, 1 + BIG, p, ASYNC_FIRST,
           IN_FLIGHT, p, (unsigned long)(info.blocks - BIG), BIG);
    report("blk_tester %lu: %s\n", (unsigned long)tester_partition, failed ? "failed" : "done");
    if (!tester_last) {
        bst_notify(CH_PEER);
        return;
    }
    driver_wait(1ull << CH_PEER); /* the other has printed its report */
    bst_system_exit(failed ? 1 : 0);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
