/*
 * Host test of net_tx_virt (drivers/net/virt/tx_virt.c, compiled in whole): two honest
 * clients and a hostile one send through it to a simulated driver. The honest clients fill
 * every buffer they get with their number and a sequence number; the hostile one queues
 * descriptors of every shape (outside its region, too short, too long, huge counts) and
 * scribbles over its own queue region. Checked after every step (suite net-host):
 *   - every device address the driver is given lies, with its whole length, inside one
 *     client's data region, and the frame is 14 to 1514 bytes;
 *   - an honest client's frames arrive with the data it wrote, in the order it queued them,
 *     and every buffer comes back to it, exactly once;
 *   - fairness: while all three flood, each honest client gets at least a quarter of the
 *     frames the driver takes.
 */
#include <stdlib.h>
#include <string.h>

#include "../../virt/tx_virt.c"

#include <bastion/net/pool.h>

#include "stub_pd.h"

#define HOST_CHECK_SUITE "net-host"
#include "host_check.h"

static const uint64_t paddr[3] = {0x10000000ull, 0x20000000ull, 0x30000000ull};
static _Alignas(64) uint8_t data[3][NET_DATA_REGION_SIZE];
static _Alignas(64) uint8_t driver_region[NET_QUEUE_REGION_SIZE];
static _Alignas(64) uint8_t client_region[3][NET_QUEUE_REGION_SIZE];

static struct queue_handle drv, cl[3];
static struct net_pool pools[2];
static bool in_flight[2][NET_BUFFER_COUNT], ever_used[2][NET_BUFFER_COUNT];
static unsigned double_returns;
static uint32_t next_seq[2], expect_seq[2];
static uint64_t got[3];

/* Frames the driver holds until it "sends" them. */
static struct queue_buffer held[NET_QUEUE_CAPACITY];
static unsigned held_count;

static uint64_t rnd_state = 7;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static void setup(void)
{
    memset(driver_region, 0, sizeof(driver_region));
    memset(client_region, 0, sizeof(client_region));
    memset(clients, 0, sizeof(clients));
    memset(&driver, 0, sizeof(driver));
    memset(in_flight, 0, sizeof(in_flight));
    memset(ever_used, 0, sizeof(ever_used));
    double_returns = 0;
    memset(next_seq, 0, sizeof(next_seq));
    memset(expect_seq, 0, sizeof(expect_seq));
    memset(got, 0, sizeof(got));
    held_count = 0;
    client_count = 0;
    next_turn = 0;
    driver_queue = (uintptr_t)driver_region;
    client0_queue = (uintptr_t)client_region[0];
    client1_queue = (uintptr_t)client_region[1];
    client2_queue = (uintptr_t)client_region[2];
    client0_data_paddr = paddr[0];
    client1_data_paddr = paddr[1];
    client2_data_paddr = paddr[2];
    net_device_queue_init(&drv, (uintptr_t)driver_region);
    for (unsigned i = 0; i < 3; i++)
        net_queue_init(&cl[i], (uintptr_t)client_region[i]);
    for (unsigned i = 0; i < 2; i++)
        net_pool_init(&pools[i], &cl[i]);
    stub_quiet = 1;
    init();
}

/* An honest client queues up to `n` frames (as many as it has buffers for). */
static void honest_send(unsigned c, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        if (queue_full_active(&cl[c]))
            return;
        struct queue_result r = net_pool_take(&pools[c]);
        if (r.status != QUEUE_OK)
            return;
        uint32_t i = (uint32_t)(r.buffer.offset / NET_BUFFER_SIZE);
        if (ever_used[c][i] && !in_flight[c][i])
            double_returns++; /* came back on the free ring a second time */
        ever_used[c][i] = true;
        uint32_t len = NET_MIN_FRAME + (uint32_t)(rnd() % (NET_MAX_FRAME - NET_MIN_FRAME + 1));
        uint8_t *p = data[c] + r.buffer.offset;
        memset(p, 0, NET_MIN_FRAME);
        p[0] = (uint8_t)c;
        memcpy(p + 1, &next_seq[c], 4);
        p[len - 1] = (uint8_t)(0xa0 + c);
        next_seq[c]++;
        in_flight[c][i] =
            queue_enqueue_active(&cl[c], (struct queue_buffer){.offset = r.buffer.offset,
                                                               .length = len}) == QUEUE_OK;
    }
}

static void hostile(void)
{
    uint64_t *words = (uint64_t *)client_region[2];
    switch (rnd() % 4) {
    case 0:
        for (unsigned k = 0; k < 8; k++)
            words[rnd() % (NET_QUEUE_REGION_SIZE / 8)] = rnd();
        break;
    case 1: { /* descriptors of every shape, written straight into the ring */
        struct queue_ring *ring = (struct queue_ring *)(client_region[2] + NET_ACTIVE_RING_OFFSET);
        uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
        for (unsigned k = 0; k < 32; k++) {
            struct queue_buffer *slot = &ring->slots[(tail + k) % NET_QUEUE_CAPACITY];
            static const uint64_t offsets[] = {0, NET_DATA_REGION_SIZE - 14, NET_DATA_REGION_SIZE,
                                               ~0ull, 1ull << 40};
            slot->offset = rnd() % 2 ? offsets[rnd() % 5] : rnd();
            slot->length = (uint32_t)(rnd() % 2 ? rnd() % 3000 : rnd());
        }
        __atomic_store_n(&ring->tail, tail + 32, __ATOMIC_RELEASE);
        break;
    }
    case 2: /* valid frames, flooding */
        for (unsigned k = 0; k < 64; k++)
            queue_enqueue_active(
                &cl[2], (struct queue_buffer){
                            .offset = (rnd() % NET_BUFFER_COUNT) * NET_BUFFER_SIZE, .length = 60});
        break;
    default:
        words[NET_ACTIVE_RING_OFFSET / 8] = rnd();
        break;
    }
}

