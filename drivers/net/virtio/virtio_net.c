/*
 * virtio_net: the virtio-net driver PD (docs/drivers.md, "virtio-net driver"), for a
 * virtio 1.x network device on PCI (QEMU's virtio-net-pci). It talks only to its device
 * and to the two network virtualisers (drivers/net/include/bastion/net/protocol.h):
 *
 *   <irq id="0">   the device's MSI-X vector 0: both queues and configuration changes
 *   channel 1      net_rx_virt, over `rx_queue`: it hands this driver empty buffers on the
 *                  free ring; the driver hands them back filled on the active ring
 *   channel 2      net_tx_virt, over `tx_queue`: it hands frames on the active ring; the
 *                  driver hands the buffers back, unchanged, on the free ring once sent
 *
 * Descriptors on both connections are device addresses: the driver never maps a data
 * region. Its own memory is one physically contiguous DMA region (dma_vaddr/dma_paddr,
 * VIRTIO_NET_DMA_BYTES) holding both virtqueues and their per-frame headers (virtq.h),
 * and the BAR(s) the virtio capabilities name (virtio_bar<N>, the shared PCI transport
 * <bastion/virtio/transport.h>, drivers/virtio).
 *
 * Nothing read from shared memory is trusted: the queue library checks every descriptor
 * against the device-address limit; the driver checks each receive buffer's room and each
 * frame's length before the device sees it; virtq.c returns a buffer only for a used
 * entry naming a chain in flight, and the driver checks the length the device claims
 * before a frame goes up. Work per wake-up is bounded (VIRTIO_NET_BUDGET).
 *
 * Interrupts and signals (the event loop calls notified() with one reason at a time, but
 * every call does all the work there is, so the reason hardly matters):
 *   - device interrupts are off (VIRTQ_AVAIL_F_NO_INTERRUPT) while the driver works, and
 *     turned on just before it sleeps, followed by a re-check of the used rings;
 *   - the device is kicked only when it asks (no VIRTQ_USED_F_NO_NOTIFY), once per batch;
 *   - a virtualiser is notified only when its ring's signal flag asks for it, once per
 *     wake-up, and the driver sleeps by the queue library's protocol on each ring it waits
 *     on (queue_ring_consumer_may_sleep / queue_ring_producer_may_sleep).
 */
#include <stdint.h>

#include <bastion/driver/recovery_stamp.h>
#include <bastion/net/protocol.h>
#include <bastion/spec.h>
#include <bastion/virtio/transport.h>
#include <libbastion/pd.h>

#include "stats.h"
#include "virtio_net.h"
#include "virtq.h"

/* Patched by the tool (setvar_vaddr / setvar_paddr); 0 when the system maps nothing. */
uintptr_t virtio_bar0, virtio_bar1, virtio_bar2, virtio_bar3, virtio_bar4, virtio_bar5;
uintptr_t dma_vaddr, dma_paddr;
uintptr_t rx_queue, tx_queue;
uintptr_t recovery_stamp; /* setvar_vaddr, benchmarks only: struct recovery_stamp, or 0 */

#define VIRTIO_NET_DMA_BYTES                                                                       \
    (2 * VIRTQ_AREA_BYTES) /* the receive queue's area, then transmit's                            \
                            */
#define MSIX_VECTOR       0u
/* Buffer operations (a descriptor taken from or given to either side) per wake-up at most.
 * With the virtualisers on the driver's CPU, which cannot run while it does, each buffer
 * is moved at most twice per wake-up in each direction (2 x 2 x 256), so honest traffic
 * never reaches it; a peer rewriting its rings, or a device flooding used entries, does. */
#define VIRTIO_NET_BUDGET 1024u

static struct virtio_pci dev;
static bool running; /* set up and not failed */

static struct {
    struct virtq vq;
    volatile uint16_t *notify;
    struct queue_handle q; /* free: empty buffers from net_rx_virt; active: frames to it */
    bool blocked;          /* a frame waits for room on the active ring */
    bool notify_virt;
    uint64_t frames, bytes, dropped, bad_buffers, kicks;
} rx;

