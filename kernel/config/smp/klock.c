/*
 * The SMP build's kernel lock (klock.h): its one instance, at the start of a cache line.
 */
#include <klock.h>

struct klock kernel_lock __attribute__((aligned(64)));
