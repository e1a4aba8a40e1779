/*
 * Fault injection for the colouring test (init-nocolour.elf only): every object comes
 * from any RAM, as before colouring existed; the boot check (colour_check.c) must then
 * find frames outside their domain's colours and stop the boot.
 */
#include "colour.h"

bool colour_enforced(void)
{
    return false;
}
