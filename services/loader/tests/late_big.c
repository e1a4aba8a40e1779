/*
 * late_big: an image larger than the PD's max_size (0x40000): 512 KiB of initialised
 * data. Its digest is listed in the description, so init refuses it for its size alone.
 */
#include <libbastion/pd.h>
#include <libbastion/printf.h>

unsigned char late_big_data[0x80000] = {1};

void init(void)
{
    bst_printf("FAIL: late_big: an oversize image was loaded (%u)\n", late_big_data[0]);
}
