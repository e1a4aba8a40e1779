/*
 * Stand-ins for the parts of the kernel that the host thread and IPC tests do not build
 * (the system-call fuzzer links the real ones): interrupts (kernel/irq) and the IPC
 * fastpath (kernel/ipc/fastpath.c).
 */
#include <ipc/fastpath.h>
#include <irq/irq.h>
#include <thread/domain_irq.h>

#include "host_arch.h"

/* Nothing is bound to a line, nothing to undo. */
void irq_forget_notification(const struct notification *n)
{
    (void)n;
}

/* Deferred deliveries (thread/domain_irq.h): counted, with the last line, for the tests
 * that defer lines by hand. */
unsigned long host_deferred_deliveries;
unsigned host_deferred_last;

void irq_deliver_deferred(unsigned irq)
{
    host_deferred_deliveries++;
    host_deferred_last = irq;
}

/* No lines to hide or show. */
void irq_domain_enter(int domain)
{
    (void)domain;
}

/* No fastpath: nothing to switch when a limited context runs. */
void fastpath_limited_running(bool limited)
{
    (void)limited;
}
