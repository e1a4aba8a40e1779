/*
 * serial_test_client (PDs a and b of drivers/serial/tests/system.xml; run.sh checks what
 * they print). The program runs in init(), blocking in the client libraries:
 *
 * 1. "<n>: ready", then LINES lines "<n> <seq> <100 x n> end", each written 16 bytes at a
 *    time with a flush and a yield between pieces, so the transmit virtualiser holds
 *    partial lines of both clients at once (without it they would mix).
 * 2. One line of input, echoed as "<n> got: <line>" (run.sh types "to-a", Ctrl-A, "to-b").
 * 3. Sleeps of several lengths, a and b at the same time, each checked on the timer's
 *    clock (never early, late by less than SLEEP_SLACK_MS) and reported on the debug
 *    console. Then a checks the timer's clock against an independent one, the CMOS
 *    real-time clock (<ioport id="5">, ports 0x70-0x71): from the start of an RTC second,
 *    a sleep of 2.5 s must end within the second RTC second after it, i.e. the timer's
 *    rate is right to within about 20%.
 * 4. b tells a it is done (channel 3); a reads the virtualiser's statistics and ends the
 *    run.
 */
#include <bastion/driver/cmos_rtc.h>
#include <bastion/driver/wait.h>
#include <bastion/serial/client.h>
#include <bastion/serial/protocol.h>
#include <bastion/timer/client.h>
#include <libbastion/string.h>
#include <libbastion/syscall.h>

#define TX    0
#define RX    1
#define TIMER 2
#define PEER  3

#define LINES          40
#define PAYLOAD        100
#define PIECE          16
#define SLEEP_SLACK_MS 250 /* TCG on a loaded, shared host: generous */
#define RTC            5   /* <ioport id="5"> (a only): CMOS index 0x70, data 0x71 */

static const char *name;
static bool is_a;

static void print_line_in_pieces(unsigned seq)
{
    char line[PAYLOAD + 32];
    int n = bst_snprintf(line, sizeof(line), "%s %04u ", name, seq);
    for (unsigned i = 0; i < PAYLOAD; i++)
        line[n++] = name[0];
    bst_strlcpy(line + n, " end\n", sizeof(line) - (size_t)n);
    size_t length = bst_strlen(line);
    for (size_t at = 0; at < length; at += PIECE) {
        serial_write(line + at, length - at < PIECE ? length - at : PIECE);
        serial_flush();
        bst_yield();
    }
}

static void read_line(char *line, size_t size)
{
    size_t n = 0;
    for (;;) {
        int c = serial_getchar();
        if (c == '\n')
            break;
        if (n + 1 < size)
            line[n++] = (char)c;
    }
    line[n] = '\0';
}

/* Sleep `ms` and check it on the timer's clock. */
static void checked_sleep(unsigned ms)
{
    uint64_t before = timer_now();
    timer_sleep_ms(ms);
    uint64_t took_us = (timer_now() - before) / 1000;
    bool ok = took_us >= ms * 1000ull && took_us < (ms + SLEEP_SLACK_MS) * 1000ull;
    bst_printf("%s: %s: sleep %u ms took %lu us\n", name, ok ? "ok" : "FAIL", ms,
               (unsigned long)took_us);
}

static void rtc_check(void)
{
    unsigned start = cmos_rtc_next_second(RTC); /* from the start of a second */
    timer_sleep_ms(2500);
    unsigned spanned = cmos_rtc_elapsed(start, cmos_rtc_seconds(RTC));
    bst_printf("a: %s: a 2500 ms sleep from the start of an RTC second ends %u RTC seconds "
               "later (2 when the timer's rate is within about 20%%)\n",
               spanned == 2 ? "ok" : "FAIL", spanned);
}

static void sleep_tests(void)
{
    static const unsigned a_ms[] = {5, 20, 100, 60};
    static const unsigned b_ms[] = {7, 33, 150, 2};
    for (unsigned i = 0; i < 4; i++)
        checked_sleep(is_a ? a_ms[i] : b_ms[i]);
    if (is_a)
        rtc_check();
}

static void report_tx_stats(void)
{
    bst_msginfo_t reply = bst_ppcall(TX, bst_msginfo_new(SERIAL_TX_STATS, 0));
    bst_printf("a: tx virtualiser: %lu lines forwarded, %lu while another client's line was "
               "incomplete (%u in the reply)\n",
               (unsigned long)bst_mr_get(0), (unsigned long)bst_mr_get(1),
               bst_msginfo_length(reply));
}

void init(void)
{
    name = bst_pd_name();
    is_a = bst_strcmp(name, "a") == 0;
    serial_init(TX, RX);
    timer_init(TIMER);

    serial_printf("%s: ready\n", name);
    for (unsigned seq = 0; seq < LINES; seq++)
        print_line_in_pieces(seq);

    char line[64];
    read_line(line, sizeof(line));
    serial_printf("%s got: %s\n", name, line);

    sleep_tests();
    serial_printf("%s: done\n", name);
    if (!is_a) {
        bst_notify(PEER);
        return;
    }
    driver_wait(1ULL << PEER);
    report_tx_stats();
    timer_sleep_ms(200); /* let the line drain */
    bst_printf("serial test: done\n");
    bst_system_exit(0);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
