/*
 * kid (child 0 of boss, priority 50): reports its .data and .bss run counters to its
 * parent at every start, and every notification; then lets the parent take its next
 * step (a deferred notification, sent as the kid goes back to waiting).
 */
#include <libbastion/pd.h>

#include "tests.h"

static unsigned runs_data = 5; /* .data */
static unsigned runs_bss;      /* .bss */

void init(void)
{
    runs_data++;
    runs_bss++;
    bst_printf("kid: run: .data %u, .bss %u\n", runs_data, runs_bss);
    bst_mr_set(0, runs_data);
    bst_mr_set(1, runs_bss);
    bst_ppcall(0, bst_msginfo_new(LABEL_STARTED, 2));
    bst_deferred_notify(0);
}

void notified(bst_channel_t ch)
{
    bst_printf("kid: notified on channel %u\n", ch);
    bst_ppcall(0, bst_msginfo_new(LABEL_NOTIFIED, 0));
    bst_deferred_notify(0);
}
