/*
 * Whether each coloured domain's objects fit its colours, as init will pack them
 * (colour_fit.c; docs/kernel.md, "Cache colouring"). A coloured domain's colours must
 * hold everything init makes from them: the frames of its PDs (program images, stacks,
 * IPC buffers, the regions only its PDs map), their kernel objects and page tables, the
 * endpoint init adds for a parent, and the domain's copy of the kernel image.
 */
#ifndef BASTION_TOOL_COLOUR_FIT_H
#define BASTION_TOOL_COLOUR_FIT_H

#include <stdint.h>

struct diag_sink;
struct model;

/*
 * Replays init's allocation from the domains' colour pools over the laid-out objects
 * and reports, at the domain's colours attribute, every coloured domain whose objects
 * need more of its colours than the coloured memory has. kimage_pages: the pages of the
 * kernel's code and read-only data (--kernel), which each coloured domain's copy of the
 * kernel image holds; 0 when the kernel is not known, which is warned about.
 */
void colours_check_fit(const struct model *m, uint64_t kimage_pages, struct diag_sink *d);

#endif
