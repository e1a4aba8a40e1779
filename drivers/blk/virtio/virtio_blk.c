/*
 * virtio_blk: the virtio-blk driver PD (docs/drivers.md, "virtio-blk driver"), for a
 * virtio 1.x block device on PCI (QEMU's virtio-blk-pci, modern or transitional). It talks
 * only to its device and to blk_virt (bastion/blk/protocol.h):
 *
 *   <irq id="0">   the device's MSI-X vector 0: its request queue and configuration changes
 *   channel 1      blk_virt (BLK_DRIVER_CH_VIRT), over `virt_queue` (BLK_QUEUE_REGION_SIZE):
 *                  requests in, responses out, and the disk's struct blk_info, published
 *                  once the device is set up and its id read
 *
 * Requests name their buffers by device address: the driver never maps a data region. Its
 * own memory is one physically contiguous DMA region (dma_vaddr/dma_paddr,
 * VIRTIO_BLK_DMA_BYTES) holding the virtqueue with its request headers and status bytes
 * (blkq.h) and the buffer of the device's id, and the BAR(s) the virtio capabilities name
 * (virtio_bar<N>, <bastion/virtio/transport.h>).
 *
 * What it promises blk_virt:
 *   - every request it dequeues is answered exactly once: refused ones at once (request.h
 *     says which status), the others when the device completes them, in completion order;
 *   - it dequeues a request only when the response ring has room for the answers of all it
 *     holds plus that one, so an honest peer's response ring never refuses;
 *   - FLUSH is a barrier: once it dequeues one it dequeues nothing more until the flush is
 *     answered; the flush waits until every earlier request has completed, then goes to
 *     the device as VIRTIO_BLK_T_FLUSH (if negotiated; otherwise the device has no
 *     volatile cache to flush and the flush is answered at once); BLK_BARRIER (blk_virt's,
 *     after its own restart) is the same barrier, always answered without a device flush;
 *   - up to the queue's slots (85 with QEMU's 256 descriptors; 128 at most) requests are in
 *     the device at once;
 *   - every start (at boot, restarted over its memory at any instruction, or
 *     re-initialised from its pristine image) resets the device first, so that nothing
 *     the last run gave it is touched any more, then announces a new generation on the
 *     connection (protocol.h, struct blk_resync) and takes and answers nothing until
 *     blk_virt has acknowledged it. blk_virt has then taken every answer the last run
 *     published and issued again, after `ack_tail`, every request still unanswered; the
 *     driver discards what lies before. The driver keeps nothing of a last run: what it
 *     held is blk_virt's to issue again (docs/drivers.md, "Restart without loss").
 *
 * Nothing read from shared memory is trusted: requests are copied once and checked
 * (request.h); blkq.c answers only for used entries naming a chain in flight and judges
 * the status byte and length the device wrote. Work per wake-up is bounded
 * (VIRTIO_BLK_BUDGET).
 *
 * Interrupts and signals as the virtio-net driver: device interrupts are off while the
 * driver works and turned on just before it sleeps, followed by a re-check of the used
 * ring; the device is kicked only when it asks, once per batch; blk_virt is notified only
 * when its ring's signal flag asks, once per wake-up, and the driver sleeps by the queue
 * library's protocol on the rings it waits on.
 */
#include <stdint.h>

#include <bastion/blk/queue.h>
#include <bastion/spec.h>
#include <bastion/virtio/transport.h>
#include <libbastion/pd.h>

#include "blkq.h"
#include "request.h"
#include "virtio_blk.h"

/* Patched by the tool (setvar_vaddr / setvar_paddr); 0 when the system maps nothing. */
uintptr_t virtio_bar0, virtio_bar1, virtio_bar2, virtio_bar3, virtio_bar4, virtio_bar5;
uintptr_t dma_vaddr, dma_paddr;
uintptr_t virt_queue;

#define VIRTIO_BLK_ID_OFFSET BLKQ_AREA_BYTES /* the id buffer, after the queue's area */
#define VIRTIO_BLK_DMA_BYTES (BLKQ_AREA_BYTES + 0x1000u)
#define MSIX_VECTOR          0u
#define ID_REQUEST           0u /* blk_request.op of the driver's own GET_ID chain */
/* Requests taken or answered per wake-up at most: a queue's worth of each twice over, so
 * honest traffic never reaches it; a peer rewriting its ring, or a device flooding used
 * entries, does. */
#define VIRTIO_BLK_BUDGET    512u

