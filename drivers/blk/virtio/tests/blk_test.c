/*
 * blk_test: stands in for blk_virt in front of the virtio-blk driver (suite
 * system-blk-driver; drivers/blk/virtio/tests/expect). It owns a physically contiguous data
 * region (BLK_DATA_REGION_SIZE: writes from its first half, reads into its second) and
 * speaks the driver's side of the block protocol: requests name buffers by device address
 * (data_paddr + offset), blocks by the disk's numbers. The driver is its child 0, so that it
 * can restart it with requests in the device.
 *
 * Each step enqueues a batch of requests at once, each with a scattered id and the status
 * it must be answered with; a response must name a request of the batch not answered yet
 * (ids matched in any order), and a batch that ends in a flush must see the flush answered
 * last (the barrier). Then the step's data checks run and the next step starts.
 *
 * A writable disk (boot "blk-driver" on q35, "legacy" on pc):
 *   info: capacity, serial (QEMU's serial=BLKTEST-0001), writable;
 *   write then read back 1 block (block 5) and 32 blocks (100 to 131), byte-exact;
 *   64 writes of 1 to 4 blocks in flight with a flush behind them, then 64 reads in flight;
 *   a flush alone;
 *   refused: an unknown op, count 0, count 33, blocks past the end (two ways), buffers past
 *   the device-address limit (two ways), each a write aimed at block 300 onwards: then
 *   blocks 300 to 331 read back as zeros; the disk's last block reads;
 *   32 writes and a flush, the driver restarted at once: blk_test resynchronises as
 *   blk_virt does (protocol.h, struct blk_resync: the last run's answers taken, the new
 *   generation acknowledged, every unanswered request issued again in its order); each
 *   answered exactly once, the flush last, the data on disk.
 * A read-only disk (boot "ro", the same image): the info says read-only; blocks 5 and 100
 * to 131 hold what the first boot wrote; a write is refused BLK_ERR_READ_ONLY and changes
 * nothing; a flush is answered.
 * The host checks the image afterwards (check-image.py). Each check prints "ok" or "FAIL".
 */
#include <stdint.h>

#include <bastion/blk/queue.h>
#include <libbastion/ipc.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

uintptr_t virt_queue, data_vaddr, data_paddr;

#define CH_DRIVER    BLK_DRIVER_CH_VIRT /* this PD's end of the channel has the same id */
#define DRIVER_CHILD 0
#define WRITE_AREA   0u
#define READ_AREA    (BLK_DATA_REGION_SIZE / 2)
#define SLOT_BYTES   0x4000u /* a buffer of up to 4 blocks per request of the big batches */
#define MANY         64u
#define RESTART_N    32u
#define DISK_BLOCKS  16384u /* the 64 MiB image */
#define SERIAL       "BLKTEST-0001"
#define MAX_BATCH    (MANY + 2)

static struct blk_queue q;
static bool failed, read_only;
static struct blk_info info;

static void report(bool ok, const char *what)
{
    bst_printf("blk_test: %s: %s\n", ok ? "ok" : "FAIL", what);
    failed |= !ok;
}

/* The byte at `i` of disk block `b`, as every write of this test puts it there. */
static uint8_t pattern(uint64_t b, uint32_t i)
{
    return (uint8_t)(b * 13 + i * 7 + (i >> 8) + 1);
}

static uint8_t *data(uint32_t offset)
{
    return (uint8_t *)(data_vaddr + offset);
}

static void fill(uint32_t offset, uint64_t block, uint32_t count)
{
    for (uint32_t k = 0; k < count; k++)
        for (uint32_t i = 0; i < BLK_BLOCK_SIZE; i++)
            data(offset)[k * BLK_BLOCK_SIZE + i] = pattern(block + k, i);
}

/* Whether `count` blocks at `offset` hold the pattern of `block` onwards (or zeros). */
static bool holds(uint32_t offset, uint64_t block, uint32_t count, bool zeros)
{
    for (uint32_t k = 0; k < count; k++)
        for (uint32_t i = 0; i < BLK_BLOCK_SIZE; i++)
            if (data(offset)[k * BLK_BLOCK_SIZE + i] != (zeros ? 0 : pattern(block + k, i)))
                return false;
    return true;
}

/* ---- Batches ----------------------------------------------------------------------------- */

static struct {
    struct blk_request request;
    uint16_t want;
    bool answered;
} batch[MAX_BATCH];
static unsigned batch_n, batch_answered, batch_serial = 1;
static bool flush_last, bad_response, notify_driver;

