/*
 * The normal build: a coloured domain's objects come from its colours (colour.c).
 * colour_enforce_none.c, linked only into the test image init-nocolour.elf, turns that
 * off so that the boot check (colour_check.c) can be seen to fail.
 */
#include "colour.h"

bool colour_enforced(void)
{
    return true;
}
