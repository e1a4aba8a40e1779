/*
 * Time protection's hooks into the architecture (docs/kernel.md, "Time protection"):
 * what the domain switch of a protected slot (thread/domain.c) asks the CPU to do.
 * x86_64: kernel/arch/x86_64/timeprot.c.
 */
#ifndef BASTION_TIMEPROT_H
#define BASTION_TIMEPROT_H

#include "ktypes.h"

/* Find out which flushes the CPU offers (BST_DOMAIN_FLUSH_*) and print them, with the
 * ones that are absent and why, once at boot. */
void arch_timeprot_init(void);

/* The BST_DOMAIN_FLUSH_* flags this CPU can honour. */
unsigned arch_timeprot_available(void);

/* Flush what `flags` names and the CPU offers; the rest is skipped (and was reported at
 * boot). Interrupts are off. */
void arch_timeprot_flush(unsigned flags);

/* Take the interrupts already pending (a timer that fired while a system call ran on,
 * a device's line), in the kernel, now: inside the pad, not in the next domain's time.
 * Interrupts are off before and after. */
void arch_timeprot_take_pending(void);

/* Wait, interrupts off, until the counter reaches `deadline`, and return a fixed number
 * of instructions after it, not a loop iteration's worth later or earlier: where the
 * counter counts instructions (QEMU with -icount) the return is exact. Returns at once
 * if the deadline has passed. */
void arch_timeprot_wait_until(uint64_t deadline);

#endif
