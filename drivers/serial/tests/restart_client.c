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
#include <libbastion/printf.h>
#include <libbastion/string.h>
#include <libbastion/syscall.h>

#define TX_CH    0
#define RX_CH    1
#define TIMER_CH 2
#define PEER_CH  3
#define PAYLOAD  48
#define LOST_MS  1500

uint64_t lines = 300; /* setvar */
/* setvar: nonzero cuts each line into two or three pieces handed over apart (flushed),
 * so that the transmit virtualiser's lines span buffers (the virtualiser restart test). */
uint64_t split_lines;
/* setvar: lines of input meant for this client (the virtualiser restart test): it reads
 * input all along, and at the end until none came for INPUT_QUIET_MS, and checks it. */
uint64_t input_lines;

#define INPUT_QUIET_MS 1500
/* An input line (virt_restart/run.sh writes them): "NAME NNNN " and INPUT_FILL bytes, the
 * name's letter at even places and at odd ones the digits of input_check(NNNN), lowest
 * first. The digits make a line's tail a function of its number: input that lost the
 * bytes from inside one line to inside a later one (a restart) cannot read as a whole
 * line, whatever number the two pieces spell. */
#define INPUT_FILL     20

static struct {
    char line[64];
    unsigned length;
    uint64_t whole, damaged, next, failures;
} input;

/* Line n's check digits: n times an odd constant that 5 does not divide, modulo 10^10 (one
 * to one, so two numbers below 10^10 never share all ten). */
static uint64_t input_check(uint64_t n)
{
    return n * 2654435761u % 10000000000u;
}

/* A line of input ended: it must be the client's next line whole, or damaged (bytes of
 * it lost at a virtualiser restart) but then hold none but its own name's letter, digits
 * and spaces: a letter of another client's line, or a whole line again or out of order,
 * is a failure. */
static void input_line_done(char me)
{
    char fill[INPUT_FILL + 1], want[64];
    input.line[input.length] = 0;
    unsigned n = 0;
    for (unsigned k = 2; k < 6 && k < input.length; k++)
        n = n * 10 + (unsigned)(input.line[k] - '0');
    uint64_t check = input_check(n);
    for (unsigned k = 0; k < INPUT_FILL; k++) {
        fill[k] = (k % 2 == 0) ? me : (char)('0' + check % 10);
        check = (k % 2 == 0) ? check : check / 10;
    }
    fill[INPUT_FILL] = 0;
    bst_snprintf(want, sizeof(want), "%c %04u %s", me, n, fill);
    const char *problem = NULL;
    if (input.length < sizeof(input.line) - 1 && bst_strcmp(input.line, want) == 0) {
        if (n < input.next)
            problem = "repeated or out of order";
        input.whole++;
        input.next = n + 1;
    } else {
        for (unsigned k = 0; k < input.length; k++) {
            char c = input.line[k];
            if (c != me && c != ' ' && (c < '0' || c > '9'))
                problem = "another client's byte";
        }
        input.damaged++;
    }
    if (problem && input.failures++ < 5)
        bst_printf("%c: FAIL: input line '%s': %s\n", me, input.line, problem);
    input.length = 0;
}

/* Take the input there is; true if there was some. */
static bool poll_input(char me)
{
    bool any = false;
    for (int c; (c = serial_try_getchar()) >= 0; any = true) {
        if (c == '\n')
            input_line_done(me);
        else if (input.length < sizeof(input.line) - 1)
            input.line[input.length++] = (char)c;
    }
    return any;
}

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
        if (split_lines) {
            char text[PAYLOAD + 16];
            int length =
                bst_snprintf(text, sizeof(text), "%s %04lu %s\n", me, (unsigned long)n, payload);
            size_t cut1 = 1 + (seed >> 40) % 30, cut2 = cut1 + (seed >> 50) % 20;
            serial_write(text, cut1);
            serial_flush();
            serial_write(text + cut1, cut2 - cut1);
            serial_flush();
            serial_write(text + cut2, (size_t)length - cut2);
        } else {
            serial_printf("%s %04lu %s\n", me, (unsigned long)n, payload);
        }
        if (input_lines)
            (void)poll_input(me[0]);
    }
    serial_flush();
    if (input_lines) {
        for (uint64_t quiet = tsc_ms(); tsc_ms() - quiet < INPUT_QUIET_MS; bst_yield())
            if (poll_input(me[0]))
                quiet = tsc_ms();
        bst_printf("%s: input: %lu of %lu lines whole, %lu damaged, %lu failures\n", me,
                   (unsigned long)input.whole, (unsigned long)input_lines,
                   (unsigned long)input.damaged, (unsigned long)input.failures);
    }
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
