/*
 * driver (priority 100): calls the server with ten message registers (four in CPU
 * registers, six in the IPC buffer), then notifies it and expects two notifications
 * back, one per channel.
 */
#include <libbastion/pd.h>

#include "tests.h"

#define MRS 10

static unsigned seen;

void init(void)
{
    for (unsigned i = 0; i < MRS; i++)
        bst_mr_set(i, 100 + i);
    bst_msginfo_t reply = bst_ppcall(0, bst_msginfo_new(LABEL_ECHO, MRS));
    bool ok = bst_msginfo_label(reply) == LABEL_ECHO_OK && bst_msginfo_length(reply) == MRS;
    for (unsigned i = 0; i < MRS; i++)
        ok = ok && bst_mr_get(i) == 101 + i;
    bst_printf("driver: %s: ppcall with %u message registers and a label\n", ok ? "ok" : "FAIL",
               MRS);
    bst_notify(0);
}

void notified(bst_channel_t ch)
{
    seen |= 1u << ch;
    bst_printf("driver: notified on channel %u\n", ch);
    if (seen == 3)
        bst_printf("driver: ok: notify, and deferred notify on two channels\n");
}
