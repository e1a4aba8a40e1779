/*
 * Build configuration of init-nocolourobj.elf (fault injection): a coloured domain's
 * frames still come from its colours, but its kernel objects come from the next coloured
 * domain's colours (colour.c), so that every one of them lies outside its own and the
 * boot check of the objects' physical addresses (colour_check.c) must fail for each,
 * while the check of its frames passes.
 */
#include "colour.h"

bool colour_objects_enforced(void)
{
    return false;
}
