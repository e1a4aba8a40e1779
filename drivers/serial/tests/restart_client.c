/*
 * The restart test's client (drivers/serial/tests/restart/run.sh): while the supervisor
 * restarts the UART and timer drivers at random points (fault injection), it prints
 * `lines` numbered lines whose bytes the checker can recompute, and waits for a timeout
 * of 0 to 2 ms before each. A timeout whose notification has not come 1 s (TSC) after
 * its deadline is counted lost; a notification before the deadline cannot end a wait
 * (timer_poll_timeout()). At the end it prints its counts; client a then waits for b,
 * lets the UART drain and ends the run.
 *
 *   channel 0  serial_tx_virt     channel 2  the timer (pp)
 *   channel 1  serial_rx_virt     channel 3  the other client
 */
#include <bastion/driver/wait.h>
#include <bastion/serial/client.h>
#include <bastion/timer/client.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>
#include <libbastion/syscall.h>

#define TX_CH    0
#define RX_CH    1
#define TIMER_CH 2
#define PEER_CH  3
#define PAYLOAD  48
#define LOST_MS  1500

uint64_t lines = 300; /* setvar */

static uint64_t tsc_ms(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32 | lo) / bst_counter_khz();
}

/* Wait for the pending timeout; false if it was lost (no notification LOST_MS after a
 * deadline of at most 2 ms, or 500 ms at the end). */
static bool wait_timeout(void)
{
    uint64_t start = tsc_ms();
    while (!timer_poll_timeout()) {
        if (tsc_ms() - start > LOST_MS)
            return false;
        bst_yield();
    }
    return true;
}

void init(void)
{
    const char *me = bst_pd_name();
    serial_init(TX_CH, RX_CH);
    timer_init(TIMER_CH);
    uint64_t seed = (uint64_t)me[0] * 0x9e3779b97f4a7c15ULL, lost = 0;
    for (uint64_t n = 0; n < lines; n++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t delay = (seed >> 33) % (2 * TIMER_NS_PER_MS);
        timer_set_timeout(delay);
        if (!wait_timeout()) {
            lost++;
            bst_printf("%s: LOST timeout %lu (%lu ns)\n", me, (unsigned long)n,
                       (unsigned long)delay);
            timer_cancel();
        }
        char payload[PAYLOAD + 1];
        for (unsigned k = 0; k < PAYLOAD; k++)
            payload[k] = (char)('a' + (n * 7 + k * 3 + (unsigned)me[0]) % 26);
        payload[PAYLOAD] = 0;
        serial_printf("%s %04lu %s\n", me, (unsigned long)n, payload);
    }
    serial_flush();
    bst_printf("%s: %lu lines printed, %lu timeouts, %lu lost\n", me, (unsigned long)lines,
               (unsigned long)lines, (unsigned long)lost);
    if (me[0] == 'b') {
        bst_notify(PEER_CH);
        return;
    }
    driver_wait(1ULL << PEER_CH);
    timer_set_timeout(500 * TIMER_NS_PER_MS); /* the UART sends what is queued */
    (void)wait_timeout();
    bst_printf("restart test: done\n");
    bst_system_exit(0);
}

/* After init() (b is done): a re-armed timeout may still notify. Nothing to do. */
void notified(bst_channel_t ch)
{
    (void)ch;
}
