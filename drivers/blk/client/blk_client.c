/*
 * The block client library (bastion/blk/client.h): the client side of one connection to
 * blk_virt. Requests go out on the request ring, responses come back on the response ring;
 * both sides sleep only after the queue protocol's re-check said so (docs/drivers.md).
 *
 * Every request the caller submits is kept, until it is answered, in a table of
 * BLK_CLIENT_OUTSTANDING entries; the id on the wire is the entry's number with the
 * entry's generation above it, and an answer maps back to the caller's id through it. So
 * an answer that names no outstanding request (a stray, a repeat) reaches nobody, and
 * after a restart of blk_virt the library can submit again every request still unanswered
 * (docs/drivers.md, "Restarting blk_virt"):
 *
 *   blk_virt's restarted run announces its generation on the connection (struct
 *   blk_resync) once no request of an earlier run is left anywhere. The library, at its
 *   next look (every call checks), takes every answer on the response ring (each is a
 *   real answer of the last run), acknowledges the generation with its request ring's
 *   tail, and submits again, in the order the caller first submitted them, every request
 *   still unanswered, before any new one. blk_virt discards what was enqueued before the
 *   acknowledgement. A read submitted again reads the same blocks into the same buffer; a
 *   write writes the same data (the caller does not touch a buffer while its request is
 *   outstanding); a flush is a barrier in the same place. So the caller sees no restart:
 *   every request is answered exactly once, by its own answer.
 *
 * Responses to asynchronous requests that a synchronous call meets while it waits for its
 * own (or that a resynchronisation takes) are kept, in order, in `stash` for
 * blk_client_poll().
 */
#include <bastion/blk/client.h>
#include <bastion/blk/queue.h>
#include <bastion/driver/wait.h>
#include <libbastion/pd.h>

uintptr_t blk_queue, blk_data;

/* Wire ids: the entry in the low bits, its generation (24 bits) above. */
#define ENTRY_BITS 8u
#define ENTRY_MASK ((1u << ENTRY_BITS) - 1u)
_Static_assert(BLK_CLIENT_OUTSTANDING == 1u << ENTRY_BITS, "an entry number fills ENTRY_BITS");

struct entry {
    bool busy;
    bool sync;           /* the synchronous call's */
    uint32_t generation; /* 24 bits used */
    uint32_t caller_id;
    uint64_t order;             /* when the caller submitted it */
    struct blk_request request; /* as it goes on the wire */
};

static struct blk_queue queue;
static struct entry entries[BLK_CLIENT_OUTSTANDING];
static uint32_t free_entries[BLK_CLIENT_OUTSTANDING], free_count;
static uint64_t submit_order;

/* The synchronous call in progress: its entry's answer, once taken. */
static bool sync_answered;
static uint16_t sync_status;

/* Responses to asynchronous requests, not yet given to blk_client_poll(). Asynchronous
 * requests outstanding and responses kept here are together fewer than the table's
 * entries (one is always left for a synchronous call), so this never overfills. */
static struct blk_response stash[BLK_CLIENT_OUTSTANDING];
static uint32_t stash_head, stash_tail; /* free running */

/* blk_virt's restarts: the generation acknowledged last (0: none announced), and the
 * entries to submit again, oldest first, with how many are on the ring already. */
static uint32_t acknowledged;
static volatile uint32_t *generation_word; /* the connection's struct blk_resync.generation */
static uint32_t again[BLK_CLIENT_OUTSTANDING], again_count, again_sent;
static struct blk_client_stats stats;

static const uint64_t virt_bit = 1ull << BLK_CLIENT_CH_VIRT;

static _Noreturn void misconfigured(const char *what)
{
    bst_printf("blk: PD '%s': %s\n", bst_pd_name(), what);
    __builtin_trap();
}

void blk_client_init(struct blk_info *out)
{
    if (blk_queue == 0 || blk_data == 0) {
        misconfigured("blk_queue / blk_data are not mapped (setvar_vaddr)");
    }
    blk_queue_init(&queue, blk_queue);
    generation_word = &blk_resync_of(&queue)->generation;
    for (uint32_t e = 0; e < BLK_CLIENT_OUTSTANDING; e++) {
        free_entries[e] = BLK_CLIENT_OUTSTANDING - 1 - e;
    }
    free_count = BLK_CLIENT_OUTSTANDING;
    /* blk_virt signals every client once it has published; a signal that came before
     * this wait stays pending in the notification, so none is missed. */
    while (__atomic_load_n(&queue.info->ready, __ATOMIC_ACQUIRE) == 0) {
        driver_wait(virt_bit);
    }
    if (!blk_info_read(&queue, out)) {
        misconfigured("blk_virt published a block size other than BLK_BLOCK_SIZE");
    }
}

