/*
 * Fault injection (libbastion/fault_inject.h): a countdown over the PD's named fault
 * points, drawn again at every start of the PD from its seed, index and generation.
 */
#include <libbastion/fault_inject.h>
#include <libbastion/pd.h>
#include <libbastion/pd_abi.h>

#include "pd_internal.h"

uint64_t bst_fault_inject, bst_fault_inject_seed; /* setvar; 0: off */
uint64_t bst_fault_inject_limit;                  /* setvar; 0: no limit */

/* Below the lowest user address: nothing is ever mapped there. Volatile, so that the
 * compiler sees no constant null-page store to fold or warn about. */
static volatile uintptr_t unmapped = 0x8;

static uint64_t countdown; /* 0: not drawn yet in this run (bss: every re-initialisation) */

/* splitmix64: a well-mixed 64-bit value from any seed. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void bst_fault_point_hit(const char *name)
{
    if (countdown == 0) {
        const struct bst_pd_startinfo *si = pd_start_info();
        uint64_t r = mix(bst_fault_inject_seed ^ mix(si->pd_index) ^ mix(si->generation + 1));
        countdown = 1 + r % (2 * bst_fault_inject);
    }
    if (bst_fault_inject_limit != 0 && bst_pd_generation() >= bst_fault_inject_limit)
        return; /* enough faults: the rest of the run shows the PD whole */
    if (--countdown != 0)
        return;
    bst_printf("fault-inject: PD '%s' (generation %u) faults at point '%s'\n", bst_pd_name(),
               bst_pd_generation(), name);
    *(volatile uint64_t *)unmapped = 0;
}
