/*
 * The normal build: a coloured domain's kernel objects (TCBs, CNodes, page tables, ...)
 * come from its colours, as its frames do (colour.c). colour_objects_off.c, linked only
 * into the test image init-nocolourobj.elf, turns that off for kernel objects alone so
 * that the boot check of their physical addresses (colour_check.c) can be seen to fail.
 */
#include "colour.h"

bool colour_objects_enforced(void)
{
    return true;
}