void *blk_client_buffer(uint64_t offset)
{
    return (void *)(blk_data + (uintptr_t)offset);
}

void blk_client_stats(struct blk_client_stats *out)
{
    *out = stats;
}

/* ---- The table ---------------------------------------------------------------------------- */

static uint32_t wire_id(uint32_t e)
{
    return e | entries[e].generation << ENTRY_BITS;
}

/* Give entry e a fresh wire id (a new generation): an answer to an older one is a stray. */
static void renew(uint32_t e)
{
    entries[e].generation = (entries[e].generation + 1) & 0xffffffu;
    entries[e].request.id = wire_id(e);
}

/* The entry a response answers, or -1 for a stray (no such request outstanding). */
static int32_t entry_of(const struct blk_response *r)
{
    uint32_t e = r->id & ENTRY_MASK;
    if (!entries[e].busy || wire_id(e) != r->id) {
        return -1;
    }
    return (int32_t)e;
}

/* Take a response for entry e: free it; an asynchronous one is returned in *out with the
 * caller's id (true), the synchronous one is recorded (false). */
static bool complete(uint32_t e, struct blk_response *out)
{
    struct entry *en = &entries[e];
    en->busy = false;
    free_entries[free_count++] = e;
    if (en->sync) {
        sync_answered = true;
        sync_status = out->status;
        return false;
    }
    out->id = en->caller_id;
    return true;
}

/* ---- blk_virt's restarts ------------------------------------------------------------------ */

void blk_client_kick(void)
{
    if (queue_ring_should_notify_consumer(&queue.request)) {
        bst_notify(BLK_CLIENT_CH_VIRT);
    }
}

/* Entries still to submit again go first, as the ring has room; blk_virt is signalled here
 * (if it asked), as no caller knows of them. */
static void send_again(void)
{
    uint32_t sent = 0;
    while (again_sent < again_count &&
           blk_enqueue_request(&queue, entries[again[again_sent]].request)) {
        again_sent++;
        sent++;
        stats.reissued++;
    }
    if (sent > 0) {
        blk_client_kick();
    }
}

/* Take one response off the ring, telling blk_virt if it waits for room. */
static bool take_response(struct blk_response *out)
{
    if (!blk_dequeue_response(&queue, out)) {
        return false;
    }
    if (queue_ring_should_notify_producer(&queue.response)) {
        bst_notify(BLK_CLIENT_CH_VIRT);
    }
    return true;
}

/* If blk_virt announced a generation not yet acknowledged: take the last run's answers,
 * acknowledge, and line up every unanswered request to go again. */
static void check_restart(void)
{
    uint32_t g = blk_resync_generation(&queue);
    if (g == acknowledged) {
        return;
    }
    struct blk_response r;
    while (take_response(&r)) {
        int32_t e = entry_of(&r);
        if (e < 0) {
            stats.stray++;
        } else if (complete((uint32_t)e, &r)) {
            stash[stash_tail++ % BLK_CLIENT_OUTSTANDING] = r;
        }
    }
    blk_resync_acknowledge(&queue, g);
    acknowledged = g;
    stats.restarts++;
    again_count = again_sent = 0;
    for (uint32_t e = 0; e < BLK_CLIENT_OUTSTANDING; e++) {
        if (!entries[e].busy) {
            continue;
        }
        uint32_t k = again_count++;
        while (k > 0 && entries[again[k - 1]].order > entries[e].order) { /* insertion sort */
            again[k] = again[k - 1];
            k--;
        }
        again[k] = e;
        renew(e);
    }
    bst_notify(BLK_CLIENT_CH_VIRT); /* blk_virt waits for the acknowledgement */
    send_again();
}

/* The slow path of resync(): kept out of line, so that every call pays only the test. */
static __attribute__((noinline)) void resync_slow(void)
{
    check_restart();
    send_again();
}

/* At the start of every call: a restart of blk_virt to acknowledge, or requests still to
 * submit again. One load and two compares when there is neither. */
static inline void resync(void)
{
    if (__builtin_expect(__atomic_load_n(generation_word, __ATOMIC_ACQUIRE) != acknowledged ||
                             again_sent != again_count,
                         0)) {
        resync_slow();
    }
}

