/*
 * Build configuration of init-nocolourobj.elf (fault injection): a coloured domain's
 * frames still come from its colours, but its kernel objects come from any RAM, so the
 * boot check of the objects' physical addresses (colour_check.c) must fail while the
 * check of its frames passes.
 */
#include "colour.h"

bool colour_objects_enforced(void)
{
    return false;
}
