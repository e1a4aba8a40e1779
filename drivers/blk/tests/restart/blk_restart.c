/*
 * blk_restart: the client of the block driver-restart test (suite system-blk-restart,
 * drivers/blk/tests/restart/run.sh; docs/drivers.md, "Restart without loss"). While the
 * crasher crashes the driver at random moments, it keeps up to DEPTH requests in flight on
 * the first RS_BLOCKS blocks of its partition: writes of sequence-tagged blocks (a header
 * of magic, block and sequence number, then a pattern of both), reads checked byte-exact
 * against the last write answered for that block, and flushes. One request per block at a
 * time, so the answer order fixes what the disk must hold. It checks:
 *   - every answer names a request outstanding (never one answered already: no duplicate)
 *     with BLK_OK;
 *   - no request stays unanswered for `loss_ms` (a setvar, default 3 s; a timer watchdog):
 *     "LOST" and the run ends;
 *   - every read finds the last answered write (or, for a block never written, no tag).
 * When the crasher says its target is reached (channel CH_DONE) it stops submitting, waits
 * for every answer, reads every block back once more, prints the final sequence number of
 * each block (run.sh checks the disk image with them) and its counts, and ends the run.
 *
 * In the virtualiser-restart test (drivers/blk/tests/virt_restart) it is blk_virt that is
 * restarted, by its supervisor, and there is no crasher: with the setvar
 * `virt_restarts_target` set, the run ends when blk_virt's generation (init's count of its
 * restarts, bst_peer_generation) reaches it. It then also prints what the client library
 * saw of the restarts, and an answer the library dropped as naming no request of this
 * client (a stray) fails the run.
 */
#include <bastion/blk/client.h>
#include <bastion/timer/client.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#define CH_VIRT   BLK_CLIENT_CH_VIRT /* 0 */
#define CH_TIMER  1u
#define CH_DONE   2u
#define RS_BLOCKS 256u
#define DEPTH     48u
#define MAGIC     0x5952455643455251ull /* "QRECVERY" */
#define TICK_MS   100u

/* setvar: end the run when blk_virt's generation reaches it (0: when the crasher says) */
uint64_t virt_restarts_target;
/* setvar: how long a request may stay unanswered before it counts as lost. A request lives
 * through every restart until it is answered, so with restarts in a row (and a host that
 * lets QEMU run only now and then) it may need more than one restart's time. */
uint64_t loss_ms = 3000;

static struct {
    bool busy;
    uint16_t op;
    uint32_t block;
    uint64_t seq;
    uint64_t submitted_ms;
} req[DEPTH];

static uint64_t acked_seq[RS_BLOCKS]; /* the last answered write's (0: none) */
static bool block_busy[RS_BLOCKS];
static uint64_t rng = 0x9e3779b97f4a7c15ull, next_seq = 1, now_ms;
static uint64_t writes, reads, flushes, duplicates, lost, bad_data;
static unsigned outstanding;
static bool draining, finished;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t *buffer_words(unsigned id)
{
    return blk_client_buffer((uint64_t)id * BLK_BLOCK_SIZE);
}

static uint8_t pattern(uint32_t block, uint64_t seq, unsigned i)
{
    return (uint8_t)(block * 31u + seq * 17u + i);
}

static void fill(unsigned id, uint32_t block, uint64_t seq)
{
    uint64_t *w = buffer_words(id);
    uint8_t *b = (uint8_t *)w;
    w[0] = MAGIC;
    w[1] = block;
    w[2] = seq;
    for (unsigned i = 24; i < BLK_BLOCK_SIZE; i++)
        b[i] = pattern(block, seq, i);
}

/* Whether buffer `id` holds block `block` as written with `seq` (0: never written by us). */
static bool holds(unsigned id, uint32_t block, uint64_t seq)
{
    const uint64_t *w = buffer_words(id);
    const uint8_t *b = (const uint8_t *)w;
    if (seq == 0)
        return w[0] != MAGIC;
    if (w[0] != MAGIC || w[1] != block || w[2] != seq)
        return false;
    for (unsigned i = 24; i < BLK_BLOCK_SIZE; i++)
        if (b[i] != pattern(block, seq, i))
            return false;
    return true;
}

/* In the virtualiser-restart test the first failure ends the run (its broken variants
 * need only that one). */
static void end_if_virt_test(void)
{
    if (virt_restarts_target != 0) {
        bst_printf("blk_restart: the run ends at its first failure\n");
        bst_system_exit(1);
    }
}

static void fail_line(const char *what, unsigned id)
{
    bst_printf("FAIL: blk_restart: %s: op %u block %u seq %lu\n", what, req[id].op, req[id].block,
               (unsigned long)req[id].seq);
    if (req[id].op != 0 && bst_strncmp(what, "LOST", 4) != 0)
        end_if_virt_test();
}

/* Submit one request in free slot `id`. */
static bool submit(unsigned id)
{
    uint32_t block = (uint32_t)(next_random() % RS_BLOCKS);
    unsigned roll = (unsigned)(next_random() % 16);
    uint16_t op = roll == 0 ? BLK_FLUSH : roll < 9 ? BLK_WRITE : BLK_READ;
    if (op != BLK_FLUSH && block_busy[block])
        return false;
    struct blk_request r = {.id = id, .op = op};
    if (op != BLK_FLUSH) {
        r.count = 1;
        r.block = block;
        r.offset = (uint64_t)id * BLK_BLOCK_SIZE;
    }
    uint64_t seq = op == BLK_WRITE ? next_seq : 0;
    if (op == BLK_WRITE)
        fill(id, block, seq);
    else if (op == BLK_READ)
        memset(buffer_words(id), 0xee, BLK_BLOCK_SIZE);
    if (!blk_client_submit(r))
        return false;
    if (op == BLK_WRITE)
        next_seq++;
    req[id].busy = true;
    req[id].op = op;
    req[id].block = block;
    req[id].seq = seq;
    req[id].submitted_ms = now_ms;
    if (op != BLK_FLUSH)
        block_busy[block] = true;
    outstanding++;
    return true;
}

