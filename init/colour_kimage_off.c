/*
 * Build configuration of init-nokimage.elf (fault injection): no domain gets a copy of
 * the kernel image, so every domain runs the shared one and the boot check
 * (colour_check_kimages()) must fail.
 */
#include "colour.h"

bool colour_kimage_wanted(void)
{
    return false;
}
