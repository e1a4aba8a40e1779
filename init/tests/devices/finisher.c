/*
 * finisher (priority 1): the driver notifies it when done; it runs once every other PD
 * is waiting or stopped, and ends the run.
 */
#include <libbastion/pd.h>

void init(void)
{
}

void notified(bst_channel_t ch)
{
    bst_printf("finisher: the driver is done (channel %u); ending the run\n", ch);
    bst_system_exit(0);
}
