/*
 * driver_wait: the one place a client library sleeps (bastion/driver/wait.h). The PD's
 * notification word is read with Wait (or Poll); bits nobody asked for yet are kept here.
 */
#include <bastion/driver/wait.h>
#include <bastion/spec.h>
#include <libbastion/ipc.h>
#include <libbastion/pd.h>

static uint64_t arrived; /* bits read from the notification, not taken yet */

static uint64_t take(uint64_t mask)
{
    uint64_t got = arrived & mask;
    arrived &= ~mask;
    return got;
}

uint64_t driver_pending(uint64_t mask)
{
    uint64_t word = 0;
    bst_poll(BASTION_SLOT_NOTIFICATION, &word);
    arrived |= word;
    return arrived & mask;
}

uint64_t driver_wait(uint64_t mask)
{
    while ((arrived & mask) == 0) {
        uint64_t word = 0;
        bst_wait(BASTION_SLOT_NOTIFICATION, &word);
        arrived |= word;
    }
    return take(mask);
}

uint64_t driver_notify_wait(bst_channel_t ch, uint64_t mask)
{
    if ((arrived & mask) != 0) {
        bst_notify(ch);
        return take(mask);
    }
    uint64_t word = 0;
    if (bst_notify_wait(ch, &word) == BST_OK) {
        arrived |= word;
    } else {
        bst_notify(ch); /* the send may not have happened: signals coalesce, so send again */
    }
    return driver_wait(mask);
}