enum phase {
    PHASE_DOWN,     /* not set up (or set up failed) */
    PHASE_IDENTIFY, /* the GET_ID chain in flight: no request taken yet */
    PHASE_RUNNING,
    PHASE_FAILED, /* the device is gone: every request is answered BLK_ERR_NOT_READY */
};

static struct virtio_pci dev;
static struct blkq vq;
static volatile uint16_t *notify;
static struct blk_queue conn;
static enum phase phase;
static struct blk_disk disk;
static uint64_t features;
static char serial[VIRTIO_BLK_ID_BYTES];
static bool identified; /* serial holds the device's id (kept over a restart) */

/* The generation this run announced, and whether blk_virt has acknowledged it (until then
 * the driver takes and answers nothing). */
static uint32_t generation;
static bool synced;

static struct {
    bool pending; /* a flush dequeued, waiting for the earlier requests */
    struct blk_request request;
} barrier;
static unsigned flushes_in_device;
static bool notify_virt, answered, response_blocked;
static uint64_t requests, refused, device_errors, responses_lost, interrupts, kicks;

/* ---- Answers ----------------------------------------------------------------------------- */

static void respond(struct blk_request r, enum blk_status status)
{
    struct blk_response resp = {.id = r.id,
                                .status = (uint16_t)status,
                                .count = status == BLK_OK && r.op != BLK_FLUSH ? r.count : 0};
    if (blk_enqueue_response(&conn, resp))
        answered = true;
    else
        responses_lost++; /* only a peer that rewrote its ring's head gets here */
}

/* Requests the driver holds and must answer: in the device, and a waiting flush. */
static uint32_t outstanding(void)
{
    return (uint32_t)vq.in_flight + (barrier.pending ? 1u : 0u);
}

/* ---- Start ------------------------------------------------------------------------------- */

static void give_up(void);

static bool fail(const char *why)
{
    bst_printf("virtio_blk: error: %s; the driver stops\n", why);
    give_up();
    return false;
}

static bool check_wiring(void)
{
    if (dma_vaddr == 0 || dma_paddr == 0)
        return fail("no DMA region (a <map> with setvar_vaddr=\"dma_vaddr\" and "
                    "setvar_paddr=\"dma_paddr\")");
    if (dma_paddr % 0x1000 != 0 || dma_paddr > BLK_DEVICE_ADDRESS_LIMIT - VIRTIO_BLK_DMA_BYTES)
        return fail("the DMA region's physical address is not a usable device address");
    if (virt_queue == 0)
        return fail("no virt_queue region (setvar_vaddr)");
    blk_queue_init(&conn, virt_queue);
    return true;
}

static bool find_device(void)
{
    const uintptr_t bars[VIRTIO_BAR_COUNT] = {virtio_bar0, virtio_bar1, virtio_bar2,
                                              virtio_bar3, virtio_bar4, virtio_bar5};
    const volatile uint8_t *config = (const volatile uint8_t *)(uintptr_t)BASTION_PCI_CONFIG_VADDR;
    const struct virtio_pci_want want = {.type = VIRTIO_DEVICE_BLOCK,
                                         .device_config_bytes = VIRTIO_BLK_CONFIG_BYTES};
    enum virtio_pci_status s = virtio_pci_find(config, bars, want, &dev);
    if (s != VIRTIO_PCI_OK) {
        bst_printf("virtio_blk: PCI function %04x:%04x\n", config[0] | config[1] << 8,
                   config[2] | config[3] << 8);
        dev.common = NULL;
        return fail(virtio_pci_status_name(s));
    }
    return true;
}

/* Reset, acknowledge, and agree on VERSION_1 (required) and the block features the driver
 * uses, where offered: FLUSH, RO, SIZE_MAX, SEG_MAX, BLK_SIZE; and ACCESS_PLATFORM (the
 * device is behind an IOMMU). */
