/*
 * The timer client library: the time, timeouts and sleep, over the timer driver's
 * protocol (bastion/timer/protocol.h). The PD calls timer_init() with the id of its
 * channel to the timer driver (its end with pp="true").
 *
 * timer_sleep() sleeps on the PD's notification through driver_wait()
 * (bastion/driver/wait.h): use it from a PD that runs its program in init(). An
 * event-driven PD uses timer_set_timeout() and hears notified(channel) instead.
 *
 * Restarts of the driver (docs/supervision.md) are invisible: a call the driver was
 * holding when it crashed is made again, and the pending timeout is re-armed with its
 * deadline when the driver's generation changes. timer_sleep() and timer_poll_timeout()
 * do that themselves; an event-driven PD calls timer_resync() from peer_restarted().
 */
#ifndef BASTION_TIMER_CLIENT_H
#define BASTION_TIMER_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <libbastion/pd.h>

#define TIMER_NS_PER_MS 1000000ull

void timer_init(bst_channel_t channel);

/* ns since the timer driver started. */
uint64_t timer_now(void);

/* Be notified on the channel once `ns` have passed; replaces an earlier timeout. Returns
 * the deadline (on the timer_now() scale). */
uint64_t timer_set_timeout(uint64_t ns);

void timer_cancel(void);

/* Return no earlier than `ns` from now. */
void timer_sleep(uint64_t ns);

/* Without sleeping: true once the pending timeout's notification came and the clock has
 * reached its deadline (the timeout is then done); re-arms it after a driver restart. */
bool timer_poll_timeout(void);

/* If the driver was restarted since the last look, re-arm the pending timeout (its
 * deadline, so never later than asked). */
void timer_resync(void);

/* Test-only (setvar): 1 leaves timeouts unarmed after a driver restart, so that the
 * restart tests can show that their check fails without the re-arming. */
extern uint64_t timer_resync_broken;

static inline void timer_sleep_ms(uint64_t ms)
{
    timer_sleep(ms * TIMER_NS_PER_MS);
}

#endif /* BASTION_TIMER_CLIENT_H */