static struct {
    struct virtq vq;
    volatile uint16_t *notify;
    struct queue_handle q; /* active: frames from net_tx_virt; free: sent buffers back */
    bool blocked;          /* a sent buffer waits for room on the free ring */
    bool notify_virt;
    uint64_t frames, bytes, bad_frames, kicks;
} tx;

static uint64_t device_errors; /* used entries naming no chain in flight */
static uint64_t interrupts;

/* ---- Start ----------------------------------------------------------------------------- */

static bool fail(const char *why)
{
    bst_printf("virtio_net: error: %s; the driver stops\n", why);
    if (dev.common != NULL)
        virtio_pci_set_status(&dev, (uint8_t)(virtio_pci_status(&dev) | VIRTIO_STATUS_FAILED));
    running = false;
    return false;
}

static bool check_wiring(void)
{
    if (dma_vaddr == 0 || dma_paddr == 0)
        return fail("no DMA region (a <map> with setvar_vaddr=\"dma_vaddr\" and "
                    "setvar_paddr=\"dma_paddr\")");
    if (dma_paddr % 0x1000 != 0 || dma_paddr > NET_DEVICE_ADDRESS_LIMIT - VIRTIO_NET_DMA_BYTES)
        return fail("the DMA region's physical address is not a usable device address");
    if (rx_queue == 0 || tx_queue == 0)
        return fail("no rx_queue or tx_queue region (setvar_vaddr)");
    if (net_device_queue_init(&rx.q, rx_queue) != QUEUE_OK ||
        net_device_queue_init(&tx.q, tx_queue) != QUEUE_OK)
        return fail("the connections' queues cannot be set up");
    return true;
}

static bool find_device(void)
{
    const uintptr_t bars[VIRTIO_BAR_COUNT] = {virtio_bar0, virtio_bar1, virtio_bar2,
                                              virtio_bar3, virtio_bar4, virtio_bar5};
    const volatile uint8_t *config = (const volatile uint8_t *)(uintptr_t)BASTION_PCI_CONFIG_VADDR;
    const struct virtio_pci_want want = {.type = VIRTIO_DEVICE_NET,
                                         .device_config_bytes = VIRTIO_NET_CONFIG_BYTES};
    enum virtio_pci_status s = virtio_pci_find(config, bars, want, &dev);
    if (s != VIRTIO_PCI_OK) {
        bst_printf("virtio_net: PCI function %04x:%04x\n", config[0] | config[1] << 8,
                   config[2] | config[3] << 8);
        return fail(virtio_pci_status_name(s));
    }
    return true;
}

/* Reset, acknowledge, and agree on VERSION_1 (required), MAC and ACCESS_PLATFORM (if
 * offered: the device is behind an IOMMU). */
