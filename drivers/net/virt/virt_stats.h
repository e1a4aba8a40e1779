/*
 * The virtualisers' counters and their NET_STATS protected procedure (protocol.h): one
 * struct per client and one for the device side, answered the same way by net_rx_virt and
 * net_tx_virt.
 */
#ifndef DRIVERS_NET_VIRT_STATS_H
#define DRIVERS_NET_VIRT_STATS_H

#include <stdint.h>

#include <bastion/net/protocol.h>
#include <libbastion/pd.h>

struct net_virt_stats {
    uint64_t frames, bytes, dropped;
};

/* The reply to a NET_STATS call asking about `s` (NULL: no such client, or not a NET_STATS
 * call); `extra_dropped` is added to the dropped count. */
static inline bst_msginfo_t net_virt_stats_reply(const struct net_virt_stats *s,
                                                 uint64_t extra_dropped)
{
    if (s == NULL)
        return bst_msginfo_new(NET_STATS_ERROR, 0);
    bst_mr_set(0, s->frames);
    bst_mr_set(1, s->bytes);
    bst_mr_set(2, s->dropped + extra_dropped);
    return bst_msginfo_new(NET_STATS, 3);
}

/* Which counters a NET_STATS call asks about: the device side's for NET_STATS_DEVICE, else
 * client `which`'s if present. `client_stats(i)` returns client i's or NULL. */
#define NET_VIRT_STATS_WHICH(msginfo, which, device_stats, client_present, client_stats)           \
    (bst_msginfo_label(msginfo) != NET_STATS         ? NULL                                        \
     : (which) == NET_STATS_DEVICE                   ? (device_stats)                              \
     : (which) < NET_MAX_CLIENTS && (client_present) ? (client_stats)                              \
                                                     : NULL)

#endif