static uint32_t next_id(void)
{
    return 0x51000000u + batch_serial++ * 7919u; /* scattered, never reused */
}

static void add(uint16_t op, uint64_t block, uint32_t count, uint64_t offset, uint16_t want)
{
    struct blk_request r = {
        .id = next_id(), .op = op, .count = count, .block = block, .offset = offset};
    if (batch_n == MAX_BATCH || !blk_enqueue_request(&q, r)) {
        report(false, "the request ring has room for the batch");
        return;
    }
    batch[batch_n].request = r;
    batch[batch_n].want = want;
    batch[batch_n].answered = false;
    batch_n++;
    notify_driver = true;
}

/* A request naming blocks by data-region offset. */
static void add_io(uint16_t op, uint64_t block, uint32_t count, uint32_t offset, uint16_t want)
{
    add(op, block, count, data_paddr + offset, want);
}

static void begin(bool ends_in_flush)
{
    batch_n = batch_answered = 0;
    flush_last = ends_in_flush;
    bad_response = false;
}

/* One response: it must answer a request of the batch not answered yet, as it must. */
static void take(struct blk_response r)
{
    unsigned k = 0;
    while (k < batch_n && batch[k].request.id != r.id)
        k++;
    if (k == batch_n || batch[k].answered) {
        bad_response = true;
        bst_printf("blk_test: a response for id 0x%x, %s\n", r.id,
                   k == batch_n ? "never asked" : "answered twice");
        return;
    }
    struct blk_request *rq = &batch[k].request;
    uint32_t count = batch[k].want == BLK_OK && rq->op != BLK_FLUSH ? rq->count : 0;
    if (r.status != batch[k].want || r.count != count) {
        bad_response = true;
        bst_printf("blk_test: request op %u block %lu count %u: status %u count %u, wanted "
                   "status %u count %u\n",
                   rq->op, (unsigned long)rq->block, rq->count, r.status, r.count, batch[k].want,
                   count);
    }
    if (flush_last && k == batch_n - 1 && batch_answered != batch_n - 1) {
        bad_response = true;
        bst_printf("blk_test: the flush was answered before %u earlier requests\n",
                   batch_n - 1 - batch_answered);
    }
    batch[k].answered = true;
    batch_answered++;
}

/* ---- Driver restarts (as blk_virt does them) ---------------------------------------------- */

static uint32_t acknowledged; /* the driver generation resynchronised with */

static void finish_step(void);

/* The driver announced a new generation: take what its last run answered, acknowledge,
 * and issue again, in their order, the batch's requests still unanswered. */
static void resync(void)
{
    uint32_t g = blk_resync_generation(&q);
    if (g == 0 || g == acknowledged)
        return;
    struct blk_response r;
    while (blk_dequeue_response(&q, &r))
        take(r);
    blk_resync_acknowledge(&q, g);
    acknowledged = g;
    unsigned again = 0;
    for (unsigned k = 0; k < batch_n; k++)
        if (!batch[k].answered) {
            if (!blk_enqueue_request(&q, batch[k].request))
                report(false, "room to issue again what the driver held");
            again++;
        }
    if (g > 1)
        bst_printf("blk_test: driver generation %u: %u requests issued again\n", g, again);
    bst_notify(CH_DRIVER);
}

/* ---- Steps ------------------------------------------------------------------------------- */

enum step {
    STEP_WRITE_1,
    STEP_READ_1,
    STEP_WRITE_32,
    STEP_READ_32,
    STEP_MANY_WRITES,
    STEP_MANY_READS,
    STEP_FLUSH,
    STEP_REFUSED,
    STEP_REFUSED_READ,
    STEP_RESTART,
    STEP_RESTART_READ,
    STEP_DONE,
    /* a read-only disk */
    STEP_RO_READ,
    STEP_RO_WRITE,
    STEP_RO_READ_AGAIN,
    STEP_RO_DONE,
};
static enum step step;

static uint32_t many_count(unsigned i)
{
    return 1 + i % 4;
}

