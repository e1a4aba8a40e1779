/*
 * worker: the child. It counts its runs in .data and .bss; after a re-initialisation
 * both start from the image again, so every run prints 1 and 1. Then it faults.
 */
#include <libbastion/pd.h>

static volatile unsigned runs_data = 0x100; /* .data: 0x100 in the image */
static volatile unsigned runs_bss;          /* .bss: 0 in the image */

/* Where nothing is mapped (below BASTION_USER_VADDR_MIN); set at run time so that the
 * compiler does not see a constant null-page address. */
static volatile uintptr_t nowhere = 0x10;

static void __attribute__((noinline)) write_through(volatile unsigned *p)
{
    *p = 1; /* faults */
}

void init(void)
{
    runs_data++;
    runs_bss++;
    bst_printf("worker: started: .data counter 0x%x, .bss counter %u\n", runs_data, runs_bss);
    write_through((volatile unsigned *)nowhere);
}
