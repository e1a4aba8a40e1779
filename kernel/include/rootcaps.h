/*
 * The root task's initial capabilities, made at boot from the memory map: untyped caps
 * to all free RAM, device untyped caps to all physical address space that is neither
 * RAM nor used by the kernel itself, the control caps and the boot-info page
 * (object/boot.h does the building; this file decides the ranges).
 */
#ifndef BASTION_ROOTCAPS_H
#define BASTION_ROOTCAPS_H

#include "boot.h"
#include "object/boot.h"

struct root_caps {
    struct boot_result result;
    size_t n_ram, n_dev;
    struct boot_range ram[BOOT_MAX_RANGES];
    struct boot_range dev[BOOT_MAX_RANGES];
};

/* Build the root CSpace from `bi`; prints a summary. Returns NULL (having printed why)
 * when the object layer refuses. Call once. */
const struct root_caps *root_caps_create(const struct boot_info *bi);

/* What root_caps_create() made, or NULL before it ran. */
const struct root_caps *root_caps(void);

#endif
