/*
 * Preemption points for long kernel operations.
 *
 * Revoke, the reaping of deleted CNodes and the zeroing of memory for retype call
 * kpreempt_pending() after each bounded unit of work. When it returns true the
 * operation stops with BST_PREEMPTED, having left every object consistent and no
 * user-visible result half-made; the kernel handles the interrupt and restarts the
 * system call. Kernel: the architecture implements it (a pending interrupt). Host
 * tests implement it to preempt on a schedule they choose.
 */
#ifndef BASTION_KPREEMPT_H
#define BASTION_KPREEMPT_H

#include "ktypes.h"

bool kpreempt_pending(void);

#endif
