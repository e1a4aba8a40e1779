/*
 * The human-readable report of a checked system (`--report FILE`): one section per
 * protection domain with its address space and capabilities, then regions, channels,
 * interrupts and object totals.
 */
#ifndef BASTION_TOOL_REPORT_H
#define BASTION_TOOL_REPORT_H

#include "layout.h"

#include <stdio.h>

void report_write(FILE *out, const struct model *m, const struct layout *l);

#endif
