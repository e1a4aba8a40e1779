/*
 * noport: writes through an I/O port id it does not have.
 */
#include <libbastion/pd.h>

void init(void)
{
    bst_printf("noport: writing through I/O port id 3, which it does not have\n");
    bst_ioport_out8(3, 0x80, 0);
    bst_printf("noport: FAIL: still running\n");
}
