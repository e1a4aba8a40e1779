/*
 * Validation of a parsed description against the RELAX NG schema tool/schema/system.rng,
 * which is compiled into the tool (schema_text.c is generated from it by the build).
 */
#ifndef BASTION_TOOL_SCHEMA_H
#define BASTION_TOOL_SCHEMA_H

#include "diag.h"

#include <libxml/tree.h>
#include <stdbool.h>

/* The schema text (generated). */
extern const char bastion_schema_rng[];

/* Validates doc; reports each violation at its element. True when valid. */
bool schema_validate(xmlDoc *doc, struct diag_sink *d);

#endif
