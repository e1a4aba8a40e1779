/*
 * Semantic checks of a parsed system: everything the schema cannot express. Each group
 * lives in its own file; every check reports located errors (and warnings for legal but
 * suspicious choices) and never stops at the first one. check_names must run first: it
 * resolves the names that the other groups follow.
 */
#ifndef BASTION_TOOL_CHECK_H
#define BASTION_TOOL_CHECK_H

#include "diag.h"
#include "model.h"

/* Unique names, resolution of references, ids per PD (check_names.c). */
void check_names(struct model *m, struct diag_sink *d);

/* Regions, physical addresses, mappings, permissions, setvar symbols (check_memory.c). */
void check_memory(struct model *m, struct diag_sink *d);

/* Priorities, budgets, protected procedure calls, passive PDs, domains (check_sched.c). */
void check_sched(struct model *m, struct diag_sink *d);

/* IRQs, I/O ports and PCI devices (check_hw.c). */
void check_hw(struct model *m, struct diag_sink *d);
/* Each PD's cpu against the machine's CPUs (--cpus; 0: not given, nothing to check):
 * a located error for a CPU the machine does not have (check_hw.c); returns true when
 * there was none. */
bool check_cpus(struct model *m, uint32_t cpus, struct diag_sink *d);

/* Virtual machines (check_vm.c): check_vm_resolve follows the guest maps' region names
 * (before check_memory, which counts a region mapped only into a guest as used). */
void check_vm_resolve(struct model *m, struct diag_sink *d);
void check_vm(struct model *m, struct diag_sink *d);
bool check_vm_maps_region(const struct model *m, uint32_t region);

/*
 * Runs every group in order, then the RAM check against `ram` (--ram; 0: not given, see
 * sizes.h); returns true when no error was reported.
 */
bool check_all(struct model *m, uint64_t ram, struct diag_sink *d);

/* Line of an element, for "see line N" hints. */
int check_line(const xmlNode *node);

/* Name of a PD for messages ("?" when unnamed). */
const char *check_pd_name(const struct model *m, uint32_t pd);

#endif
