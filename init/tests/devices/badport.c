/*
 * badport: has port 0x80 as <ioport id="0">; reads it, then reads 0x81, outside.
 */
#include <libbastion/pd.h>

void init(void)
{
    unsigned v = bst_ioport_in8(0, 0x80);
    bst_printf("badport: ok: read port 0x80 (0x%x); now reading 0x81\n", v);
    bst_ioport_in8(0, 0x81);
    bst_printf("badport: FAIL: still running\n");
}