static bool negotiate(void)
{
    if (!virtio_pci_reset(&dev))
        return fail("the device does not reset");
    virtio_pci_set_status(&dev, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_set_status(&dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    uint64_t offered = virtio_pci_device_features(&dev);
    if (!(offered & VIRTIO_F_VERSION_1))
        return fail("the device does not offer VIRTIO_F_VERSION_1");
    features = offered &
               (VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO | VIRTIO_BLK_F_SIZE_MAX |
                VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_F_ACCESS_PLATFORM);
    virtio_pci_set_driver_features(&dev, features);
    virtio_pci_set_status(&dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                    VIRTIO_STATUS_FEATURES_OK);
    if (!(virtio_pci_status(&dev) & VIRTIO_STATUS_FEATURES_OK))
        return fail("the device refuses the features (it may need one the driver lacks, such "
                    "as VIRTIO_F_ACCESS_PLATFORM)");
    return true;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Capacity and limits from the device configuration. */
static bool read_config(struct blkq_limits *limits, uint32_t *blk_size)
{
    uint8_t c[VIRTIO_BLK_CONFIG_BYTES];
    if (!virtio_pci_read_config(&dev, 0, c, sizeof c))
        return fail("the device configuration keeps changing while it is read");
    uint64_t sectors = (uint64_t)le32(c + VIRTIO_BLK_CONFIG_CAPACITY) |
                       (uint64_t)le32(c + VIRTIO_BLK_CONFIG_CAPACITY + 4) << 32;
    disk.blocks = sectors / BLK_SECTORS_PER_BLOCK;
    disk.read_only = (features & VIRTIO_BLK_F_RO) != 0;
    limits->size_max = features & VIRTIO_BLK_F_SIZE_MAX ? le32(c + VIRTIO_BLK_CONFIG_SIZE_MAX) : 0;
    limits->seg_max = features & VIRTIO_BLK_F_SEG_MAX ? le32(c + VIRTIO_BLK_CONFIG_SEG_MAX) : 0;
    *blk_size = features & VIRTIO_BLK_F_BLK_SIZE ? le32(c + VIRTIO_BLK_CONFIG_BLK_SIZE) : 512;
    if (*blk_size < BLK_SECTOR_SIZE || *blk_size > BLK_BLOCK_SIZE ||
        (*blk_size & (*blk_size - 1)) != 0)
        return fail("the device's block size is not a power of two from 512 to 4096 bytes");
    return true;
}

/* The request queue over the DMA region: the largest power of two both sides allow. */
static bool setup_queue(struct blkq_limits limits)
{
    if (virtio_pci_num_queues(&dev) < 1)
        return fail("the device has no queue");
    uint16_t max = virtio_pci_queue_max(&dev, VIRTIO_BLK_REQUEST_QUEUE), size = BLKQ_MAX_SIZE;
    while (size > max)
        size /= 2;
    notify = virtio_pci_queue_notify(&dev);
    if (notify == NULL)
        return fail("the queue's notify address lies outside the notify structure");
    switch (blkq_init(&vq, (void *)dma_vaddr, dma_paddr, size, limits)) {
    case BLKQ_INIT_OK:
        break;
    case BLKQ_INIT_BAD_SIZE:
        return fail("the request queue is missing or too small");
    case BLKQ_INIT_LIMITS:
        return fail("a 128 KiB request does not fit the device's size_max and seg_max");
    }
    struct blkq_addresses a = blkq_addresses(&vq);
    if (!virtio_pci_queue_setup(&dev, size, MSIX_VECTOR, a.desc, a.avail, a.used))
        return fail("the device refuses MSI-X vector 0 for its queue");
    if (!virtio_pci_config_vector(&dev, MSIX_VECTOR))
        return fail("the device refuses MSI-X vector 0 for configuration changes");
    return true;
}

static struct blkq_chain chain_of(struct blk_request r)
{
    if (r.op == BLK_FLUSH)
        return (struct blkq_chain){.type = VIRTIO_BLK_T_FLUSH};
    return (struct blkq_chain){.type = r.op == BLK_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT,
                               .sector = r.block * BLK_SECTORS_PER_BLOCK,
                               .data = r.offset,
                               .data_bytes = r.count * BLK_BLOCK_SIZE};
}

/* Hand a checked request (or a flush whose turn has come) to the device. */
static void issue(struct blk_request r)
{
    if (!blkq_post(&vq, chain_of(r), r)) {
        respond(r, BLK_ERR_IO); /* no slot: only after a restart onto a smaller queue */
        return;
    }
    if (r.op == BLK_FLUSH)
        flushes_in_device++;
}

/* The flush's (or a BLK_BARRIER's) turn: every earlier request has completed. */
static void start_barrier(void)
{
    barrier.pending = false;
    if (barrier.request.op == BLK_FLUSH && (features & VIRTIO_BLK_F_FLUSH))
        issue(barrier.request);
    else
        respond(barrier.request, BLK_OK); /* no volatile cache: the writes are durable */
}

/* Forget whatever a last run left in this memory (a restart keeps it, stopped at any
 * instruction): its requests are blk_virt's to issue again. */
static void forget_last_run(void)
{
    phase = PHASE_DOWN;
    synced = false;
    vq.size = 0;
    vq.in_flight = 0;
    barrier.pending = false;
    flushes_in_device = 0;
    notify_virt = answered = response_blocked = false;
}

/* The device is reset: tell blk_virt that this is a new run (it answers with what to
 * discard, then issues again what it has no answer for). */
static void announce(void)
{
    generation = blk_resync_announce(&conn);
    notify_virt = true;
    if (generation > 1)
        bst_printf("virtio_blk: restarted: generation %u, waiting for blk_virt\n", generation);
}

/* Whether blk_virt has acknowledged this run's generation (checked until it has). */
static bool check_synced(void)
{
    if (!synced && generation != 0 && blk_resync_acknowledged(&conn, generation)) {
        synced = true;
        notify_virt = true; /* its requests ring has room again */
    }
    return synced;
}

static void publish_info(void)
{
    unsigned n = 0;
    while (n < VIRTIO_BLK_ID_BYTES && serial[n] != '\0')
        n++;
    blk_info_publish(&conn, disk.blocks, disk.read_only, serial, n);
}

static void print_start(uint32_t blk_size)
{
    bst_printf("virtio_blk: PCI %04x:%04x, %lu blocks of 4 KiB (%lu MiB)%s, block size %u, "
               "queue %u (%u requests in flight, %u data segments of %u bytes), features "
               "0x%lx (VERSION_1%s%s%s%s%s%s), MSI-X vector 0\n",
               VIRTIO_PCI_VENDOR, dev.device_id, (unsigned long)disk.blocks,
               (unsigned long)(disk.blocks / 256), disk.read_only ? ", read-only" : "", blk_size,
               vq.size, vq.slots, vq.segments, vq.segment_bytes, (unsigned long)features,
               features & VIRTIO_BLK_F_FLUSH ? ", FLUSH" : "",
               features & VIRTIO_BLK_F_RO ? ", RO" : "",
               features & VIRTIO_BLK_F_SIZE_MAX ? ", SIZE_MAX" : "",
               features & VIRTIO_BLK_F_SEG_MAX ? ", SEG_MAX" : "",
               features & VIRTIO_BLK_F_BLK_SIZE ? ", BLK_SIZE" : "",
               features & VIRTIO_F_ACCESS_PLATFORM ? ", ACCESS_PLATFORM" : "");
}

static bool start(void)
{
    forget_last_run();
    if (!check_wiring() || !find_device() || !negotiate())
        return false;
    announce(); /* the device is reset: it uses no buffer of the last run any more */
    struct blkq_limits limits;
    uint32_t blk_size;
    if (!read_config(&limits, &blk_size) || !setup_queue(limits))
        return false;
    virtio_pci_set_status(&dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                    VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    if (generation <= 1)
        print_start(blk_size);
    if (identified) {
        publish_info();
        phase = PHASE_RUNNING;
        return true;
    }
    struct blkq_chain id = {.type = VIRTIO_BLK_T_GET_ID,
                            .data = dma_paddr + VIRTIO_BLK_ID_OFFSET,
                            .data_bytes = VIRTIO_BLK_ID_BYTES};
    if (!blkq_post(&vq, id, (struct blk_request){.op = ID_REQUEST}))
        return fail("no slot for the GET_ID request");
    phase = PHASE_IDENTIFY;
    return true;
}

/* The device's id arrived (or the device does not give one: an empty serial). */
static void identify_done(const struct blkq_completion *c)
{
    const volatile char *id = (const volatile char *)(dma_vaddr + VIRTIO_BLK_ID_OFFSET);
    bool end = blkq_result(c) != BLK_OK;
    for (unsigned i = 0; i < VIRTIO_BLK_ID_BYTES; i++) {
        char ch = end ? '\0' : id[i]; /* read once */
        end |= ch == '\0';
        serial[i] = end ? '\0' : ch >= 0x20 && ch < 0x7f ? ch : '?'; /* printable only */
    }
    identified = true;
    publish_info();
    notify_virt = true; /* blk_virt may wait for the info */
    phase = PHASE_RUNNING;
    bst_printf("virtio_blk: serial '%.20s'; serving blk_virt\n", serial);
}

/* ---- The device stops -------------------------------------------------------------------- */

/* Reset the device (so it touches no buffer any more), answer everything held with
 * BLK_ERR_IO, and from now on answer each request BLK_ERR_NOT_READY. */
static void give_up(void)
{
    if (dev.common != NULL) {
        virtio_pci_set_status(&dev, (uint8_t)(virtio_pci_status(&dev) | VIRTIO_STATUS_FAILED));
        (void)virtio_pci_reset(&dev);
    }
    /* What the device held (this run's only: a start forgets the last run's first). */
    static struct blk_request held[BLKQ_MAX_SLOTS];
    unsigned n = blkq_held(&vq, held);
    for (unsigned i = 0; i < n && conn.info != NULL; i++)
        if (held[i].op != ID_REQUEST)
            respond(held[i], BLK_ERR_IO);
    if (barrier.pending && conn.info != NULL)
        respond(barrier.request, BLK_ERR_IO);
    barrier.pending = false;
    vq.size = 0; /* holds nothing now */
    vq.in_flight = 0;
    flushes_in_device = 0;
    phase = conn.info != NULL ? PHASE_FAILED : PHASE_DOWN;
}

/* ---- The work ---------------------------------------------------------------------------- */

/* Answer what the device completed, in completion order. */
static unsigned collect(unsigned budget)
{
    unsigned moved = 0;
    /* Whether anything is there first: a completion is a large value to make for nothing. */
    while (moved < budget && blkq_used_pending(&vq)) {
        struct blkq_completion c = blkq_take(&vq);
        if (c.status == BLKQ_NONE)
            break;
        moved++;
        if (c.status == BLKQ_BAD_ID) {
            device_errors++;
            continue;
        }
        if (c.request.op == ID_REQUEST) {
            identify_done(&c);
            continue;
        }
        if (c.request.op == BLK_FLUSH && flushes_in_device > 0)
            flushes_in_device--;
        respond(c.request, blkq_result(&c));
        if (barrier.pending && vq.in_flight == 0)
            start_barrier();
    }
    return moved;
}

/* Whether the driver may dequeue another request now: no barrier in the way, a slot free,
 * and room on the response ring for the answers of everything held plus this one. */
static bool can_take(void)
{
    response_blocked = false;
    if (barrier.pending || flushes_in_device > 0 || !blkq_has_slot(&vq))
        return false;
    uint32_t used = queue_ring_length(&conn.response);
    response_blocked = BLK_QUEUE_CAPACITY - used <= outstanding();
    return !response_blocked;
}

/* Take requests from blk_virt: refuse, answer (a flush with nothing before it and no
 * FLUSH feature), hold (a flush with requests before it) or issue each. */
static unsigned serve(unsigned budget)
{
    unsigned moved = 0;
    struct blk_request r;
    /* The ring's emptiness first: can_take() weighs the response ring and the device's
     * room, which a wake-up by the device alone (nothing new from blk_virt) need not. */
    while (moved < budget && !queue_ring_empty(&conn.request) && can_take() &&
           blk_dequeue_request(&conn, &r)) {
        moved++;
        requests++;
        enum blk_status s = blk_request_check(&r, disk);
        if (s != BLK_OK) {
            refused++;
            respond(r, s);
        } else if (r.op == BLK_FLUSH || r.op == BLK_BARRIER) {
            barrier.pending = true;
            barrier.request = r;
            if (vq.in_flight == 0)
                start_barrier();
        } else {
            issue(r);
        }
    }
    if (moved > 0 && queue_ring_should_notify_producer(&conn.request))
        notify_virt = true;
    return moved;
}

/* A device that is gone: answer each request BLK_ERR_NOT_READY while there is room. */
static unsigned refuse_all(unsigned budget)
{
    unsigned moved = 0;
    struct blk_request r;
    while (moved < budget && !queue_ring_full(&conn.response) && blk_dequeue_request(&conn, &r)) {
        moved++;
        respond(r, BLK_ERR_NOT_READY);
    }
    if (moved > 0 && queue_ring_should_notify_producer(&conn.request))
        notify_virt = true;
    return moved;
}

/* Notify blk_virt once, if answers went out and it asked for a signal, or it waits for
 * room on the request ring (serve() and refuse_all() set notify_virt). The signal is
 * deferred: the PD runtime sends it with the driver's next wait, one system call. */
static void tell_virt(void)
{
    if (answered && queue_ring_should_notify_consumer(&conn.response))
        notify_virt = true;
    if (notify_virt)
        bst_deferred_notify(BLK_DRIVER_CH_VIRT);
    notify_virt = answered = false;
}

static void kick(void)
{
    if (blkq_publish(&vq) && blkq_kick_wanted(&vq)) {
        *notify = VIRTIO_BLK_REQUEST_QUEUE;
        kicks++;
    }
}

/* Arm every wake-up the driver needs and say whether it may sleep now: device interrupts
 * on (then the used ring re-checked), the request ring's signal flag while the driver
 * could take a request, the response ring's while it waits for room there with nothing
 * in the device to wake it. Any "no" means new work arrived: the caller goes round again. */
static bool may_sleep(void)
{
    blkq_interrupts(&vq, true);
    if (blkq_used_pending(&vq))
        return false;
    if (phase != PHASE_RUNNING || !check_synced())
        return true; /* identifying: the GET_ID completion wakes the driver; waiting for
                        blk_virt's acknowledgement: its notification does */
    if (can_take()) {
        if (!queue_ring_consumer_may_sleep(&conn.request))
            return false;
    } else {
        queue_ring_cancel_consumer_signal(&conn.request);
    }
    if (response_blocked && vq.in_flight == 0 && !queue_ring_producer_may_sleep(&conn.response))
        return false;
    return true;
}

/* Budget spent with work left: arm every wake-up, leaving each signal flag set (blk_virt's
 * next enqueue or dequeue notifies). */
static void arm_wakeups(void)
{
    blkq_interrupts(&vq, true);
    queue_ring_request_consumer_signal(&conn.request);
    queue_ring_request_producer_signal(&conn.response);
}

/* Everything there is to do, within VIRTIO_BLK_BUDGET: each request taken or answered costs
 * one, and so does a round that moved nothing. */
static void work(void)
{
    for (unsigned budget = VIRTIO_BLK_BUDGET;;) {
        blkq_interrupts(&vq, false);
        unsigned moved = collect(budget);
        if (phase == PHASE_RUNNING && check_synced())
            moved += serve(budget - moved);
        kick();
        unsigned cost = moved > 0 ? moved : 1;
        if (cost >= budget) {
            arm_wakeups();
            break;
        }
        budget -= cost;
        /* After a pass that moved something too: may_sleep() re-checks the used ring and the
         * request ring after arming their wake-ups, which is all an empty second pass would
         * look at. */
        if (may_sleep())
            break;
    }
    tell_virt();
}

/* The device stopped: answer each new request BLK_ERR_NOT_READY, within the budget, then
 * sleep on whichever ring holds the driver up. */
static void work_failed(void)
{
    if (!check_synced()) {
        tell_virt();
        return;
    }
    for (unsigned budget = VIRTIO_BLK_BUDGET;;) {
        unsigned moved = refuse_all(budget);
        unsigned cost = moved > 0 ? moved : 1;
        if (cost >= budget) {
            queue_ring_request_consumer_signal(&conn.request);
            queue_ring_request_producer_signal(&conn.response);
            break;
        }
        budget -= cost;
        if (moved == 0 &&
            (queue_ring_full(&conn.response) ? queue_ring_producer_may_sleep(&conn.response)
                                             : queue_ring_consumer_may_sleep(&conn.request)))
            break;
    }
    tell_virt();
}

/* ---- Entry points ------------------------------------------------------------------------ */

void init(void)
{
    if (start())
        work();
    else if (phase == PHASE_FAILED)
        work_failed();
}

/* A configuration change may be the device saying it needs a reset: then the driver gives
 * up (restarting it is a supervisor's decision). A change of capacity is not followed. */
static void check_device(void)
{
    uint8_t status = virtio_pci_status(&dev);
    if (status & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
        bst_printf("virtio_blk: error: device status 0x%x: the device needs a reset; the "
                   "driver stops\n",
                   status);
        give_up();
    }
}

void notified(bst_channel_t ch)
{
    if (ch == BLK_DRIVER_CH_IRQ) {
        bool live = phase == PHASE_IDENTIFY || phase == PHASE_RUNNING;
        uint8_t isr = live ? virtio_pci_isr(&dev) : 0;
        bst_irq_ack(BLK_DRIVER_CH_IRQ);
        interrupts++;
        if (isr & VIRTIO_ISR_CONFIG)
            check_device();
    } else if (ch != BLK_DRIVER_CH_VIRT) {
        return;
    }
    if (phase == PHASE_IDENTIFY || phase == PHASE_RUNNING)
        work();
    else if (phase == PHASE_FAILED)
        work_failed();
}