/* ---- Asynchronous -------------------------------------------------------------------------- */

/* Entries an asynchronous request may take: one is kept for a synchronous call, and each
 * response waiting in the stash holds one. */
static uint32_t async_room(void)
{
    uint32_t held = stash_tail - stash_head + 1;
    return free_count > held ? free_count - held : 0;
}

uint32_t blk_client_room(void)
{
    resync();
    if (again_sent < again_count) {
        return 0;
    }
    uint32_t ring = BLK_QUEUE_CAPACITY - queue_ring_length(&queue.request);
    uint32_t table = async_room();
    return ring < table ? ring : table;
}

/* Put a request in a free entry and on the ring; false when either is full or requests
 * wait to be submitted again (the caller has called resync()). */
static bool submit(struct blk_request request, bool sync)
{
    if (free_count == 0 || again_sent < again_count) {
        return false;
    }
    uint32_t e = free_entries[free_count - 1];
    struct entry *en = &entries[e];
    en->request = request;
    renew(e);
    if (!blk_enqueue_request(&queue, en->request)) {
        return false;
    }
    free_count--;
    en->busy = true;
    en->sync = sync;
    en->caller_id = request.id;
    en->order = submit_order++;
    return true;
}

bool blk_client_submit(struct blk_request request)
{
    resync();
    return async_room() > 0 && submit(request, false);
}

bool blk_client_poll(struct blk_response *out)
{
    resync();
    if (stash_head != stash_tail) {
        *out = stash[stash_head++ % BLK_CLIENT_OUTSTANDING];
        return true;
    }
    while (take_response(out)) {
        int32_t e = entry_of(out);
        if (e < 0) {
            stats.stray++; /* a confused server's */
        } else if (complete((uint32_t)e, out)) {
            return true;
        }
    }
    return false;
}

void blk_client_kick_wait(void)
{
    if (queue_ring_should_notify_consumer(&queue.request)) {
        driver_notify_wait(BLK_CLIENT_CH_VIRT, virt_bit);
    } else {
        driver_wait(virt_bit);
    }
}

bool blk_client_sleep(void)
{
    if (blk_resync_generation(&queue) != acknowledged || stash_head != stash_tail) {
        return false;
    }
    if (again_sent < again_count) { /* waiting for blk_virt to discard the old requests */
        return queue_ring_producer_may_sleep(&queue.request);
    }
    return queue_ring_consumer_may_sleep(&queue.response);
}

/* ---- Synchronous -------------------------------------------------------------------------- */

/* Submit one synchronous request and sleep until its own response comes. */
static enum blk_status call(struct blk_request request)
{
    sync_answered = false;
    for (;;) { /* the ring may be full, or requests go again first */
        resync();
        if (submit(request, true)) {
            break;
        }
        if (blk_resync_generation(&queue) == acknowledged &&
            queue_ring_producer_may_sleep(&queue.request)) {
            driver_wait(virt_bit);
        }
    }
    bool kick_owed = true; /* sent with the first sleep: one system call for both */
    for (;;) {
        resync();
        struct blk_response response;
        while (!sync_answered && take_response(&response)) {
            int32_t e = entry_of(&response);
            if (e < 0) {
                stats.stray++;
            } else if (complete((uint32_t)e, &response)) {
                stash[stash_tail++ % BLK_CLIENT_OUTSTANDING] = response;
            }
        }
        if (sync_answered) {
            if (kick_owed) {
                blk_client_kick();
            }
            return (enum blk_status)sync_status;
        }
        if (blk_resync_generation(&queue) == acknowledged &&
            (again_sent < again_count ? queue_ring_producer_may_sleep(&queue.request)
                                      : queue_ring_consumer_may_sleep(&queue.response))) {
            if (kick_owed) {
                kick_owed = false;
                blk_client_kick_wait();
            } else {
                driver_wait(virt_bit);
            }
        }
    }
}

enum blk_status blk_read(uint64_t block, uint32_t count, uint64_t offset)
{
    return call(
        (struct blk_request){.op = BLK_READ, .count = count, .block = block, .offset = offset});
}

enum blk_status blk_write(uint64_t block, uint32_t count, uint64_t offset)
{
    return call(
        (struct blk_request){.op = BLK_WRITE, .count = count, .block = block, .offset = offset});
}

enum blk_status blk_flush(void)
{
    return call((struct blk_request){.op = BLK_FLUSH});
}