static bool driver_take(char *why, size_t n)
{
    while (held_count < NET_QUEUE_CAPACITY) {
        struct queue_result r = queue_dequeue_active(&drv);
        if (r.status == QUEUE_EMPTY)
            return true;
        if (r.status != QUEUE_OK) {
            snprintf(why, n, "driver got a descriptor outside the device range");
            return false;
        }
        uint64_t a = r.buffer.offset;
        int owner = -1;
        for (int c = 0; c < 3; c++)
            if (a >= paddr[c] && a - paddr[c] < NET_DATA_REGION_SIZE &&
                r.buffer.length <= NET_DATA_REGION_SIZE - (a - paddr[c]))
                owner = c;
        if (owner < 0 || r.buffer.length < NET_MIN_FRAME || r.buffer.length > NET_MAX_FRAME) {
            snprintf(why, n, "driver got 0x%llx+%u: not inside one client's region, or bad length",
                     (unsigned long long)a, r.buffer.length);
            return false;
        }
        got[owner]++;
        if (owner < 2) {
            const uint8_t *p = data[owner] + (a - paddr[owner]);
            uint32_t seq;
            memcpy(&seq, p + 1, 4);
            if (p[0] != owner || seq != expect_seq[owner] ||
                p[r.buffer.length - 1] != 0xa0 + owner) {
                snprintf(why, n, "client %d's frame %u arrived as seq %u (owner byte %u)", owner,
                         expect_seq[owner], seq, p[0]);
                return false;
            }
            expect_seq[owner]++;
        }
        held[held_count++] = r.buffer;
    }
    return true;
}

static void driver_send(unsigned n)
{
    while (n-- > 0 && held_count > 0) {
        unsigned k = (unsigned)(rnd() % held_count);
        queue_enqueue_free(&drv, held[k]);
        held[k] = held[--held_count];
    }
}

static void random_run(void)
{
    char why[160];
    setup();
    for (unsigned step = 0; step < 60000; step++) {
        honest_send(0, (unsigned)(rnd() % 8));
        honest_send(1, (unsigned)(rnd() % 8));
        hostile();
        notified(1 + (unsigned)(rnd() % 3));
        CHECK(driver_take(why, sizeof why), "step %u: %s", step, why);
        driver_send((unsigned)(rnd() % 24));
        notified(0);
    }
    CHECK(double_returns == 0, "%u buffers came back twice", double_returns);
    CHECK(expect_seq[0] > 10000 && expect_seq[1] > 10000, "honest clients sent only %u and %u",
          expect_seq[0], expect_seq[1]);
    printf("PASS: net-host/tx_virt_random (%u and %u honest frames, %llu hostile, %llu hostile "
           "descriptors dropped)\n",
           expect_seq[0], expect_seq[1], (unsigned long long)got[2],
           (unsigned long long)clients[2].stats.dropped);
}

/* All three flood; the driver takes a few frames per round. */
static void fair_shares(void)
{
    char why[160];
    setup();
    uint64_t before[3];
    for (unsigned step = 0; step < 20000; step++) {
        if (step == 2000)
            memcpy(before, got, sizeof(got));
        honest_send(0, 64);
        honest_send(1, 64);
        for (unsigned k = 0; k < 64; k++)
            queue_enqueue_active(
                &cl[2], (struct queue_buffer){
                            .offset = (rnd() % NET_BUFFER_COUNT) * NET_BUFFER_SIZE, .length = 60});
        notified(3);
        CHECK(driver_take(why, sizeof why), "step %u: %s", step, why);
        driver_send(12);
        notified(0);
    }
    CHECK(double_returns == 0, "%u buffers came back twice", double_returns);
    uint64_t total = 0, share[3];
    for (unsigned c = 0; c < 3; c++) {
        share[c] = got[c] - before[c];
        total += share[c];
    }
    CHECK(total > 0 && share[0] * 4 >= total && share[1] * 4 >= total,
          "shares %llu / %llu / %llu (hostile last)", (unsigned long long)share[0],
          (unsigned long long)share[1], (unsigned long long)share[2]);
    printf("PASS: net-host/tx_virt_fair_shares (%llu / %llu / %llu, hostile last)\n",
           (unsigned long long)share[0], (unsigned long long)share[1],
           (unsigned long long)share[2]);
}

/* The driver found its free ring full and sleeps until tx_virt takes the sent frames:
 * tx_virt must signal it once it has (bastion/queue/signal.h), or it sleeps for ever. */
static void wakes_waiting_driver(void)
{
    char why[160];
    setup();
    honest_send(0, 4);
    notified(1);
    CHECK(driver_take(why, sizeof why), "%s", why);
    driver_send(4);
    CHECK(queue_ring_length(&drv.free) == 4, "%u frames sent back", queue_ring_length(&drv.free));
    queue_ring_request_producer_signal(&drv.free);
    unsigned before = stub_notified[NET_VIRT_CH_DRIVER];
    notified(NET_VIRT_CH_DRIVER);
    CHECK(queue_ring_length(&drv.free) == 0, "the sent frames were not taken");
    CHECK(!queue_ring_producer_needs_signal(&drv.free) &&
              stub_notified[NET_VIRT_CH_DRIVER] > before,
          "the driver waits for room on its free ring and is never woken");
    printf("PASS: net-host/tx_virt_wakes_waiting_driver\n");
}

int main(void)
{
    wakes_waiting_driver();
    random_run();
    fair_shares();
    return host_check_failures ? 1 : 0;
}
