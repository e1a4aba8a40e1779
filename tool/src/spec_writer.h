/*
 * Serialising a layout into the packed spec format of include/bastion/spec.h.
 */
#ifndef BASTION_TOOL_SPEC_WRITER_H
#define BASTION_TOOL_SPEC_WRITER_H

#include "layout.h"

#include <stdio.h>

/* Packs the layout into a fresh buffer (caller frees); its size goes to *size. */
uint8_t *spec_pack(const struct layout *l, size_t *size);

/* Packs and writes the spec to `f`; false (errno set) on I/O failure. */
bool spec_write(const struct layout *l, FILE *f);

#endif
