/*
 * What a network component under host test sees of libbastion: notifications are
 * recorded per channel, message registers are an array, printing goes to stdout (silenced
 * by stub_quiet). Included by each component test after the component's source.
 */
#ifndef NET_TEST_STUB_PD_H
#define NET_TEST_STUB_PD_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libbastion/pd.h>

static unsigned stub_notified[64];
static uint64_t stub_mrs[8];
static int stub_quiet;
static uint32_t stub_generation; /* the component's run: 0 first, then its restarts */

uint32_t bst_pd_generation(void)
{
    return stub_generation;
}

/* Fault injection (libbastion/fault_inject.h) is never armed under host test. */
uint64_t bst_fault_inject, bst_fault_inject_seed, bst_fault_inject_limit;

void bst_fault_point_hit(const char *name)
{
    fprintf(stderr, "fault point %s hit with injection off\n", name);
    abort();
}

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
