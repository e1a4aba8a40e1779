/*
 * evil (drivers/serial/tests/system.xml): a serial client that corrupts its own
 * connections, to show that the virtualisers and the driver stay within their
 * isolation (suite system-serial: the other clients' lines must still come out whole and
 * complete, and no PD may fault).
 *
 * Its transmit data region holds "evil\n" over and over, so whatever its descriptors
 * name, its lines on COM2 consist of the letters e, v, i, l. For ROUNDS rounds it
 * overwrites words of both its queue regions (indices, signal flags, slots) with random
 * values, or fills the transmit ring with descriptors that fit the region and sets the
 * ring's tail a full ring ahead (honest-looking: those lines are printed) or far ahead
 * (so it would look full for ever), notifies both virtualisers and yields. It then says so on the
 * debug console and stays quiet.
 */
#include <bastion/serial/protocol.h>
#include <libbastion/pd.h>
#include <libbastion/syscall.h>

#define TX     0
#define RX     1
#define ROUNDS 300

uintptr_t serial_tx_queue, serial_tx_data, serial_rx_queue; /* setvar_vaddr */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random words at random places of a queue region. */
static void scribble(uintptr_t region)
{
    volatile uint32_t *words = (volatile uint32_t *)region;
    for (unsigned i = 0; i < 32; i++) {
        uint64_t r = next_random();
        words[(r >> 32) % (SERIAL_QUEUE_REGION_SIZE / 4)] = (uint32_t)r;
    }
}

/* Descriptors that fit the data region in every slot, and the tail a full ring ahead
 * (a ring that looks honest) or far ahead (one that would look full for ever). */
static void flood(uintptr_t region, uint32_t ahead)
{
    struct queue_ring *ring = (struct queue_ring *)(region + SERIAL_ACTIVE_RING_OFFSET);
    for (unsigned i = 0; i < SERIAL_QUEUE_CAPACITY; i++) {
        uint64_t r = next_random();
        ring->slots[i].offset = (r >> 8) % SERIAL_DATA_REGION_SIZE;
        ring->slots[i].length = (uint32_t)(r % 33); /* short: the line stays usable */
    }
    __atomic_store_n(&ring->tail, ring->head + ahead, __ATOMIC_RELEASE);
}

void init(void)
{
    char *data = (char *)serial_tx_data;
    for (unsigned i = 0; i < SERIAL_DATA_REGION_SIZE; i++)
        data[i] = "evil\n"[i % 5];
    for (unsigned round = 0; round < ROUNDS; round++) {
        if (round % 4 == 1)
            flood(serial_tx_queue, SERIAL_QUEUE_CAPACITY);
        else if (round % 4 == 3)
            flood(serial_tx_queue, 0x7fffffffu);
        else
            scribble(serial_tx_queue);
        scribble(serial_rx_queue);
        bst_notify(TX);
        bst_notify(RX);
        bst_yield();
    }
    bst_printf("evil: done corrupting its queues (%u rounds)\n", ROUNDS);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
