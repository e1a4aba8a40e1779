/*
 * The page spinner and worker share (budget/system.xml's region "counters").
 */
#ifndef BUDGET_COUNTERS_H
#define BUDGET_COUNTERS_H

#include <stdint.h>

struct counters {
    volatile uint64_t spins; /* spinner's loop count */
};

#endif
