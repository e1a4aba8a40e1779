/*
 * badirq: acknowledges an IRQ on a channel that is not an IRQ, then (never reached)
 * sets a message register that does not exist.
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("badirq: acknowledging an IRQ on channel 0, which is no IRQ\n");
    bst_irq_ack(0);
    bst_mr_set(1000, 0);
    bst_printf("badirq: FAIL: still running\n");
}
