/*
 * Host test of net_rx_virt (drivers/net/virt/rx_virt.c, compiled in whole): a simulated
 * driver delivers frames for three clients, broadcast, multicast and nobody; two honest
 * clients take and return what they are lent; a third, hostile client scribbles over its
 * own queue region and returns buffers it never had, twice, or not at all. Checked after
 * every step (suite net-host, ASan + UBSan):
 *   - an honest client is lent only frames for its MAC, broadcast, or multicast it asked for;
 *   - a buffer goes back to the driver only when no honest client holds it, and never
 *     while the driver still holds it;
 *   - buffers are conserved: driver + virtualiser + honest clients + the hostile client's
 *     share (at most NET_RX_CLIENT_MAX_HELD) account for all of them, and once the hostile
 *     client stops and the honest ones return everything, at least all but the hostile
 *     client's share are back with the driver.
 */
#include <stdlib.h>
#include <string.h>

#include "../../virt/rx_virt.c"

#include "stub_pd.h"

#define HOST_CHECK_SUITE "net-host"
#include "host_check.h"

#define PADDR     0x40000000ull
#define MAC_A     0x525400000001ull
#define MAC_B     0x525400000002ull
#define MAC_EVIL  0x525400000003ull
#define MAC_OTHER 0x525400000009ull
#define MAC_MCAST 0x01005e000001ull

static _Alignas(64) uint8_t dma[NET_DATA_REGION_SIZE];
static _Alignas(64) uint8_t driver_region[NET_QUEUE_REGION_SIZE];
static _Alignas(64) uint8_t client_region[3][NET_QUEUE_REGION_SIZE];

static struct queue_handle drv, cl[3];
static bool drv_holds[NET_BUFFER_COUNT];
static bool cl_holds[2][NET_BUFFER_COUNT];

static uint64_t rnd_state = 1;
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
    memset(drv_holds, 0, sizeof(drv_holds));
    memset(cl_holds, 0, sizeof(cl_holds));
    memset(clients, 0, sizeof(clients));
    memset(&driver, 0, sizeof(driver));
    client_count = 0;
    driver_queue = (uintptr_t)driver_region;
    rx_data = (uintptr_t)dma;
    rx_data_paddr = PADDR;
    client0_queue = (uintptr_t)client_region[0];
    client1_queue = (uintptr_t)client_region[1];
    client2_queue = (uintptr_t)client_region[2];
    client0_mac = MAC_A;
    client1_mac = MAC_B;
    client1_multicast = 1;
    client2_mac = MAC_EVIL;
    net_device_queue_init(&drv, (uintptr_t)driver_region);
    for (unsigned i = 0; i < 3; i++)
        net_queue_init(&cl[i], (uintptr_t)client_region[i]);
    stub_quiet = 1;
    init();
}

/* The driver takes every empty buffer offered; false if one came that it holds already
 * or that an honest client holds. */
static bool driver_take(char *why, size_t n)
{
    for (;;) {
        struct queue_result r = queue_dequeue_free(&drv);
        if (r.status == QUEUE_EMPTY)
            return true;
        uint64_t off = r.buffer.offset - PADDR;
        if (r.status != QUEUE_OK || off % NET_BUFFER_SIZE || off >= NET_DATA_REGION_SIZE) {
            snprintf(why, n, "driver got a bad buffer 0x%llx", (unsigned long long)r.buffer.offset);
            return false;
        }
        uint32_t i = (uint32_t)(off / NET_BUFFER_SIZE);
        if (drv_holds[i] || cl_holds[0][i] || cl_holds[1][i]) {
            snprintf(why, n, "buffer %u given to the driver while %s holds it", i,
                     drv_holds[i] ? "the driver" : "an honest client");
            return false;
        }
        drv_holds[i] = true;
    }
}

static void driver_deliver(void)
{
    uint32_t start = (uint32_t)(rnd() % NET_BUFFER_COUNT);
    for (uint32_t k = 0; k < NET_BUFFER_COUNT; k++) {
        uint32_t i = (start + k) % NET_BUFFER_COUNT;
        if (!drv_holds[i])
            continue;
        static const uint64_t dests[] = {MAC_A,    MAC_B, MAC_EVIL, MAC_OTHER, 0xffffffffffffull,
                                         MAC_MCAST};
        uint64_t dest = dests[rnd() % 6];
        uint8_t *frame = dma + (uint64_t)i * NET_BUFFER_SIZE;
        for (unsigned b = 0; b < 6; b++)
            frame[b] = (uint8_t)(dest >> (40 - 8 * b));
        uint32_t len = (uint32_t)(rnd() % 1600); /* some too short, some too long */
        if (queue_enqueue_active(
                &drv, (struct queue_buffer){.offset = PADDR + (uint64_t)i * NET_BUFFER_SIZE,
                                            .length = len}) == QUEUE_OK)
            drv_holds[i] = false;
        return;
    }
}

static bool for_client(unsigned c, uint64_t dest)
{
    if (dest == 0xffffffffffffull)
        return true;
    if (dest & (1ull << 40))
        return c == 1;
    return dest == (c == 0 ? MAC_A : MAC_B);
}

