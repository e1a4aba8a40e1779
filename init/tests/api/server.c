/*
 * server (priority 200): echoes calls with every message register plus one, and answers
 * a notification with two deferred notifications on two channels.
 */
#include <libbastion/pd.h>

#include "tests.h"

void init(void)
{
    bst_printf("server: up\n");
}

void notified(bst_channel_t ch)
{
    bst_printf("server: notified on channel %u\n", ch);
    bst_deferred_notify(0);
    bst_deferred_notify(1); /* sends the first at once, defers this one */
}

bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    unsigned n = bst_msginfo_length(msginfo);
    if (ch != 0 || bst_msginfo_label(msginfo) != LABEL_ECHO)
        return bst_msginfo_new(0, 0);
    for (unsigned i = 0; i < n; i++)
        bst_mr_set(i, bst_mr_get(i) + 1);
    return bst_msginfo_new(LABEL_ECHO_OK, n);
}
