/*
 * counter: a server that hands out increasing ticket numbers by protected procedure
 * call. The channel a call arrives on tells it who is calling.
 */
#include <libbastion/pd.h>

static uint64_t next_ticket = 1;
static unsigned per_client[3];

void init(void)
{
    bst_printf("counter: serving tickets\n");
}

bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    (void)msginfo;
    if (ch < 3)
        per_client[ch]++;
    bst_mr_set(0, next_ticket++);
    bst_mr_set(1, ch < 3 ? per_client[ch] : 0);
    return bst_msginfo_new(0, 2);
}
