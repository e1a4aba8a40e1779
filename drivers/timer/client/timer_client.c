/*
 * The timer client library (bastion/timer/client.h): each call is one protected
 * procedure call to the timer driver; sleep waits for the driver's notification.
 */
#include <bastion/driver/wait.h>
#include <bastion/timer/client.h>
#include <bastion/timer/protocol.h>

static bst_channel_t timer_channel = ~0u;
static uint32_t driver_generation; /* the driver's generation as last seen */
static bool pending;               /* a timeout is set and has not been seen to expire */
static uint64_t pending_deadline;

uint64_t timer_resync_broken; /* setvar, tests only */

void timer_init(bst_channel_t channel)
{
    timer_channel = channel;
    driver_generation = bst_peer_generation(channel);
}

/* One call, made again while the driver is being restarted under it; a reply the protocol
 * does not allow means the system is built wrong. MR0 is the argument, if any. */
static uint64_t timer_call(enum timer_label label, unsigned args, unsigned results)
{
    uint64_t arg = bst_mr_get(0);
    bst_msginfo_t reply;
    bst_error_t e;
    while ((e = bst_ppcall_status(timer_channel, bst_msginfo_new(label, args), &reply)) ==
           BST_OBJECT_DELETED)
        bst_mr_set(0, arg); /* the driver was restarted while it held the call */
    if (e != BST_OK || bst_msginfo_label(reply) != 0 || bst_msginfo_length(reply) != results) {
        bst_printf("timer: PD '%s': call %u on channel %u failed: %s (reply label %lu)\n",
                   bst_pd_name(), label, timer_channel, bst_error_name(e),
                   (unsigned long)bst_msginfo_label(reply));
        __builtin_trap();
    }
    return results > 0 ? bst_mr_get(0) : 0;
}

void timer_resync(void)
{
    uint32_t g = bst_peer_generation(timer_channel);
    if (g == driver_generation)
        return;
    driver_generation = g;
    if (pending && !timer_resync_broken) {
        bst_mr_set(0, pending_deadline);
        timer_call(TIMER_SET_DEADLINE, 1, 1);
    }
}

uint64_t timer_now(void)
{
    return timer_call(TIMER_NOW, 0, 1);
}

uint64_t timer_set_timeout(uint64_t ns)
{
    timer_resync(); /* a restart seen now needs no re-arming of the timeout replaced */
    bst_mr_set(0, ns);
    pending_deadline = timer_call(TIMER_SET_TIMEOUT, 1, 1);
    pending = true;
    return pending_deadline;
}

void timer_cancel(void)
{
    pending = false;
    timer_call(TIMER_CANCEL, 0, 0);
}

#define PEER_RESTARTED (1ULL << BST_PD_PEER_RESTARTED_BIT)

/* What one look at the notification bits found: done when the timeout's notification came
 * and the clock has reached the deadline (an old notification cannot end it early). */
static bool timer_check(uint64_t bits)
{
    if (bits & PEER_RESTARTED)
        timer_resync();
    if (!(bits & (1ULL << timer_channel)) || timer_now() < pending_deadline)
        return false;
    pending = false;
    return true;
}

bool timer_poll_timeout(void)
{
    uint64_t bits = driver_pending((1ULL << timer_channel) | PEER_RESTARTED);
    return bits != 0 && timer_check(driver_wait(bits)); /* takes them; returns at once */
}

void timer_sleep(uint64_t ns)
{
    timer_set_timeout(ns);
    while (!timer_check(driver_wait((1ULL << timer_channel) | PEER_RESTARTED))) {
    }
}
