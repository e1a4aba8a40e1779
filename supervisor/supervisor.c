/*
 * supervisor: the supervision component (docs/supervision.md). Its children are the PDs
 * nested in it in system.xml; each child's on_fault disposition is applied by
 * libbastion/supervise.h when it faults: re-initialised at once or after a back-off,
 * left stopped, or escalated (this PD then faults, for its own parent).
 *
 *   channel timer_channel   optional (setvar, default none): a timer driver that is not
 *                           one of its children, for back-off delays. Without one a
 *                           back-off child is restarted at the first event after its
 *                           delay (another fault), so give back-off children a timer.
 */
#include <bastion/driver/recovery_stamp.h>
#include <bastion/timer/client.h>
#include <libbastion/pd.h>
#include <libbastion/supervise.h>

uint64_t timer_channel = UINT64_MAX; /* setvar: the channel to a timer driver, if any */
/* setvar_vaddr, benchmarks only (bench/recovery): one struct recovery_stamp per child, in
 * the page RECOVERY_STRIDE * its id on (each shared with that child, the driver, which
 * completes it at its first work after a restart); 0: none. */
uintptr_t recovery_stamps;

#define RECOVERY_STRIDE   4096u
#define RECOVERY_CHILDREN 8u

/* A child faulted: print the recovery time of its previous fault (or that it had none
 * before this one), then stamp this fault's time. */
static void stamp_fault(bst_child_t child)
{
    static uint64_t reported[RECOVERY_CHILDREN];
    if (recovery_stamps == 0 || child >= RECOVERY_CHILDREN)
        return;
    volatile struct recovery_stamp *s =
        (volatile struct recovery_stamp *)(recovery_stamps + RECOVERY_STRIDE * child);
    uint64_t recovered = __atomic_load_n(&s->recovered, __ATOMIC_ACQUIRE);
    if (s->injections > 0 && recovered != reported[child])
        bst_printf("supervisor: child %u recovery %lu cycles\n", child, (unsigned long)s->last);
    else if (s->injections > 0)
        bst_printf("supervisor: child %u recovery none\n", child);
    reported[child] = recovered;
    s->injections++;
    __atomic_store_n(&s->injected_at, recovery_counter(), __ATOMIC_RELEASE);
}

static void poll_and_rearm(void)
{
    uint64_t next_ms = bst_supervise_poll();
    if (next_ms != UINT64_MAX && timer_channel != UINT64_MAX)
        timer_set_timeout(next_ms * TIMER_NS_PER_MS);
}

void init(void)
{
    if (timer_channel != UINT64_MAX)
        timer_init((bst_channel_t)timer_channel);
    bst_printf("supervisor: supervising its children\n");
    bst_supervise_start();
}

void notified(bst_channel_t ch)
{
    if (ch == timer_channel)
        poll_and_rearm();
}

bst_msginfo_t fault(bst_child_t child, bst_msginfo_t msginfo)
{
    bst_msginfo_t reply;
    stamp_fault(child);
    if (!bst_supervise_fault(child, msginfo, &reply)) {
        bst_printf("supervisor: child %u faulted (%s) and has no on_fault: left stopped\n", child,
                   bst_fault_name(bst_msginfo_label(msginfo)));
        return bst_fault_reply_stop();
    }
    poll_and_rearm();
    return reply;
}
