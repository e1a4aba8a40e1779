/*
 * ping: starts the rally with a notification; on each notification back from pong it
 * makes a protected procedure call (MR0 = the round) and checks the answer.
 */
#include <libbastion/pd.h>

#define PONG   0 /* channel to pong */
#define ROUNDS 5

enum { LABEL_DOUBLE = 1 };

static unsigned round;

void init(void)
{
    bst_printf("ping: starting %u rounds\n", ROUNDS);
    bst_notify(PONG);
}

void notified(bst_channel_t ch)
{
    round++;
    bst_printf("ping: round %u: notification from pong on channel %u\n", round, ch);
    bst_mr_set(0, round);
    bst_msginfo_t reply = bst_ppcall(PONG, bst_msginfo_new(LABEL_DOUBLE, 1));
    bst_printf("ping: round %u: ppcall answered %lu (label %lu)\n", round,
               (unsigned long)bst_mr_get(0), (unsigned long)bst_msginfo_label(reply));
    if (round == ROUNDS) {
        bst_printf("pingpong: %u rounds of notifications and calls done\n", ROUNDS);
        bst_system_exit(0);
    }
    bst_notify(PONG);
}