static void start_step(void)
{
    switch (step) {
    case STEP_WRITE_1:
        begin(false);
        fill(WRITE_AREA, 5, 1);
        add_io(BLK_WRITE, 5, 1, WRITE_AREA, BLK_OK);
        break;
    case STEP_READ_1:
        begin(false);
        memset(data(READ_AREA), 0, BLK_BLOCK_SIZE);
        add_io(BLK_READ, 5, 1, READ_AREA, BLK_OK);
        break;
    case STEP_WRITE_32:
        begin(false);
        fill(WRITE_AREA, 100, 32);
        add_io(BLK_WRITE, 100, 32, WRITE_AREA, BLK_OK);
        break;
    case STEP_READ_32:
    case STEP_RO_READ:
    case STEP_RO_READ_AGAIN:
        begin(false);
        memset(data(READ_AREA), 0, 33 * BLK_BLOCK_SIZE);
        add_io(BLK_READ, 100, 32, READ_AREA, BLK_OK);
        add_io(BLK_READ, 5, 1, READ_AREA + 32 * BLK_BLOCK_SIZE, BLK_OK);
        break;
    case STEP_MANY_WRITES:
        begin(true);
        for (unsigned i = 0; i < MANY; i++) {
            fill(WRITE_AREA + i * SLOT_BYTES, 1000 + i * 4, many_count(i));
            add_io(BLK_WRITE, 1000 + i * 4, many_count(i), WRITE_AREA + i * SLOT_BYTES, BLK_OK);
        }
        add(BLK_FLUSH, 0, 0, 0, BLK_OK);
        break;
    case STEP_MANY_READS:
        begin(false);
        memset(data(READ_AREA), 0, MANY * SLOT_BYTES);
        for (unsigned i = 0; i < MANY; i++)
            add_io(BLK_READ, 1000 + i * 4, many_count(i), READ_AREA + i * SLOT_BYTES, BLK_OK);
        break;
    case STEP_FLUSH:
        begin(true);
        add(BLK_FLUSH, 0, 0, 0, BLK_OK);
        break;
    case STEP_REFUSED:
        begin(false);
        fill(WRITE_AREA, 300, 32);
        add_io(7, 300, 1, WRITE_AREA, BLK_ERR_OP);
        add_io(BLK_WRITE, 300, 0, WRITE_AREA, BLK_ERR_OP);
        add_io(BLK_WRITE, 300, BLK_MAX_REQUEST_BLOCKS + 1, WRITE_AREA, BLK_ERR_OP);
        add_io(BLK_WRITE, info.blocks - 1, 2, WRITE_AREA, BLK_ERR_RANGE);
        add_io(BLK_WRITE, UINT64_MAX - 1, 4, WRITE_AREA, BLK_ERR_RANGE);
        add(BLK_WRITE, 300, 2, BLK_DEVICE_ADDRESS_LIMIT - BLK_BLOCK_SIZE, BLK_ERR_BUFFER);
        add(BLK_WRITE, 300, 1, UINT64_MAX - 100, BLK_ERR_BUFFER);
        add_io(BLK_READ, info.blocks - 1, 1, READ_AREA + 32 * BLK_BLOCK_SIZE, BLK_OK);
        break;
    case STEP_REFUSED_READ:
        begin(false);
        memset(data(READ_AREA), 0xaa, 32 * BLK_BLOCK_SIZE);
        add_io(BLK_READ, 300, 32, READ_AREA, BLK_OK);
        break;
    case STEP_RESTART:
        begin(true);
        for (unsigned i = 0; i < RESTART_N; i++) {
            fill(WRITE_AREA + i * SLOT_BYTES, 2000 + i * 4, 4);
            add_io(BLK_WRITE, 2000 + i * 4, 4, WRITE_AREA + i * SLOT_BYTES, BLK_OK);
        }
        add(BLK_FLUSH, 0, 0, 0, BLK_OK);
        break;
    case STEP_RESTART_READ:
        begin(false);
        memset(data(READ_AREA), 0, RESTART_N * SLOT_BYTES);
        for (unsigned i = 0; i < RESTART_N; i++)
            add_io(BLK_READ, 2000 + i * 4, 4, READ_AREA + i * SLOT_BYTES, BLK_OK);
        break;
    case STEP_RO_WRITE:
        begin(true);
        fill(WRITE_AREA, 5, 1);
        for (uint32_t i = 0; i < BLK_BLOCK_SIZE; i++)
            data(WRITE_AREA)[i] ^= 0xff;
        add_io(BLK_WRITE, 5, 1, WRITE_AREA, BLK_ERR_READ_ONLY);
        add(BLK_FLUSH, 0, 0, 0, BLK_OK);
        break;
    case STEP_DONE:
    case STEP_RO_DONE:
        report(!failed, "no check failed");
        bst_system_exit(failed ? 1 : 0);
        break;
    }
    if (notify_driver)
        bst_notify(CH_DRIVER);
    notify_driver = false;
    if (step == STEP_RESTART) {
        /* The driver ran (it has the higher priority) and put the writes in the device:
         * restart it over its memory now, with them in flight. */
        report(bst_child_restart(DRIVER_CHILD) == BST_OK, "the driver restarts with 32 "
                                                          "writes and a flush in flight");
    }
}

