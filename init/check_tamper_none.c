/*
 * The normal build: init builds exactly what the spec says (check.c's counterpart,
 * check_tamper.c, is linked only into the test image init-tamper.elf).
 */
#include "init.h"

void check_tamper(void)
{
}
