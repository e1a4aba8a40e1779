/*
 * badnotify: notifies a channel it does not have. The runtime's debug check reports it
 * and faults the PD; with no parent, init reports the fault with a backtrace.
 */
#include <libbastion/pd.h>

static void __attribute__((noinline)) tell_a_stranger(void)
{
    bst_notify(5);
}

void init(void)
{
    bst_printf("badnotify: notifying channel 5, which I do not have\n");
    tell_a_stranger();
    bst_printf("badnotify: FAIL: still running\n");
}
