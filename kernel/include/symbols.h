/*
 * The kernel's own symbol table, built into the image (see kernel/kernel.mk), so that
 * fault reports name the function an instruction belongs to.
 */
#ifndef BASTION_SYMBOLS_H
#define BASTION_SYMBOLS_H

#include "ktypes.h"

struct symbol_match {
    const char *name; /* NULL when the address is outside every known function */
    uint64_t offset;  /* address - symbol start */
};

struct symbol_match symbol_lookup(uint64_t addr);

#endif
