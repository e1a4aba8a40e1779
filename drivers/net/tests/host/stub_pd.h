/*
 * What a network component under host test sees of libbastion: notifications are
 * recorded per channel, message registers are an array, printing goes to stdout (silenced
 * by stub_quiet). Included by each component test after the component's source.
 */
#ifndef NET_TEST_STUB_PD_H
#define NET_TEST_STUB_PD_H

#include <stdarg.h>
#include <stdio.h>

#include <libbastion/pd.h>

static unsigned stub_notified[64];
static uint64_t stub_mrs[8];
static int stub_quiet;

void bst_notify(bst_channel_t ch)
{
    if (ch < 64)
        stub_notified[ch]++;
}

uint64_t bst_mr_get(unsigned i)
{
    return i < 8 ? stub_mrs[i] : 0;
}

void bst_mr_set(unsigned i, uint64_t value)
{
    if (i < 8)
        stub_mrs[i] = value;
}

int bst_printf(const char *fmt, ...)
{
    if (stub_quiet)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

#endif
