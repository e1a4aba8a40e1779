/*
 * The queue library (drivers/queue, header-only) as one unit for Frama-C: every function
 * of its headers, with the contracts written next to them.
 */
#include <bastion/queue/queue.h>