static void answered(const struct blk_response *r)
{
    if (r->id >= DEPTH || !req[r->id].busy) {
        duplicates++;
        bst_printf("FAIL: blk_restart: an answer for id %u, not outstanding (twice?)\n", r->id);
        end_if_virt_test();
        return;
    }
    unsigned id = r->id;
    if (r->status != BLK_OK)
        fail_line("status not BLK_OK", id);
    switch (req[id].op) {
    case BLK_WRITE:
        acked_seq[req[id].block] = req[id].seq;
        writes++;
        break;
    case BLK_READ:
        reads++;
        if (!holds(id, req[id].block, acked_seq[req[id].block])) {
            bad_data++;
            fail_line("the read does not hold the last answered write", id);
        }
        break;
    default:
        flushes++;
        break;
    }
    if (req[id].op != BLK_FLUSH)
        block_busy[req[id].block] = false;
    req[id].busy = false;
    outstanding--;
}

/* Read every block back (synchronously: the crasher has stopped) and end the run. */
static void finish(void)
{
    finished = true;
    unsigned wrong = 0;
    for (uint32_t b = 0; b < RS_BLOCKS; b++) {
        memset(buffer_words(0), 0xee, BLK_BLOCK_SIZE);
        if (blk_read(b, 1, 0) != BLK_OK || !holds(0, b, acked_seq[b]))
            wrong++;
    }
    if (blk_flush() != BLK_OK)
        wrong++;
    bst_printf("blk_restart: final read-back: %u of %u blocks wrong\n", wrong, RS_BLOCKS);
    for (uint32_t b = 0; b < RS_BLOCKS; b += 16) {
        bst_printf("blk_restart: final");
        for (uint32_t k = b; k < b + 16; k++)
            bst_printf(" %lu", (unsigned long)acked_seq[k]);
        bst_printf("\n");
    }
    struct blk_client_stats st;
    blk_client_stats(&st);
    if (virt_restarts_target != 0)
        bst_printf("blk_restart: blk_virt generation %u: %lu restarts resynchronised, %lu "
                   "requests submitted again, %lu stray answers\n",
                   bst_peer_generation(CH_VIRT), (unsigned long)st.restarts,
                   (unsigned long)st.reissued, (unsigned long)st.stray);
    bool ok = wrong == 0 && duplicates == 0 && lost == 0 && bad_data == 0 && st.stray == 0;
    bst_printf("blk_restart: %lu writes, %lu reads checked, %lu flushes; %lu lost, %lu answered "
               "twice, %lu reads wrong: %s\n",
               (unsigned long)writes, (unsigned long)reads, (unsigned long)flushes,
               (unsigned long)lost, (unsigned long)duplicates, (unsigned long)bad_data,
               ok ? "pass" : "FAIL");
    bst_system_exit(ok ? 0 : 1);
}

/* The virtualiser-restart test's end: blk_virt restarted often enough. */
static void check_target(void)
{
    if (virt_restarts_target == 0 || draining ||
        bst_peer_generation(CH_VIRT) < virt_restarts_target)
        return;
    draining = true;
    bst_printf("blk_restart: blk_virt at generation %u; draining %u requests\n",
               bst_peer_generation(CH_VIRT), outstanding);
}

static void pump(void)
{
    if (finished)
        return;
    check_target();
    for (;;) {
        struct blk_response r;
        bool any = false;
        while (blk_client_poll(&r)) {
            answered(&r);
            any = true;
        }
        for (unsigned id = 0; !draining && id < DEPTH; id++)
            if (!req[id].busy && blk_client_room() > 0 && submit(id))
                any = true;
        blk_client_kick();
        if (draining && outstanding == 0) {
            finish();
            return;
        }
        if (!any && blk_client_sleep())
            return;
    }
}

/* The watchdog: a request unanswered for loss_ms is lost. */
static void tick(void)
{
    now_ms = timer_now() / TIMER_NS_PER_MS;
    for (unsigned id = 0; id < DEPTH; id++)
        if (req[id].busy && now_ms - req[id].submitted_ms > loss_ms) {
            lost++;
            fail_line("LOST: no answer", id);
            req[id].busy = false; /* reported once */
        }
    if (lost > 0) {
        bst_printf("blk_restart: LOST %lu requests after %lu writes: the run ends\n",
                   (unsigned long)lost, (unsigned long)writes);
        bst_system_exit(1);
    }
    timer_set_timeout(TICK_MS * TIMER_NS_PER_MS);
}

void init(void)
{
    struct blk_info info;
    blk_client_init(&info);
    timer_init(CH_TIMER);
    now_ms = timer_now() / TIMER_NS_PER_MS;
    bst_printf("blk_restart: partition of %lu blocks; %u requests in flight on %u blocks\n",
               (unsigned long)info.blocks, DEPTH, RS_BLOCKS);
    timer_set_timeout(TICK_MS * TIMER_NS_PER_MS);
    pump();
}

/* blk_virt restarted: the client library resynchronises by itself (on its next call);
 * here only the run's end is checked. */
void peer_restarted(bst_channel_t ch)
{
    if (ch == CH_VIRT)
        pump();
}

void notified(bst_channel_t ch)
{
    if (ch == CH_TIMER)
        tick();
    else if (ch == CH_DONE && !draining) {
        draining = true;
        bst_printf("blk_restart: the crasher is done; draining %u requests\n", outstanding);
    }
    pump();
}
