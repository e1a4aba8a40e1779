/*
 * console_client (PDs alpha and beta of examples/serial): prints a few numbered lines on
 * the shared serial line, some time apart, then reads one line of input and echoes it.
 * alpha then tells beta it is done (channel 3); beta, once both are done, ends the run.
 * The program runs in init(): the serial and timer libraries block on its notification.
 */
#include <bastion/driver/wait.h>
#include <bastion/serial/client.h>
#include <bastion/timer/client.h>
#include <libbastion/string.h>

#define TX    0
#define RX    1
#define TIMER 2
#define PEER  3
#define LINES 4

/* Read one line (without its end) into `line`; longer input is cut. */
static void read_line(char *line, size_t size)
{
    size_t n = 0;
    for (;;) {
        int c = serial_getchar();
        if (c == '\n' || c == '\r')
            break;
        if (n + 1 < size)
            line[n++] = (char)c;
    }
    line[n] = '\0';
}

void init(void)
{
    const char *name = bst_pd_name();
    bool alpha = bst_strcmp(name, "alpha") == 0;
    serial_init(TX, RX);
    timer_init(TIMER);

    uint64_t start = timer_now();
    for (unsigned i = 1; i <= LINES; i++) {
        timer_sleep_ms(alpha ? 30 : 45);
        serial_printf("%s: line %u of %u, %lu ms after start\n", name, i, LINES,
                      (unsigned long)((timer_now() - start) / TIMER_NS_PER_MS));
    }
    serial_printf("%s: type a line (Ctrl-A switches input to the other client)\n", name);
    char line[80];
    read_line(line, sizeof(line));
    serial_printf("%s: you typed '%s'\n", name, line);

    if (alpha) {
        bst_notify(PEER);
        return;
    }
    driver_wait(1ULL << PEER);
    serial_printf("beta: both clients are done\n");
    timer_sleep_ms(100); /* let the line drain */
    bst_printf("serial example: done\n");
    bst_system_exit(0);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
