/*
 * The machine-readable description of a checked system (`--json FILE`): every PD with its
 * mappings, interrupts, ports, devices and capabilities, every region, channel and domain,
 * and object totals. Addresses and sizes are hexadecimal strings so that 64-bit values
 * survive every JSON reader. The format is documented in docs/bastion-tool.md.
 */
#ifndef BASTION_TOOL_JSON_H
#define BASTION_TOOL_JSON_H

#include "layout.h"

#include <stdio.h>

void json_write_system(FILE *out, const struct model *m, const struct layout *l);

#endif
