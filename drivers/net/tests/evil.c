/*
 * evil: the network system test's hostile client (suite system-net, run.sh). A client of
 * both virtualisers like the servers, behind its own copier, that does not follow the
 * protocol. It sleeps until the sniffer notifies it (channel 3: the host asked), then,
 * until the next such notification, on every wake-up (its transmit buffers coming back,
 * or a 2 ms timeout):
 *   - floods: every transmit buffer it can get is queued at once, a frame of 60 to 1514
 *     bytes to a MAC nobody has, and net_tx_virt is notified each time, needed or not;
 *   - every 8th wake-up, corrupts its own connections instead, in turn: a ring of
 *     descriptors outside its region or with impossible lengths (indices sane, so they
 *     are looked at), the transmit ring's tail far ahead (a ring that looks full for
 *     ever), random words over both queue regions (indices, flags, slots); and notifies
 *     its copier and net_tx_virt.
 * What it may harm is itself: the servers must keep answering byte-exact, and no other PD
 * may fault. It prints what it did when it stops.
 */
#include <bastion/net/pool.h>
#include <bastion/net/protocol.h>
#include <bastion/timer/client.h>
#include <libbastion/pd.h>

#define CH_RX      NET_CLIENT_CH_RX
#define CH_TX      NET_CLIENT_CH_TX
#define CH_TIMER   2
#define CH_CONTROL 3
#define CH_FLOOD   4 /* flooding only */
#define PERIOD_NS  2000000ull

uintptr_t net_rx_queue, net_tx_queue, net_tx_data; /* setvar_vaddr */

static struct queue_handle tx;
static struct net_pool pool;
static bool active, corrupting;
static uint64_t wakeups, frames, corruptions;
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void flood(void)
{
    for (unsigned n = 0; n < NET_QUEUE_CAPACITY; n++) {
        struct queue_result r = net_pool_take(&pool);
        if (r.status != QUEUE_OK)
            break;
        volatile uint8_t *f = (volatile uint8_t *)(net_tx_data + r.buffer.offset);
        static const uint8_t header[14] = {0x02, 0, 0, 0, 0,    0x01, 0x52,
                                           0x54, 0, 0, 0, 0x14, 0x88, 0xb5};
        for (unsigned i = 0; i < sizeof header; i++)
            f[i] = header[i];
        r.buffer.length = (uint32_t)(60 + next_random() % (NET_MAX_FRAME - 60 + 1));
        if (queue_enqueue_active(&tx, r.buffer) != QUEUE_OK)
            break;
        frames++;
    }
    bst_notify(CH_TX);
}

static void scribble(uintptr_t region)
{
    volatile uint32_t *words = (volatile uint32_t *)region;
    for (unsigned i = 0; i < 64; i++) {
        uint64_t r = next_random();
        words[(r >> 32) % (NET_QUEUE_REGION_SIZE / 4)] = (uint32_t)r;
    }
}

static void corrupt(void)
{
    struct queue_ring *ring = (struct queue_ring *)(net_tx_queue + NET_ACTIVE_RING_OFFSET);
    switch (corruptions++ % 3) {
    case 0: /* a full ring of descriptors outside the region or of impossible lengths,
               its indices sane (head + capacity), so net_tx_virt looks at them */
        for (unsigned i = 0; i < NET_QUEUE_CAPACITY; i++) {
            uint64_t r = next_random();
            ring->slots[i].offset = r % 2 ? NET_DATA_REGION_SIZE + (r >> 40) : r >> 8;
            ring->slots[i].length = (uint32_t)(r % 3 == 0 ? 0 : r >> 20);
        }
        __atomic_store_n(&ring->tail,
                         __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE) + NET_QUEUE_CAPACITY,
                         __ATOMIC_RELEASE);
        break;
    case 1: /* the tail far ahead: a ring that would look full for ever */
        __atomic_store_n(&ring->tail, (uint32_t)next_random(), __ATOMIC_RELEASE);
        break;
    default: /* random words over both queue regions */
        scribble(net_tx_queue);
        scribble(net_rx_queue);
        break;
    }
    bst_notify(CH_TX);
    bst_notify(CH_RX);
}

void init(void)
{
    net_queue_init(&tx, net_tx_queue);
    net_pool_init(&pool, &tx);
    timer_init(CH_TIMER);
}

void notified(bst_channel_t ch)
{
    if (ch == CH_CONTROL || ch == CH_FLOOD) {
        active = !active;
        corrupting = ch == CH_CONTROL;
        if (!active) {
            bst_printf("evil: stopped after %llu wake-ups: %llu frames flooded, %llu corruptions\n",
                       (unsigned long long)wakeups, (unsigned long long)frames,
                       (unsigned long long)corruptions);
            timer_cancel();
            return;
        }
        bst_printf(corrupting ? "evil: flooding and corrupting its connections\n"
                              : "evil: flooding\n");
    }
    if (!active)
        return;
    wakeups++;
    if (corrupting && wakeups % 8 == 0)
        corrupt();
    else
        flood();
    timer_set_timeout(PERIOD_NS);
}
