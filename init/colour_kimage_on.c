/*
 * Build configuration of init.elf: every coloured domain gets its copy of the kernel
 * image (colour_kimage.c). init-nokimage.elf links colour_kimage_off.c instead.
 */
#include "colour.h"

bool colour_kimage_wanted(void)
{
    return true;
}
