/*
 * Empty finalisers of the parts no host test builds (virtual memory, interrupts, I/O
 * ports, scheduling-context invocations): linked by every host test program. The
 * object-layer-only programs also link object_only_stubs.c (threads and IPC).
 */
#include "object/finalise.h"

/* The object layer's hooks into threads and virtual memory (object/finalise.h): the
 * host build has neither, so there is nothing to undo. */
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

void iospace_unmap_cap(struct cap *cap)
{
    (void)cap;
}

void ioport_ungrant_cap(struct cap *cap)
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
