/*
 * Empty thread and IPC finalisers for the host tests of the object layer alone
 * (test-abi, test-caps, test-boot, test-caps-random, fuzz-caps); the thread and IPC
 * suites link the real ones from kernel/thread and kernel/ipc instead.
 */
#include "object/finalise.h"

void tcb_finalise(const struct cap *cap)
{
    (void)cap;
}

void tcb_slot_emptied(struct cte *slot)
{
    (void)slot;
}

void endpoint_finalise(const struct cap *cap)
{
    (void)cap;
}

void notification_finalise(const struct cap *cap)
{
    (void)cap;
}

void reply_finalise(const struct cap *cap)
{
    (void)cap;
}
