/*
 * The block client library (bastion/blk/client.h): the client side of one connection to
 * blk_virt. Requests go out on the request ring, responses come back on the response ring;
 * both sides sleep only after the queue protocol's re-check said so (docs/drivers.md).
 * Responses to asynchronous requests that a synchronous call meets while it waits for its
 * own are kept, in order, in `stash` for blk_client_poll().
 */
#include <bastion/blk/client.h>
#include <bastion/blk/queue.h>
#include <bastion/driver/wait.h>
#include <libbastion/pd.h>

uintptr_t blk_queue, blk_data;

static struct blk_queue queue;
static uint32_t sync_serial; /* the next synchronous call's id, below the sync bit */

/* Responses to asynchronous requests, met by a synchronous call. At most as many are
 * outstanding as the request ring holds, so an honest server never overfills this. */
static struct blk_response stash[BLK_QUEUE_CAPACITY];
static uint32_t stash_head, stash_tail; /* free running */

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

uint32_t blk_client_room(void)
{
    return BLK_QUEUE_CAPACITY - queue_ring_length(&queue.request);
}

bool blk_client_submit(struct blk_request request)
{
    return blk_enqueue_request(&queue, request);
}

void blk_client_kick(void)
{
    if (queue_ring_should_notify_consumer(&queue.request)) {
        bst_notify(BLK_CLIENT_CH_VIRT);
    }
}

/* Take the next response off the ring, telling blk_virt if it waits for room. */
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

bool blk_client_poll(struct blk_response *out)
{
    if (stash_head != stash_tail) {
        *out = stash[stash_head++ % BLK_QUEUE_CAPACITY];
        return true;
    }
    for (;;) {
        if (!take_response(out)) {
            return false;
        }
        if (out->id < BLK_CLIENT_SYNC_ID) {
            return true;
        }
        /* A response to no outstanding synchronous call: a confused server. Drop it. */
    }
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
    return stash_head == stash_tail && queue_ring_consumer_may_sleep(&queue.response);
}

/* Submit one synchronous request and sleep until its own response comes. */
static enum blk_status call(struct blk_request request)
{
    request.id = BLK_CLIENT_SYNC_ID | (sync_serial++ & (BLK_CLIENT_SYNC_ID - 1));
    while (!blk_enqueue_request(&queue, request)) {
        if (queue_ring_producer_may_sleep(&queue.request)) {
            driver_wait(virt_bit);
        }
    }
    bool kick_owed = true; /* sent with the first sleep: one system call for both */
    for (;;) {
        struct blk_response response;
        while (take_response(&response)) {
            if (response.id == request.id) {
                if (kick_owed) {
                    blk_client_kick();
                }
                return (enum blk_status)response.status;
            }
            if (response.id < BLK_CLIENT_SYNC_ID && stash_tail - stash_head < BLK_QUEUE_CAPACITY) {
                stash[stash_tail++ % BLK_QUEUE_CAPACITY] = response;
            }
        }
        if (queue_ring_consumer_may_sleep(&queue.response)) {
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
