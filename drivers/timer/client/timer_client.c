/*
 * The timer client library (bastion/timer/client.h): each call is one protected
 * procedure call to the timer driver; sleep waits for the driver's notification.
 */
#include <bastion/driver/wait.h>
#include <bastion/timer/client.h>
#include <bastion/timer/protocol.h>

static bst_channel_t timer_channel = ~0u;

void timer_init(bst_channel_t channel)
{
    timer_channel = channel;
}

/* One call; a reply the protocol does not allow means the system is built wrong. */
static uint64_t timer_call(enum timer_label label, unsigned args, unsigned results)
{
    bst_msginfo_t reply = bst_ppcall(timer_channel, bst_msginfo_new(label, args));
    if (bst_msginfo_label(reply) != 0 || bst_msginfo_length(reply) != results) {
        bst_printf("timer: PD '%s': call %u on channel %u failed (reply label %lu)\n",
                   bst_pd_name(), label, timer_channel, (unsigned long)bst_msginfo_label(reply));
        __builtin_trap();
    }
    return results > 0 ? bst_mr_get(0) : 0;
}

uint64_t timer_now(void)
{
    return timer_call(TIMER_NOW, 0, 1);
}

uint64_t timer_set_timeout(uint64_t ns)
{
    bst_mr_set(0, ns);
    return timer_call(TIMER_SET_TIMEOUT, 1, 1);
}

void timer_cancel(void)
{
    timer_call(TIMER_CANCEL, 0, 0);
}

void timer_sleep(uint64_t ns)
{
    uint64_t deadline = timer_set_timeout(ns);
    /* A notification left from an earlier timeout may wake us first: check the clock. */
    do {
        driver_wait(1ULL << timer_channel);
    } while (timer_now() < deadline);
}
