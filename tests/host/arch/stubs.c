/*
 * What the generic kernel needs from the host "architecture" besides threads: the
 * console (kprintf output is counted and dropped), the model's CR3, and time. Parts a
 * test does not build have their stand-ins elsewhere: tests/host/arch/thread_only_stubs.c
 * (interrupts, the fastpath) and tests/host/finalise_stubs.c (virtual memory, devices).
 */
#include <kprintf.h>
#include <timeprot.h>
#include <timer.h>
#include <vm/vspace.h>

#include "host_arch.h"

unsigned long host_kprintf_calls;

int kprintf(const char *fmt, ...)
{
    (void)fmt;
    host_kprintf_calls++;
    return 0;
}

unsigned long host_vspace_switches;
paddr_t arch_active_pml4;

/* Time (kernel/include/timer.h): a counter at 1 GHz that advances by one per read, so
 * charging stays well defined, and by whatever a test adds (host_time_advance()); or,
 * frozen, only by what the test adds, so that two runs reading it a different number of
 * times see the same times. The one-shot timer only records its deadline: a test
 * delivers the interrupt. */
static uint64_t host_counter;
static uint64_t host_deadline;
static bool host_time_frozen;

uint64_t arch_counter_read(void)
{
    return host_time_frozen ? host_counter : ++host_counter;
}

void host_time_freeze(bool frozen)
{
    host_time_frozen = frozen;
}

uint64_t arch_counter_hz(void)
{
    return 1000000000ull;
}

void arch_timer_oneshot(uint64_t deadline)
{
    host_deadline = deadline;
}

void arch_timer_stop(void)
{
    host_deadline = 0;
}

void host_time_reset(void)
{
    host_counter = 0;
    host_deadline = 0;
}

void host_time_advance(uint64_t ticks)
{
    host_counter += ticks;
}

uint64_t host_timer_deadline(void)
{
    return host_deadline;
}

/* Time protection (kernel/include/timeprot.h): the host has no flushes; a pad's wait
 * moves the counter to its deadline, and the number of flushes asked for is counted. */
unsigned long host_timeprot_flushes;

void arch_timeprot_init(void)
{
}

unsigned arch_timeprot_available(void)
{
    return 0;
}

void arch_timeprot_flush(unsigned flags)
{
    (void)flags;
    host_timeprot_flushes++;
}

void arch_timeprot_take_pending(void)
{
}

void arch_timeprot_wait_until(uint64_t deadline)
{
    while (arch_counter_read() < deadline) {
        host_counter = deadline;
    }
}