static bool negotiate(uint64_t *features)
{
    if (!virtio_pci_reset(&dev))
        return fail("the device does not reset");
    virtio_pci_set_status(&dev, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_set_status(&dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    uint64_t offered = virtio_pci_device_features(&dev);
    if (!(offered & VIRTIO_F_VERSION_1))
        return fail("the device does not offer VIRTIO_F_VERSION_1");
    *features = offered & (VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_F_ACCESS_PLATFORM);
    virtio_pci_set_driver_features(&dev, *features);
    virtio_pci_set_status(&dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                    VIRTIO_STATUS_FEATURES_OK);
    if (!(virtio_pci_status(&dev) & VIRTIO_STATUS_FEATURES_OK))
        return fail("the device refuses the features (it may need one the driver lacks, such "
                    "as VIRTIO_F_ACCESS_PLATFORM)");
    return true;
}

/* Queue `index` over the DMA area `area`: the largest power of two both sides allow. */
static bool setup_queue(uint16_t index, struct virtq *vq, volatile uint16_t **notify, uint32_t area,
                        enum virtq_direction direction)
{
    uint16_t max = virtio_pci_queue_max(&dev, index), size = VIRTQ_MAX_SIZE;
    while (size > max)
        size /= 2;
    if (!virtq_size_ok(size))
        return fail(index == VIRTIO_NET_RX_QUEUE ? "the receive queue is missing or too small"
                                                 : "the transmit queue is missing or too small");
    *notify = virtio_pci_queue_notify(&dev);
    if (*notify == NULL)
        return fail("a queue's notify address lies outside the notify structure");
    virtq_init(vq, (void *)(dma_vaddr + area), dma_paddr + area, size, direction);
    struct virtq_addresses a = virtq_addresses(vq);
    if (!virtio_pci_queue_setup(&dev, size, MSIX_VECTOR, a.desc, a.avail, a.used))
        return fail("the device refuses MSI-X vector 0 for a queue");
    return true;
}

static void print_start(uint64_t features)
{
    uint8_t mac[VIRTIO_NET_CONFIG_BYTES] = {0};
    bool have_mac = (features & VIRTIO_NET_F_MAC) &&
                    virtio_pci_read_config(&dev, VIRTIO_NET_CONFIG_MAC, mac, sizeof(mac));
    char mac_text[18] = "none";
    if (have_mac)
        bst_snprintf(mac_text, sizeof(mac_text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
                     mac[2], mac[3], mac[4], mac[5]);
    bst_printf("virtio_net: PCI %04x:%04x, MAC %s, rx queue %u, tx queue %u (%u frames each "
               "way), features 0x%lx (VERSION_1%s%s), MSI-X vector 0\n",
               VIRTIO_PCI_VENDOR, dev.device_id, mac_text, rx.vq.size, tx.vq.size, rx.vq.slots,
               (unsigned long)features, features & VIRTIO_NET_F_MAC ? ", MAC" : "",
               features & VIRTIO_F_ACCESS_PLATFORM ? ", ACCESS_PLATFORM" : "");
}

/* The resynchronisation handshake (protocol.h, struct net_resync): the generation this run
 * announced on both connections, and whether both virtualisers have acknowledged it. Until
 * they have, the driver touches neither connection's rings: the virtualisers take back
 * every buffer the last run held, so this run starts with none of its own. */
static uint64_t generation;
static bool resynced;

static void announce(void)
{
    volatile struct net_resync *r = net_resync_of(rx_queue), *t = net_resync_of(tx_queue);
    uint64_t g = r->generation > t->generation ? r->generation : t->generation;
    generation = g + 1;
    resynced = false;
    __atomic_store_n(&r->generation, generation, __ATOMIC_RELEASE);
    __atomic_store_n(&t->generation, generation, __ATOMIC_RELEASE);
    rx.notify_virt = tx.notify_virt = true; /* each looks, and may sleep on a signal owed */
}

static bool acknowledged(void)
{
    if (!resynced &&
        __atomic_load_n(&net_resync_of(rx_queue)->acknowledged, __ATOMIC_ACQUIRE) == generation &&
        __atomic_load_n(&net_resync_of(tx_queue)->acknowledged, __ATOMIC_ACQUIRE) == generation) {
        resynced = true;
        if (generation > 1)
            bst_printf("virtio_net: restarted: generation %lu, the virtualisers took back every "
                       "buffer\n",
                       (unsigned long)generation);
    }
    return resynced;
}

static bool start(void)
{
    uint64_t features = 0;
    if (!check_wiring() || !find_device() || !negotiate(&features))
        return false;
    /* The device is reset: it uses no buffer of the last run any more, and the new queues
     * below start empty. */
    if (virtio_pci_num_queues(&dev) < 2)
        return fail("the device has fewer than 2 queues");
    if (!setup_queue(VIRTIO_NET_RX_QUEUE, &rx.vq, &rx.notify, 0, VIRTQ_DEVICE_WRITES) ||
        !setup_queue(VIRTIO_NET_TX_QUEUE, &tx.vq, &tx.notify, VIRTQ_AREA_BYTES, VIRTQ_DEVICE_READS))
        return false;
    if (!virtio_pci_config_vector(&dev, MSIX_VECTOR))
        return fail("the device refuses MSI-X vector 0 for configuration changes");
    virtio_pci_set_status(&dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                    VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    running = true;
    print_start(features);
    announce();
    return true;
}

/* ---- Receive --------------------------------------------------------------------------- */

/* Post empty buffers from net_rx_virt to the device while there are slots. A buffer must
 * leave room for a whole NET_BUFFER_SIZE below the device-address limit (its length on
 * the free ring is not looked at: every buffer is NET_BUFFER_SIZE); one that does not is
 * dropped. */
static unsigned rx_refill(unsigned budget)
{
    unsigned moved = 0, taken = 0;
    while (moved < budget && virtq_has_slot(&rx.vq)) {
        struct queue_result r = queue_dequeue_free(&rx.q);
        if (r.status == QUEUE_EMPTY)
            break;
        moved++;
        taken++;
        if (r.status != QUEUE_OK || r.buffer.offset > NET_DEVICE_ADDRESS_LIMIT - NET_BUFFER_SIZE) {
            rx.bad_buffers++;
            continue;
        }
        virtq_post(&rx.vq, (struct queue_buffer){.offset = r.buffer.offset}, NET_BUFFER_SIZE);
    }
    if (taken > 0 && queue_ring_should_notify_producer(&rx.q.free))
        rx.notify_virt = true;
    return moved;
}

/* Hand received frames to net_rx_virt. A used entry whose length is less than a header
 * and an Ethernet header, or more than the chain could hold, carries no frame: its buffer
 * goes straight back to the device. Stops (blocked) when the active ring is full. */
static unsigned rx_collect(unsigned budget)
{
    unsigned moved = 0, enqueued = 0;
    rx.blocked = false;
    while (moved < budget) {
        if (queue_ring_full(&rx.q.active)) {
            rx.blocked = virtq_used_pending(&rx.vq);
            break;
        }
        struct virtq_completion c = virtq_take(&rx.vq);
        if (c.status == VIRTQ_NONE)
            break;
        moved++;
        if (c.status == VIRTQ_BAD_ID) {
            device_errors++;
            continue;
        }
        if (c.length < VIRTIO_NET_HDR_BYTES + NET_MIN_FRAME ||
            c.length > VIRTIO_NET_HDR_BYTES + NET_BUFFER_SIZE) {
            rx.dropped++;
            virtq_post(&rx.vq, c.buffer, NET_BUFFER_SIZE); /* its slot was just freed */
            continue;
        }
        struct queue_buffer frame = {.offset = c.buffer.offset,
                                     .length = c.length - VIRTIO_NET_HDR_BYTES};
        if (queue_enqueue_active(&rx.q, frame) != QUEUE_OK) {
            rx.dropped++; /* the peer filled the ring behind the check: recycle */
            virtq_post(&rx.vq, c.buffer, NET_BUFFER_SIZE);
            continue;
        }
        rx.frames++;
        rx.bytes += frame.length;
        enqueued++;
        if (recovery_stamp != 0) /* the first frame up after a crash ends its recovery */
            recovery_completed((volatile struct recovery_stamp *)recovery_stamp);
    }
    if (enqueued > 0 && queue_ring_should_notify_consumer(&rx.q.active))
        rx.notify_virt = true;
    return moved;
}

/* ---- Transmit -------------------------------------------------------------------------- */

/* Give a buffer back to net_tx_virt, unchanged; false if its free ring is full. */
static bool tx_return(struct queue_buffer buffer)
{
    return queue_enqueue_free(&tx.q, buffer) == QUEUE_OK;
}

/* Post frames from net_tx_virt to the device while there are slots. A frame of a length
 * outside [NET_MIN_FRAME, NET_MAX_FRAME] is not sent: its buffer goes back at once. */
static unsigned tx_send(unsigned budget)
{
    unsigned moved = 0, taken = 0, returned = 0;
    while (moved < budget && virtq_has_slot(&tx.vq)) {
        struct queue_result r = queue_dequeue_active(&tx.q);
        if (r.status == QUEUE_EMPTY)
            break;
        moved++;
        taken++;
        if (r.status != QUEUE_OK) {
            tx.bad_frames++; /* outside the device-address limit: not a buffer at all */
            continue;
        }
        if (r.buffer.length < NET_MIN_FRAME || r.buffer.length > NET_MAX_FRAME) {
            tx.bad_frames++;
            returned += tx_return(r.buffer); /* dropped if the peer filled its free ring */
            continue;
        }
        virtq_post(&tx.vq, r.buffer, r.buffer.length);
    }
    if (taken > 0 && queue_ring_should_notify_producer(&tx.q.active))
        tx.notify_virt = true;
    if (returned > 0 && queue_ring_should_notify_consumer(&tx.q.free))
        tx.notify_virt = true;
    return moved;
}

/* Return sent buffers to net_tx_virt. Stops (blocked) when its free ring is full. */
static unsigned tx_collect(unsigned budget)
{
    unsigned moved = 0, returned = 0;
    tx.blocked = false;
    while (moved < budget) {
        if (queue_ring_full(&tx.q.free)) {
            tx.blocked = virtq_used_pending(&tx.vq);
            break;
        }
        struct virtq_completion c = virtq_take(&tx.vq);
        if (c.status == VIRTQ_NONE)
            break;
        moved++;
        if (c.status == VIRTQ_BAD_ID) {
            device_errors++;
            continue;
        }
        if (tx_return(c.buffer)) {
            tx.frames++;
            tx.bytes += c.buffer.length;
            returned++;
        }
    }
    if (returned > 0 && queue_ring_should_notify_consumer(&tx.q.free))
        tx.notify_virt = true;
    return moved;
}

/* ---- The work loop ------------------------------------------------------------------- */

static void kick(struct virtq *vq, volatile uint16_t *notify, uint16_t index, uint64_t *kicks)
{
    if (virtq_publish(vq) && virtq_kick_wanted(vq)) {
        *notify = index;
        (*kicks)++;
    }
}

static void tell_virtualisers(void)
{
    if (rx.notify_virt)
        bst_notify(NET_DRIVER_CH_RX_VIRT);
    if (tx.notify_virt)
        bst_notify(NET_DRIVER_CH_TX_VIRT);
    rx.notify_virt = tx.notify_virt = false;
}

/*
 * Which wake-ups a sleeping driver needs. Work that any later wake-up will do anyway is
 * not worth one of its own, so two are asked for only when they matter:
 *   - a transmit completion raises an interrupt only while at least
 *     VIRTIO_NET_TX_IRQ_FRAMES frames are in the device (or a sent buffer waits for room):
 *     below that, sent buffers are collected at the next wake-up of any kind. No frame
 *     can be held up by it: fewer than that many buffers stay behind, and every client
 *     has a whole ring of them, so a sender that keeps sending fills the queue past the
 *     mark (or finds its buffers collected by the wake-up its own frames cause).
 *   - net_rx_virt's returned receive buffers signal the driver only while fewer than
 *     VIRTIO_NET_RX_LOW_FRAMES are posted to the device: above that, the next received
 *     frame's interrupt refills the queue. Posted buffers only go down by frames received,
 *     each of which wakes the driver, so it always sees the count fall below the mark.
 * Everything else is as the queue protocol says.
 */
#define VIRTIO_NET_TX_IRQ_FRAMES 32u
#define VIRTIO_NET_RX_LOW_FRAMES 32u

static bool tx_irq_wanted(void)
{
    return tx.vq.in_flight >= VIRTIO_NET_TX_IRQ_FRAMES || tx.blocked;
}

static bool rx_refill_wanted(void)
{
    return virtq_has_slot(&rx.vq) && rx.vq.in_flight < VIRTIO_NET_RX_LOW_FRAMES;
}

/* Arm every wake-up the driver needs and say whether it may sleep now: device interrupts
 * on (then the used rings re-checked), and the signal flags of the virtualisers' rings it
 * waits on. Any "no" means new work arrived: the caller goes round again. */
static bool may_sleep(void)
{
    virtq_interrupts(&rx.vq, true);
    virtq_interrupts(&tx.vq, tx_irq_wanted());
    if ((virtq_used_pending(&rx.vq) && !rx.blocked) ||
        (tx_irq_wanted() && virtq_used_pending(&tx.vq) && !tx.blocked))
        return false;
    if (rx_refill_wanted()) {
        if (!queue_ring_consumer_may_sleep(&rx.q.free))
            return false;
    } else {
        queue_ring_cancel_consumer_signal(&rx.q.free);
    }
    if (virtq_has_slot(&tx.vq) && !queue_ring_consumer_may_sleep(&tx.q.active))
        return false;
    if (rx.blocked && !queue_ring_producer_may_sleep(&rx.q.active))
        return false;
    if (tx.blocked && !queue_ring_producer_may_sleep(&tx.q.free))
        return false;
    return true;
}

/* Budget spent with work left: arm every wake-up as for a sleep, but leave each signal
 * flag set (the virtualisers' next enqueue or dequeue notifies). Used entries the device
 * wrote before its interrupts were turned back on raise no interrupt of their own: they
 * are taken at the next interrupt or notification. */
static void arm_wakeups(void)
{
    virtq_interrupts(&rx.vq, true);
    virtq_interrupts(&tx.vq, true);
    queue_ring_request_consumer_signal(&rx.q.free);
    queue_ring_request_consumer_signal(&tx.q.active);
    if (rx.blocked)
        queue_ring_request_producer_signal(&rx.q.active);
    if (tx.blocked)
        queue_ring_request_producer_signal(&tx.q.free);
}

/* Everything there is to do, within VIRTIO_NET_BUDGET: each buffer operation costs one,
 * and so does a round that moved nothing (a peer flipping its ring between "empty" and
 * "not empty" cannot keep the driver going round for free). */
static void work(void)
{
    for (unsigned budget = VIRTIO_NET_BUDGET;;) {
        virtq_interrupts(&rx.vq, false);
        virtq_interrupts(&tx.vq, false);
        unsigned moved = 0;
        moved += tx_collect(budget - moved);
        moved += rx_collect(budget - moved);
        moved += rx_refill(budget - moved);
        moved += tx_send(budget - moved);
        kick(&rx.vq, rx.notify, VIRTIO_NET_RX_QUEUE, &rx.kicks);
        kick(&tx.vq, tx.notify, VIRTIO_NET_TX_QUEUE, &tx.kicks);
        unsigned cost = moved > 0 ? moved : 1;
        if (cost >= budget) {
            arm_wakeups();
            break;
        }
        budget -= cost;
        if (moved == 0 && may_sleep())
            break;
    }
    tell_virtualisers();
}

/* ---- Entry points ------------------------------------------------------------------------ */

/* Work, once both virtualisers have acknowledged this run's generation. */
static void work_if_resynced(void)
{
    if (acknowledged())
        work();
    else
        tell_virtualisers();
}

void init(void)
{
    if (start())
        work_if_resynced();
}

/* A configuration change may be the device saying it needs a reset: then it uses no
 * buffer any more, and the driver stops (restarting it is a supervisor's decision). */
static void check_device(void)
{
    uint8_t status = virtio_pci_status(&dev);
    if (status & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
        bst_printf("virtio_net: error: device status 0x%x: the device needs a reset; the "
                   "driver stops\n",
                   status);
        running = false;
    }
}

void notified(bst_channel_t ch)
{
    if (ch == NET_DRIVER_CH_IRQ) {
        uint8_t isr = running ? virtio_pci_isr(&dev) : 0;
        bst_irq_ack(NET_DRIVER_CH_IRQ);
        interrupts++;
        if (isr & VIRTIO_ISR_CONFIG)
            check_device();
    } else if (ch != NET_DRIVER_CH_RX_VIRT && ch != NET_DRIVER_CH_TX_VIRT) {
        return;
    }
    if (running)
        work_if_resynced();
}

/* Statistics (stats.h). */
bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    if (bst_msginfo_label(msginfo) != NET_STATS || bst_mr_get(0) != NET_STATS_DEVICE ||
        (ch != NET_DRIVER_CH_RX_VIRT && ch != NET_DRIVER_CH_TX_VIRT))
        return bst_msginfo_new(NET_STATS_ERROR, 0);
    bool is_rx = ch == NET_DRIVER_CH_RX_VIRT;
    const uint64_t words[VIRTIO_NET_STATS_WORDS] = {
        is_rx ? rx.frames : tx.frames,
        is_rx ? rx.bytes : tx.bytes,
        is_rx ? rx.dropped : tx.bad_frames,
        interrupts,
        is_rx ? rx.kicks : tx.kicks,
        is_rx ? rx.bad_buffers : tx.bad_frames,
        device_errors,
        is_rx ? rx.vq.in_flight : tx.vq.in_flight,
    };
    for (unsigned i = 0; i < VIRTIO_NET_STATS_WORDS; i++)
        bst_mr_set(i, words[i]);
    return bst_msginfo_new(NET_STATS, VIRTIO_NET_STATS_WORDS);
}