/* The batch is answered: the step's checks, then the next step. */
static void finish_step(void)
{
    report(!bad_response, "every request of the batch answered once, as it must be");
    switch (step) {
    case STEP_READ_1:
        report(holds(READ_AREA, 5, 1, false), "1 block written and read back byte-exact");
        break;
    case STEP_READ_32:
        report(holds(READ_AREA, 100, 32, false), "32 blocks written and read back byte-exact");
        break;
    case STEP_MANY_WRITES:
        report(!bad_response, "64 writes in flight answered in any order, the flush last");
        break;
    case STEP_MANY_READS: {
        bool ok = true;
        for (unsigned i = 0; i < MANY; i++)
            ok &= holds(READ_AREA + i * SLOT_BYTES, 1000 + i * 4, many_count(i), false);
        report(ok, "64 reads in flight bring back what the 64 writes wrote");
        break;
    }
    case STEP_REFUSED:
        report(!bad_response, "refused requests answered: bad op, count 0, count 33, past the "
                              "end (2), past the address limit (2); the last block reads");
        break;
    case STEP_REFUSED_READ:
        report(holds(READ_AREA, 300, 32, true), "the refused writes wrote nothing");
        break;
    case STEP_RESTART_READ: {
        bool ok = true;
        for (unsigned i = 0; i < RESTART_N; i++)
            ok &= holds(READ_AREA + i * SLOT_BYTES, 2000 + i * 4, 4, false);
        report(ok, "after the restart every write is on the disk");
        break;
    }
    case STEP_RO_READ:
        report(holds(READ_AREA, 100, 32, false) &&
                   holds(READ_AREA + 32 * BLK_BLOCK_SIZE, 5, 1, false),
               "the read-only disk holds what the first boot wrote");
        break;
    case STEP_RO_WRITE:
        report(!bad_response, "a write to the read-only disk is refused, a flush answered");
        break;
    case STEP_RO_READ_AGAIN:
        report(holds(READ_AREA + 32 * BLK_BLOCK_SIZE, 5, 1, false),
               "the refused write changed nothing");
        break;
    default:
        break;
    }
    step++;
    start_step();
}

/* ---- Start ------------------------------------------------------------------------------- */

static bool started;

static void check_info(void)
{
    read_only = info.read_only != 0;
    bst_printf("blk_test: the driver says: %lu blocks, serial '%s', %s\n",
               (unsigned long)info.blocks, info.serial, read_only ? "read-only" : "writable");
    report(info.blocks == DISK_BLOCKS, "the capacity is the image's (64 MiB: 16384 blocks)");
    report(bst_strcmp(info.serial, SERIAL) == 0, "the serial is QEMU's serial=");
    report(info.block_size == BLK_BLOCK_SIZE, "the block size is 4096");
    step = read_only ? STEP_RO_READ : STEP_WRITE_1;
    started = true;
    start_step();
}

static void drain(void)
{
    for (;;) {
        resync();
        if (started && step != STEP_DONE && step != STEP_RO_DONE && batch_n > 0 &&
            batch_answered == batch_n) {
            finish_step(); /* answered by the last run before its restart */
            continue;
        }
        if (!started) {
            if (!blk_info_read(&q, &info)) {
                if (__atomic_load_n(&q.info->ready, __ATOMIC_ACQUIRE) != 0)
                    report(false, "the info's block size is 4096");
                return; /* the driver notifies once it has published it */
            }
            check_info();
            continue;
        }
        struct blk_response r;
        bool any = false;
        while (step != STEP_DONE && step != STEP_RO_DONE && blk_dequeue_response(&q, &r)) {
            take(r);
            any = true;
            if (batch_answered == batch_n)
                finish_step();
        }
        if (!any && queue_ring_consumer_may_sleep(&q.response))
            return;
    }
}

void init(void)
{
    blk_queue_init(&q, virt_queue);
    drain();
}

void notified(bst_channel_t ch)
{
    if (ch != CH_DRIVER) {
        report(false, "notified only by the driver");
        return;
    }
    drain();
}
