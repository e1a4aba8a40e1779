/*
 * hello: the smallest Bastion component. init() runs once when init starts the PD; this
 * one prints and ends the QEMU run (a real component would return and wait for events).
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("hello: Hello from protection domain '%s'!\n", bst_pd_name());
    bst_system_exit(0);
}
