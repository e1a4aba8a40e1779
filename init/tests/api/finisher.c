/*
 * finisher (priority 1, the lowest): runs only once every other PD is waiting, so the
 * system is idle: it ends the run.
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("finisher: the system is idle; ending the run\n");
    bst_system_exit(0);
}