/* An honest client: takes what it is lent (checking it), returns some of what it holds. */
static bool honest(unsigned c, bool return_all, char *why, size_t n)
{
    for (;;) {
        struct queue_result r = queue_dequeue_active(&cl[c]);
        if (r.status == QUEUE_EMPTY)
            break;
        uint32_t i = (uint32_t)(r.buffer.offset / NET_BUFFER_SIZE);
        if (r.status != QUEUE_OK || r.buffer.offset % NET_BUFFER_SIZE || cl_holds[c][i] ||
            drv_holds[i]) {
            snprintf(why, n, "client %u lent a bad or held buffer %llu", c,
                     (unsigned long long)r.buffer.offset);
            return false;
        }
        if (r.buffer.length < NET_MIN_FRAME || r.buffer.length > NET_MAX_FRAME) {
            snprintf(why, n, "client %u lent a frame of %u bytes", c, r.buffer.length);
            return false;
        }
        uint64_t dest = frame_destination(r.buffer.offset);
        if (!for_client(c, dest)) {
            snprintf(why, n, "client %u lent a frame for %012llx", c, (unsigned long long)dest);
            return false;
        }
        cl_holds[c][i] = true;
    }
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++) {
        if (cl_holds[c][i] && (return_all || rnd() % 3 == 0)) {
            cl_holds[c][i] = false;
            queue_enqueue_free(&cl[c], (struct queue_buffer){
                                           .offset = (uint64_t)i * NET_BUFFER_SIZE, .length = 1});
        }
    }
    return true;
}

static void hostile(void)
{
    uint64_t *words = (uint64_t *)client_region[2];
    switch (rnd() % 4) {
    case 0: /* scribble */
        for (unsigned k = 0; k < 8; k++)
            words[rnd() % (NET_QUEUE_REGION_SIZE / 8)] = rnd();
        break;
    case 1: /* return buffers it never had, and twice */
        for (unsigned k = 0; k < 16; k++)
            queue_enqueue_free(&cl[2], (struct queue_buffer){.offset = (rnd() % NET_BUFFER_COUNT) *
                                                                       NET_BUFFER_SIZE,
                                                             .length = 2048});
        break;
    case 2: /* take what it is lent and keep it */
        for (unsigned k = 0; k < NET_QUEUE_CAPACITY; k++)
            if (queue_dequeue_active(&cl[2]).status == QUEUE_EMPTY)
                break;
        break;
    default: /* tail far ahead */
        words[NET_FREE_RING_OFFSET / 8] = rnd();
        break;
    }
}

static void random_run(void)
{
    char why[160];
    setup();
    rnd_state = 0x9e3779b97f4a7c15ull;
    uint64_t lent = 0;
    for (unsigned step = 0; step < 100000; step++) {
        CHECK(driver_take(why, sizeof why), "step %u: %s", step, why);
        driver_deliver();
        notified(0);
        CHECK(honest(0, false, why, sizeof why), "step %u: %s", step, why);
        CHECK(honest(1, false, why, sizeof why), "step %u: %s", step, why);
        hostile();
        notified(1 + (unsigned)(rnd() % 3));
        CHECK(clients[2].held <= NET_RX_CLIENT_MAX_HELD, "hostile client holds %u",
              clients[2].held);
    }
    lent = clients[0].stats.frames + clients[1].stats.frames;
    /* Quiet down: the hostile client stops, the honest ones return everything. */
    for (unsigned round = 0; round < 8; round++) {
        notified(0);
        CHECK(honest(0, true, why, sizeof why), "drain: %s", why);
        CHECK(honest(1, true, why, sizeof why), "drain: %s", why);
        notified(1);
        CHECK(driver_take(why, sizeof why), "drain: %s", why);
    }
    unsigned back = 0;
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++)
        back += drv_holds[i];
    CHECK(back + clients[2].held >= NET_BUFFER_COUNT,
          "only %u buffers back with the driver (hostile client holds %u)", back, clients[2].held);
    CHECK(lent > 50000, "honest clients were lent only %llu frames", (unsigned long long)lent);
    CHECK(driver.bad > 0 && driver.stats.dropped > 0, "no bad or unwanted frames were seen");
    printf("PASS: net-host/rx_virt_random (%llu frames lent to honest clients, %llu dropped, "
           "%llu bad, hostile holds %u)\n",
           (unsigned long long)lent, (unsigned long long)driver.stats.dropped,
           (unsigned long long)driver.bad, clients[2].held);
}

static void stats_call(void)
{
    setup();
    stub_mrs[0] = NET_STATS_DEVICE;
    bst_msginfo_t m = protected(9, bst_msginfo_new(NET_STATS, 1));
    CHECK(bst_msginfo_label(m) == NET_STATS, "device statistics refused");
    stub_mrs[0] = 5;
    m = protected(9, bst_msginfo_new(NET_STATS, 1));
    CHECK(bst_msginfo_label(m) == NET_STATS_ERROR, "statistics of a missing client given");
    stub_mrs[0] = 0;
    m = protected(9, bst_msginfo_new(77, 1));
    CHECK(bst_msginfo_label(m) == NET_STATS_ERROR, "an unknown label answered");
    printf("PASS: net-host/rx_virt_stats\n");
}

/* The driver found its active ring full and sleeps until rx_virt takes frames: rx_virt
 * must signal it once it has (bastion/queue/signal.h), or it sleeps for ever. */
static void wakes_waiting_driver(void)
{
    char why[160];
    setup();
    CHECK(driver_take(why, sizeof why), "%s", why);
    driver_deliver();
    CHECK(queue_ring_length(&drv.active) == 1, "no frame delivered");
    queue_ring_request_producer_signal(&drv.active);
    unsigned before = stub_notified[NET_VIRT_CH_DRIVER];
    notified(NET_VIRT_CH_DRIVER);
    CHECK(queue_ring_length(&drv.active) == 0, "the frame was not taken");
    CHECK(!queue_ring_producer_needs_signal(&drv.active) &&
              stub_notified[NET_VIRT_CH_DRIVER] > before,
          "the driver waits for room on its active ring and is never woken");
    printf("PASS: net-host/rx_virt_wakes_waiting_driver\n");
}

int main(void)
{
    wakes_waiting_driver();
    random_run();
    stats_call();
    return host_check_failures ? 1 : 0;
}
