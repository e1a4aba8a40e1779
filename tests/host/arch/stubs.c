/*
 * What kernel/thread and kernel/ipc need from parts the host tests do not build: the
 * console (kprintf output is counted and dropped), interrupts and time. The finalisers
 * of unbuilt parts (virtual memory, devices) are in tests/host/finalise_stubs.c.
 */
#include <kprintf.h>
#include <object/finalise.h>
#include <ipc/fastpath.h>
#include <irq/irq.h>
#include <timer.h>
#include <vm/vspace.h>

unsigned long host_kprintf_calls;

int kprintf(const char *fmt, ...)
{
    (void)fmt;
    host_kprintf_calls++;
    return 0;
}

unsigned long host_vspace_switches;

/* Interrupts and I/O ports (kernel/irq, the x86 I/O port code) are not built on the
 * host: nothing is bound to a line, nothing to undo. */
void irq_forget_notification(const struct notification *n)
{
    (void)n;
}

/* The IPC fastpath is not built on the host: nothing to switch when a limited context
 * runs. */
void fastpath_limited_running(bool limited)
{
    (void)limited;
}

/* Time (kernel/include/timer.h): the host tests run no timer and no budget-driven
 * scheduling; the counter advances by one per read so charging stays well defined. */
static uint64_t host_counter;

uint64_t arch_counter_read(void)
{
    return ++host_counter;
}

uint64_t arch_counter_hz(void)
{
    return 1000000000ull;
}

void arch_timer_oneshot(uint64_t deadline)
{
    (void)deadline;
}

void arch_timer_stop(void)
{
}
