/*
 * What kernel/thread and kernel/ipc need from parts the host tests do not build: the
 * VM layer (no address spaces on the host: nothing to activate or unmap) and the
 * console (kprintf output is counted and dropped).
 */
#include <kprintf.h>
#include <object/finalise.h>
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

/* Interrupts and I/O ports (kernel/irq, the x86 I/O port code) are not built on the
 * host: nothing is bound to a line, nothing to undo. */
void irq_handler_finalise(const struct cap *cap)
{
    (void)cap;
}

void ioport_finalise(const struct cap *cap)
{
    (void)cap;
}

void irq_forget_notification(const struct notification *n)
{
    (void)n;
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

/* Scheduling-context invocations are not built on the host (their decoding needs the
 * system-call layer); the finaliser only has to undo a binding. */
void sched_context_finalise(const struct cap *cap)
{
    (void)cap;
}
