/*
 * Blocking waits for driver client libraries (serial, timer) in a PD that runs its
 * program as straight-line code (inside init(), say) instead of returning to the event
 * loop.
 *
 * driver_wait(mask) sleeps on the PD's notification until a bit of `mask` (1 << channel)
 * has arrived, and returns those bits, taking them away. Bits that arrive for other
 * channels are not lost: they are kept for a later driver_wait() that asks for them
 * (driver_pending() shows them). They never reach notified(): a PD either waits with
 * these calls or through the event loop for a given channel, not both.
 */
#ifndef BASTION_DRIVER_WAIT_H
#define BASTION_DRIVER_WAIT_H

#include <stdint.h>

#include <libbastion/pd.h>

uint64_t driver_wait(uint64_t mask);

/* Signal channel `ch`, then driver_wait(mask); when the wait must sleep, the signal and
 * the sleep are one system call (bst_notify_wait). For a library that tells its server of
 * new work and then waits for the answer. */
uint64_t driver_notify_wait(bst_channel_t ch, uint64_t mask);

/* The bits of `mask` that have arrived and not been taken yet (never sleeps). */
uint64_t driver_pending(uint64_t mask);

#endif /* BASTION_DRIVER_WAIT_H */
