/*
 * The RAM a system needs: what the loader allocates from ordinary memory for it. Counted
 * are memory regions without phys_addr, each PD's stack and IPC buffer page, and the
 * pages of its program image once loaded; not counted are regions at fixed physical
 * addresses (device memory), kernel objects and page tables, which come on top.
 */
#ifndef BASTION_TOOL_SIZES_H
#define BASTION_TOOL_SIZES_H

#include "diag.h"
#include "model.h"

/* Without --ram, a system that needs more than this is warned about. */
#define SIZES_DEFAULT_RAM_WARNING (4ULL << 30)

struct ram_need {
    uint64_t regions; /* memory regions without phys_addr */
    uint64_t stacks;  /* stacks and IPC buffers */
    uint64_t images;  /* loaded program images, page by page (0 before they are loaded) */
    uint64_t total;   /* the sum, UINT64_MAX when it does not fit 64 bits */
};

struct ram_need sizes_ram_need(const struct model *m);

/*
 * Compares the RAM the description needs with `ram` (--ram; 0: not given): an error above
 * it; without it, a warning above SIZES_DEFAULT_RAM_WARNING. Reported at the biggest
 * memory region, or at the first PD when there is none.
 */
void check_ram(const struct model *m, uint64_t ram, struct diag_sink *d);

/* Parses a size such as 4096, 0x1000, 512M or 2G; false when it is not one. */
bool sizes_parse(const char *text, uint64_t *out);

#endif
