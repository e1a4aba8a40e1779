/*
 * pong: answers each notification from ping with a (deferred) notification, and each
 * protected procedure call with twice the number it was given.
 */
#include <libbastion/pd.h>

#define PING 0 /* channel to ping */

enum { LABEL_DOUBLE = 1, LABEL_OK = 0 };

static unsigned notifications, calls;

void init(void)
{
    bst_printf("pong: ready\n");
}

void notified(bst_channel_t ch)
{
    notifications++;
    bst_printf("pong: round %u: notification from ping on channel %u\n", notifications, ch);
    /* Sent by the event loop after this returns, just before it waits again. */
    bst_deferred_notify(PING);
}

bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    calls++;
    if (bst_msginfo_label(msginfo) != LABEL_DOUBLE || bst_msginfo_length(msginfo) < 1) {
        bst_printf("pong: bad call on channel %u\n", ch);
        return bst_msginfo_new(1, 0);
    }
    bst_mr_set(0, 2 * bst_mr_get(0));
    return bst_msginfo_new(LABEL_OK, 1);
}
