/*
 * Machine control hooks the architecture provides to the generic kernel.
 */
#ifndef BASTION_MACHINE_H
#define BASTION_MACHINE_H

#include "ktypes.h"

enum machine_exit {
    MACHINE_EXIT_PASS, /* a test image finished and every test passed */
    MACHINE_EXIT_FAIL, /* a test image finished with failures, or the kernel died */
};

/* Stop this CPU for good, interrupts off. */
NORETURN void arch_halt(void);

/* End the emulator with a status the test harness reads (isa-debug-exit on x86). On
 * real hardware, or without the device, this returns and the caller halts. */
void arch_emulator_exit(enum machine_exit status);

/* Print the CPU's identity and the optional features found. */
void arch_print_cpu_features(void);

/* Bring up the machine's other CPUs (after the timer's calibration) and return how many
 * CPUs are online. They are parked for now: the kernel schedules on the boot CPU. */
unsigned arch_cpus_start(void);

/* Physical memory: how many address bits the machine has, the end of the RAM the
 * kernel can reach (its physmap), and the device ranges the kernel keeps for itself
 * (never handed to users). */
struct boot_range;
unsigned arch_phys_addr_bits(void);
paddr_t arch_phys_reachable_limit(void);
size_t arch_kernel_device_ranges(struct boot_range *out, size_t max);

/* Idle: enable interrupts, wait for one, disable them again. The time spent there is
 * counted: arch_idle_cycles() is this CPU's total since boot, in cycles of the counter
 * arch_counter_read() reads (DEBUG_IDLE_CYCLES reports both). */
void arch_wait_for_interrupt(void);
uint64_t arch_idle_cycles(void);

#endif
