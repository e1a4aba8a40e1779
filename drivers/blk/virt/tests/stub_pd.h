/*
 * What blk_virt under host test sees of libbastion: notifications (deferred ones too) are
 * counted per channel,
 * printing goes to a buffer the tests search (and to stdout when stub_verbose is set).
 * Included by the test after the component's source.
 */
#ifndef BLK_VIRT_TEST_STUB_PD_H
#define BLK_VIRT_TEST_STUB_PD_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libbastion/pd.h>

static unsigned stub_notified[64];
static char stub_output[16384];
static size_t stub_output_len;
static int stub_verbose;

void bst_notify(bst_channel_t ch)
{
    if (ch < 64)
        stub_notified[ch]++;
}

/* Sent with the PD's next wait, i.e. before any later entry point: counted at once. */
void bst_deferred_notify(bst_channel_t ch)
{
    bst_notify(ch);
}

int bst_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[512];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    if (stub_output_len + len < sizeof stub_output) {
        memcpy(stub_output + stub_output_len, line, len + 1);
        stub_output_len += len;
    }
    if (stub_verbose)
        fputs(line, stdout);
    return n;
}

static void stub_reset(void)
{
    memset(stub_notified, 0, sizeof stub_notified);
    stub_output[0] = '\0';
    stub_output_len = 0;
}

static int stub_printed(const char *text)
{
    return strstr(stub_output, text) != NULL;
}

#endif
