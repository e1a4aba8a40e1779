/*
 * Time: a monotonic cycle counter with a measured frequency, and the periodic timer
 * interrupt (a tick). The architecture measures the counter's frequency at boot; it is
 * never assumed.
 */
#ifndef BASTION_TIMER_H
#define BASTION_TIMER_H

#include "ktypes.h"

/* Calibrate the counter and the timer; prints what was found. */
void arch_timer_init(void);
/* Fault injection (kernel option calib_stall=US), before arch_timer_init: the
 * calibration busy-waits `us` microseconds wherever a vCPU descheduled by a loaded
 * emulator host would disturb it, so tests see that case on every boot. */
void arch_timer_calibration_stall(uint32_t us);
/* Start the tick at `hz` interrupts per second. */
void arch_timer_start_periodic(uint32_t hz);
void arch_timer_stop(void);
/* One interrupt at counter time `deadline` (0: none); a time already past fires at once. */
void arch_timer_oneshot(uint64_t deadline);
/* The cycle counter, and its frequency in Hz as measured at boot. */
uint64_t arch_counter_read(void);
uint64_t arch_counter_hz(void);
/* The counter, read so that no earlier instruction is still in flight and no later
 * one has started (for measurements). */
uint64_t arch_counter_read_ordered(void);

/* Called by the architecture's timer interrupt handler. */
void timer_tick(void);
uint64_t timer_ticks(void);

#endif
