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

/* The PD's generation (init's count of its restarts): 0 for a first run. */
static uint32_t stub_generation;

uint32_t bst_pd_generation(void)
{
    return stub_generation;
}

/* Fault injection: armed (stub_fault_countdown > 0), the point that brings it to 0 "faults":
 * it jumps back to the test's stub_crash buffer, abandoning blk_virt where it stood, as a
 * crash would. */
#include <setjmp.h>
uint64_t bst_fault_inject, bst_fault_inject_seed;
static uint64_t stub_fault_countdown, stub_faults;
static jmp_buf stub_crash;

void bst_fault_point_hit(const char *name)
{
    (void)name;
    if (stub_fault_countdown > 0 && --stub_fault_countdown == 0) {
        stub_faults++;
        longjmp(stub_crash, 1);
    }
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
