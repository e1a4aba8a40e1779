/*
 * The host "architecture" seen from a test: the ways into the kernel a CPU would take
 * (a system call, an exception, an interrupt), and the parts of the machine the tests
 * set or read (time, the interrupt controller, the page-table model). The kernel never
 * includes this; it sees only the arch/ headers.
 */
#ifndef BASTION_TESTS_HOST_ARCH_H
#define BASTION_TESTS_HOST_ARCH_H

#include <arch/thread.h>
#include <ktypes.h>
#include <thread/fault.h>

/* ---- Kernel entries (trap.c). Each runs the kernel until it would leave it. ---- */

/* The current thread executes SYSCALL at its instruction pointer with the registers it
 * has: as kernel/arch/x86_64/syscall.S, the C fastpaths first for the calls they serve
 * (unless they are off), then syscall_handler(). There must be a current thread. */
enum host_exit host_syscall(void);
/* The current thread takes an exception (user mode). */
enum host_exit host_user_fault(enum user_fault_kind kind, uint64_t address, uint64_t code);
/* The timer interrupt, in user mode or while idle. */
enum host_exit host_timer_interrupt(void);
/* Interrupt line `line` (irq/irq.h numbering) fires. A masked pin does not interrupt
 * (returns 0, the kernel not entered); MSIs cannot be masked at the device. */
enum host_exit host_irq(unsigned line);

/* ---- Time (stubs.c): a 1 GHz counter. ---- */
void host_time_reset(void);
void host_time_advance(uint64_t ticks);
/* Frozen, the counter moves only by host_time_advance() (else also by one per read). */
void host_time_freeze(bool frozen);
/* Deferred interrupt deliveries (thread_only_stubs.c): how many, and the last line. */
extern unsigned long host_deferred_deliveries;
extern unsigned host_deferred_last;
/* Flushes a protected domain switch asked for (arch_timeprot_flush calls). */
extern unsigned long host_timeprot_flushes;
/* The deadline the kernel armed (0: none). */
uint64_t host_timer_deadline(void);

/* ---- The interrupt controller (irq.c). ---- */
void host_irq_reset(void);
bool host_irq_masked(unsigned line);

/* ---- The page-table model (vspace.c). ---- */
struct host_vspace_stats {
    unsigned long maps, flushes;
};
extern struct host_vspace_stats host_vspace_stats;
/* Start over with the kernel's root pair (two zeroed pages) at `kernel_root_pair`. */
void host_vspace_boot(paddr_t kernel_root_pair);

/* ---- The machine (machine.c). ---- */
/* How often the kernel stopped the machine (arch_halt()), and with which exit status. */
struct host_machine_stats {
    unsigned long halts, exits_pass, exits_fail;
};
extern struct host_machine_stats host_machine_stats;

#endif
