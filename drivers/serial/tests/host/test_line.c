/*
 * Host tests of the transmit virtualiser's line assembly (bastion/serial/line.h): a line
 * ends at '\n' (kept) or at SERIAL_LINE_MAX bytes, may come in any number of pieces, and
 * takes nothing once complete. Built with ASan and UBSan (suite serial-host).
 */
#include <stdio.h>
#include <string.h>

#include <bastion/serial/line.h>

#define HOST_CHECK_SUITE "serial-host"
#include "host_check.h"

static uint32_t append(struct serial_line *line, const char *s)
{
    return serial_line_append(line, (const volatile uint8_t *)s, (uint32_t)strlen(s));
}

static void newline_ends_the_line_and_is_kept(void)
{
    struct serial_line line;
    serial_line_reset(&line);
    CHECK(append(&line, "ab\ncd") == 3, "took the bytes after the newline");
    CHECK(line.complete && line.length == 3 && memcmp(line.bytes, "ab\n", 3) == 0,
          "line 'ab\\n' (complete %d, length %u)", line.complete, line.length);
    CHECK(append(&line, "cd") == 0, "a complete line takes more");
    serial_line_reset(&line);
    CHECK(append(&line, "cd") == 2 && !line.complete && line.length == 2, "after reset");
    printf("PASS: serial-host/%s\n", __func__);
}

static void pieces_make_one_line(void)
{
    struct serial_line line;
    serial_line_reset(&line);
    const char *pieces[] = {"a 0001 ", "aaaa", "", "aaaa", " end\n"};
    for (unsigned i = 0; i < 5; i++) {
        CHECK(!line.complete, "complete before piece %u", i);
        CHECK(append(&line, pieces[i]) == strlen(pieces[i]), "piece %u not taken whole", i);
    }
    CHECK(line.complete && line.length == 20 &&
              memcmp(line.bytes, "a 0001 aaaaaaaa end\n", 20) == 0,
          "assembled %u bytes", line.length);
    printf("PASS: serial-host/%s\n", __func__);
}

static void long_lines_are_cut_at_the_maximum(void)
{
    static char text[3 * SERIAL_LINE_MAX];
    memset(text, 'x', sizeof(text) - 1);
    struct serial_line line;
    serial_line_reset(&line);
    uint32_t taken = serial_line_append(&line, (const volatile uint8_t *)text, sizeof(text) - 1);
    CHECK(taken == SERIAL_LINE_MAX && line.complete && line.length == SERIAL_LINE_MAX,
          "took %u, length %u", taken, line.length);
    /* A newline exactly at the limit ends the line there too. */
    serial_line_reset(&line);
    text[SERIAL_LINE_MAX - 1] = '\n';
    taken = serial_line_append(&line, (const volatile uint8_t *)text, sizeof(text) - 1);
    CHECK(taken == SERIAL_LINE_MAX && line.bytes[SERIAL_LINE_MAX - 1] == '\n', "took %u", taken);
    /* One byte at a time never overruns the array (ASan watches). */
    serial_line_reset(&line);
    unsigned calls = 0;
    while (!line.complete && calls < 10 * SERIAL_LINE_MAX)
        calls += serial_line_append(&line, (const volatile uint8_t *)"y", 1) == 1;
    CHECK(line.length == SERIAL_LINE_MAX && calls == SERIAL_LINE_MAX, "%u calls", calls);
    printf("PASS: serial-host/%s\n", __func__);
}

int main(void)
{
    newline_ends_the_line_and_is_kept();
    pieces_make_one_line();
    long_lines_are_cut_at_the_maximum();
    return host_check_failures != 0;
}
