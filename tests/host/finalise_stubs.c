/*
 * Empty finalisers for the host tests of the object layer alone (test-abi, test-caps,
 * test-boot, test-caps-random, fuzz-caps). The thread and IPC suites link the real
 * ones from kernel/thread and kernel/ipc instead (and tests/host/arch/stubs.c).
 */
#include "object/finalise.h"

/* The object layer's hooks into threads and virtual memory (object/finalise.h): the
 * host build has neither, so there is nothing to undo. */
void tcb_finalise(const struct cap *cap)
{
    (void)cap;
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

void frame_finalise(const struct cap *cap)
{
    (void)cap;
}

void page_table_finalise(const struct cap *cap)
{
    (void)cap;
}

void vm_unmap_cap(struct cap *cap)
{
    (void)cap;
}

void irq_handler_finalise(const struct cap *cap)
{
    (void)cap;
}

void ioport_finalise(const struct cap *cap)
{
    (void)cap;
}

void sched_context_finalise(const struct cap *cap)
{
    (void)cap;
}
