/*
 * spinner (priority 200, budget 5 ms / period 20 ms): spins forever in init(). Without a
 * budget it would keep every lower priority off the CPU; with one, the kernel takes the
 * CPU away once 5 ms of each 20 ms period are used.
 */
#include <libbastion/pd.h>

#include "counters.h"

uintptr_t counters; /* patched by the tool: the shared page (setvar_vaddr) */

void init(void)
{
    struct counters *c = (struct counters *)counters;
    bst_printf("spinner: spinning forever at priority 200 on a 25%% budget\n");
    for (;;)
        c->spins = c->spins + 1;
}
