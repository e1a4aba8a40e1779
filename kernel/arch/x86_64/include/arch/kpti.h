/*
 * Page-table isolation: the Meltdown mitigation (docs/kernel.md, "Meltdown").
 *
 * On a CPU that can read kernel memory speculatively from user mode, user code must run
 * on page tables that do not map it. Every VSpace is therefore a pair of top-level
 * tables, 8 KiB aligned: the kernel view (the PML4 at the object's start: the user half
 * and the whole kernel) and, KPTI_USER_VIEW bytes after it, the user view (the same
 * user half, and of the kernel only the .kpti.text and .kpti.data pages: the entry and
 * exit paths, the per-CPU block, the GDT, IDT and TSS, and the stacks the CPU pushes on
 * when user code is interrupted). The kernel's own root is such a pair too.
 *
 * With isolation on, every entry from user mode switches CR3 to the kernel view first
 * (clear KPTI_USER_VIEW) and every exit to user mode switches to the user view last
 * (set it): syscall_entry_kpti and arch_return_to_user (syscall.S), trap_common
 * (entry.S). Global pages and PCIDs are off then, so each switch empties the TLB of the
 * other view's translations. The assembly IPC fastpath has an isolation version
 * (fastpath.S), which switches to the incoming space's user view as its last step.
 *
 * With isolation off (the default on CPUs that are not affected) none of this runs:
 * LSTAR is syscall_entry, the user views are kept up to date but never loaded, and the
 * entry and exit paths pay one test of arch_kpti each.
 *
 * `kpti=on|off|auto` on the kernel command line (auto, the default: on exactly when the
 * CPU is affected).
 */
#ifndef ARCH_KPTI_H
#define ARCH_KPTI_H

#define KPTI_USER_VIEW 0x1000 /* the user view's offset in a root pair; a CR3 bit */

#ifndef __ASSEMBLY__
#include <ktypes.h>

/* Code and data the user view maps (kernel.ld gathers them). */
#define KPTI_SHARED __attribute__((section(".kpti.data")))

/* Whether isolation is on (read by the entry assembly; never changes after boot). */
extern uint8_t arch_kpti;

/* Decide from the command line (`kpti=`) and the CPU; before paging_init(). Returns
 * false when the option's value is not understood (auto is used then). */
bool kpti_choose(const char *cmdline);

/* The words the boot log and the benchmarks use: "on" or "off". */
static inline const char *kpti_state(void)
{
    return arch_kpti ? "on" : "off";
}

/*
 * The user view's check for the tests: NULL when the user view of `root` maps, in the
 * kernel half, exactly the .kpti.text and .kpti.data pages at their kernel addresses
 * (text read-only and executable, data not executable, none user-accessible), and its
 * user half equals the kernel view's; otherwise what is wrong.
 */
const char *kpti_check_user_view(paddr_t root);

/* How many entries from user mode found the kernel view loaded (isolation on only). */
uint64_t kpti_misses(void);
#endif

#endif
