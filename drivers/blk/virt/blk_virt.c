/*
 * blk_virt: the partitioning block virtualiser PD (docs/drivers.md, "blk_virt: partitions").
 * It reads the disk's partition table through the driver, gives each client the one
 * partition system.xml names for it, and passes the clients' requests to the driver,
 * fairly, after checking each against the client's partition and data region.
 *
 *   channel 0      the driver: driver_queue; requests name disk blocks and device addresses
 *   channel 1 + i  client i: clientI_queue (none: the client does not exist), its data
 *                  region's physical address clientI_data_paddr (mapped here only to learn
 *                  it), its partition number clientI_partition (1-based, as Linux numbers)
 *   dma_vaddr, dma_paddr   its own DMA region (BLK_VIRT_DMA_SIZE bytes at least), where the
 *                  driver reads the partition table for it
 *
 * Start: once the driver's blk_info is ready (the driver notifies channel 0 when it
 * publishes it), blk_virt reads block 0 and, for GPT, the blocks of the entry array, and
 * parses them (partition.c). A refused table is printed ("blk_virt: partition table
 * refused: GPT entry 3 overlaps entry 1") and no client gets an info; each client that has
 * its partition gets the partition's blk_info (blocks, the disk's read_only and serial).
 * Client requests wait on their rings until then; afterwards a client without a disk has
 * every request answered BLK_ERR_NOT_READY.
 *
 * What it guarantees whatever a client does: a request reaches the driver only if it is a
 * known op, its blocks lie inside the client's partition and its buffer inside the
 * client's data region; a refused request is answered at once and nothing reaches the
 * driver. Every dequeued request is answered exactly once, to the client that sent it,
 * with its own id. Clients take turns of BLK_VIRT_BATCH requests; none may hold more than
 * its share of the driver's slots (BLK_VIRT_SLOTS / clients with a disk), so a greedy one
 * cannot starve a light one. A client whose ring indices are corrupt gets no turns until
 * they are sane. Whatever the driver answers, an id that is not in flight (unknown,
 * answered already) is ignored and counted.
 *
 * A driver that restarts (any instruction, memory kept or pristine) announces a new
 * generation on its connection (protocol.h, struct blk_resync). blk_virt then takes every
 * answer the last run published, acknowledges the generation with its request ring's tail
 * (the driver discards everything before it), and issues again, in the order it first sent
 * them and under fresh slot generations, every request still in flight. So each request is
 * answered to its client exactly once, and no copy of it can reach the device after that
 * answer (docs/drivers.md, "Restart without loss"). The setvar `resync_broken` (tests
 * only) acknowledges without issuing anything again: the test must then see requests lost.
 *
 * blk_virt itself may be restarted (over its memory or from its pristine image) by its
 * supervisor (docs/drivers.md, "Restarting blk_virt"). A restarted run (PD generation E > 0)
 * keeps nothing of the last: it first acknowledges the driver's generation again and sends
 * the driver a BLK_BARRIER under an id of its own run, and takes every answer before the
 * barrier's as stale: the driver's ring is in order and a barrier is answered only after
 * every request before it, so once the barrier is answered no request of an earlier run is
 * anywhere (and its slot generations start at E << 16, so a stale id could not match one
 * of its slots anyway). It reads the table again, then announces E on each client's
 * connection (struct blk_resync) and takes and answers nothing of that client until the
 * client has acknowledged E: the client library has then taken the last run's answers and
 * submits again, after `ack_tail`, every request still unanswered; the requests before
 * `ack_tail` are discarded. The setvar `virt_resync_broken` (tests only) skips the barrier
 * and the run's id epoch (1) or the clients' handshake (2): the restart test must then see
 * a client corrupted or a request lost.
 */
#include <stdbool.h>
#include <stdint.h>

#include <bastion/blk/check.h>
#include <bastion/blk/queue.h>
#include <bastion/driver/recovery_stamp.h>
#include <libbastion/fault_inject.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#include "partition.h"

#define BLK_VIRT_BATCH        8u                 /* requests taken from one client per turn */
#define BLK_VIRT_SLOTS        BLK_QUEUE_CAPACITY /* requests in flight at the driver at most */
#define BLK_VIRT_ARRAY_OFFSET BLK_BLOCK_SIZE     /* the GPT entry array's place in the DMA region */
#define BLK_VIRT_DMA_SIZE                                                                          \
    (BLK_VIRT_ARRAY_OFFSET + PARTITION_GPT_MAX_SPAN_BLOCKS * BLK_BLOCK_SIZE) /* 0xa000 */

/* Driver ids: a slot in the low 8 bits and the slot's generation above them, so that a
 * stale or repeated answer for a reused slot is told apart. The start-up reads use slot
 * field 0xff, never a slot. */
#define ID_SLOT_BITS    8u
#define ID_SLOT_MASK    0xffu
#define ID_BOOT_HEAD    0x1ffu
#define ID_BOOT_ARRAY   0x2ffu
/* A restarted run's barrier: slot field 0xff, 0x3 above it, the run's generation above
 * that, so that no earlier run's barrier is taken for this one's. */
#define ID_BARRIER_LOW  0x3ffu
#define ID_BARRIER_BITS 10u
/* A run's slot generations start at its PD generation's low 8 bits times this. */
#define ID_EPOCH_SHIFT  16u

_Static_assert(BLK_VIRT_SLOTS <= ID_SLOT_MASK, "a slot number fits below the boot ids");
_Static_assert(PARTITION_GPT_MAX_SPAN_BLOCKS <= BLK_MAX_REQUEST_BLOCKS,
               "the entry array is one read request");
_Static_assert(BLK_VIRT_DMA_SIZE <= 0x10000u, "the documented DMA region (64 KiB) holds the reads");

/* setvar_vaddr / setvar_paddr / <setvar value=...> */
uintptr_t driver_queue;
uintptr_t dma_vaddr, dma_paddr;
uintptr_t client0_queue, client1_queue, client2_queue, client3_queue;
uintptr_t client4_queue, client5_queue, client6_queue, client7_queue;
uintptr_t client0_data_paddr, client1_data_paddr, client2_data_paddr, client3_data_paddr;
uintptr_t client4_data_paddr, client5_data_paddr, client6_data_paddr, client7_data_paddr;
uint64_t client0_partition, client1_partition, client2_partition, client3_partition;
uint64_t client4_partition, client5_partition, client6_partition, client7_partition;
uint64_t resync_broken;      /* <setvar value="1">: tests only, loses what a restart held */
uint64_t virt_resync_broken; /* tests only: 1: no barrier, no id epoch; 2: no client handshake */
uintptr_t recovery_stamp;    /* setvar_vaddr, benchmarks only: struct recovery_stamp */

enum phase {
    PHASE_WAIT_DISK,  /* the driver's info is not ready yet */
    PHASE_QUIESCE,    /* restarted: the barrier asked for, earlier runs' requests still out */
    PHASE_READ_HEAD,  /* block 0 asked for */
    PHASE_READ_ARRAY, /* the GPT entry array asked for */
    PHASE_SERVING,    /* the table is accepted */
    PHASE_REFUSED,    /* no table (refused, unreadable, or no driver): nobody gets a disk */
};

struct blk_virt_stats {
    uint64_t requests; /* dequeued */
    uint64_t refused;  /* answered at once, nothing sent to the driver */
    uint64_t errors;   /* the driver's answer was not BLK_OK */
    uint64_t lost;     /* answers its (corrupt) response ring would not take */
};

struct client {
    bool present; /* it has a queue region */
    bool served;  /* it has a partition and its info is published */
    bool synced;  /* it acknowledged this run (always, in a first run) */
    bool notify;
    uint32_t partition;   /* the number it asked for */
    uint64_t first_block; /* the partition's first disk block */
    uint64_t blocks;      /* the partition's size in blocks */
    uint64_t paddr;       /* its data region's device address */
    uint32_t in_flight;   /* its requests at the driver */
    struct blk_queue queue;
    struct blk_virt_stats stats;
};

struct slot {
    bool busy;
    uint8_t client;
    uint32_t generation; /* 24 bits used */
    uint32_t client_id;
    uint32_t count;
    uint64_t order;             /* when it was first sent: a restart sends again in this order */
    struct blk_request request; /* as the driver was given it, but for the id */
};

static struct client clients[BLK_MAX_CLIENTS];
static unsigned client_count, served_count;
/* The clients that exist, by index: the loops of every wake-up visit only these. */
static uint8_t present_clients[BLK_MAX_CLIENTS];
static unsigned next_turn;  /* into present_clients[] */
static uint32_t client_cap; /* slots one client may hold */

static struct slot slots[BLK_VIRT_SLOTS];
static uint32_t free_slots[BLK_VIRT_SLOTS], free_count;
static uint64_t sent_order;

/* After a driver restart: the slots to send again, oldest first, and how many are sent. */
static uint32_t again[BLK_VIRT_SLOTS], again_count, again_sent;
static bool resyncing; /* taking the last run's answers */

static enum phase phase;
static bool boot_read_pending; /* a start-up read waits for room on the driver's ring */
static struct partition_table table;
static struct partition_gpt gpt;
static uint8_t head_copy[PARTITION_HEAD_BYTES];
static uint8_t array_copy[PARTITION_GPT_MAX_SPAN_BLOCKS * BLK_BLOCK_SIZE];

static struct {
    bool present;
    bool notify;
    struct blk_queue queue;
    struct blk_info info;
    uint64_t sectors;
    uint32_t busy;          /* slots in use */
    uint64_t bad_responses; /* ids not in flight: unknown, or answered already */
    uint32_t acknowledged;  /* the driver generation resynchronised with (0: none yet) */
    uint64_t restarts, reissued;
} driver;

/* ---- Start: the partition table ---------------------------------------------------------- */

static void announce_clients(void);

static void refuse_all(const char *why)
{
    bst_printf("blk_virt: %s; no client gets a disk\n", why);
    phase = PHASE_REFUSED;
    boot_read_pending = false;
    announce_clients();
}

/* Ask the driver for `count` blocks from `block` into the DMA region at `offset` (or, with
 * op BLK_FLUSH, for the barrier). */
static uint32_t boot_id, boot_count;
static uint16_t boot_op;
static uint64_t boot_block, boot_offset;

/* This run's PD generation (0: the first run) and, if restarted, its barrier's id; the
 * clients that have not acknowledged it yet. */
static uint32_t epoch, barrier_id, unsynced_clients;

static void boot_read(uint32_t id, uint64_t block, uint32_t count, uint64_t offset)
{
    boot_op = BLK_READ;
    boot_id = id;
    boot_block = block;
    boot_count = count;
    boot_offset = offset;
    boot_read_pending = true;
}

static void send_boot_read(void)
{
    struct blk_request r = {.id = boot_id, .op = boot_op};
    if (boot_op == BLK_READ) {
        r.count = boot_count;
        r.block = boot_block;
        r.offset = dma_paddr + boot_offset;
    }
    if (!blk_enqueue_request(&driver.queue, r))
        return; /* a full ring at start: the driver's own doing; retried at the next wake */
    boot_read_pending = false;
    bst_fault_point("virt-boot-request");
    if (queue_ring_should_notify_consumer(&driver.queue.request))
        driver.notify = true;
}

/* Copy from the DMA region (the device wrote it; it is read once, here). */
static void copy_in(uint8_t *to, uint64_t offset, uint32_t bytes)
{
    const volatile uint8_t *from = (const volatile uint8_t *)(dma_vaddr + offset);
    for (uint32_t i = 0; i < bytes; i++)
        to[i] = from[i];
}

static void print_partition(const struct partition *p)
{
    if (epoch != 0)
        return; /* printed by the first run */
    bst_printf("blk_virt:   %u: sectors %llu+%llu (%llu blocks)", p->number,
               (unsigned long long)p->first_lba, (unsigned long long)p->sectors,
               (unsigned long long)p->blocks);
    if (table.scheme == PARTITION_SCHEME_MBR)
        bst_printf(" type 0x%x\n", p->mbr_type);
    else
        bst_printf(" \"%s\"\n", p->name);
}

static unsigned serial_length(void)
{
    unsigned n = 0;
    while (n < sizeof driver.info.serial && driver.info.serial[n] != '\0')
        n++;
    return n;
}

/* The table is accepted: give each client its partition. */
static void publish(void)
{
    phase = PHASE_SERVING;
    if (epoch == 0)
        bst_printf("blk_virt: %s: %u partitions\n",
                   table.scheme == PARTITION_SCHEME_GPT ? "GPT" : "MBR", table.count);
    for (uint32_t i = 0; i < table.count; i++)
        print_partition(&table.parts[i]);
    for (unsigned i = 0; i < BLK_MAX_CLIENTS; i++) {
        struct client *c = &clients[i];
        if (!c->present)
            continue;
        const struct partition *p = partition_find(&table, c->partition);
        bool taken = false;
        for (unsigned k = 0; k < i; k++)
            taken |= clients[k].served && clients[k].partition == c->partition;
        if (p == NULL || taken) {
            bst_printf("blk_virt: client %u: partition %u %s; it gets no disk\n", i, c->partition,
                       p == NULL ? "is not in the table" : "is another client's");
            continue;
        }
        c->first_block = p->first_lba / PARTITION_SECTORS_PER_BLK;
        c->blocks = p->blocks;
        c->served = true;
        served_count++;
        blk_info_publish(&c->queue, c->blocks, driver.info.read_only != 0, driver.info.serial,
                         serial_length());
        c->notify = true;
        if (epoch == 0)
            bst_printf("blk_virt: client %u: partition %u, %llu blocks%s\n", i, c->partition,
                       (unsigned long long)c->blocks, driver.info.read_only ? ", read-only" : "");
    }
    client_cap = served_count > 0 ? BLK_VIRT_SLOTS / served_count : BLK_VIRT_SLOTS;
    if (epoch != 0)
        bst_printf("blk_virt: restarted: generation %u, %llu stale driver answers dropped; "
                   "waiting for %u clients\n",
                   epoch, (unsigned long long)driver.bad_responses, client_count);
    announce_clients();
}

static void table_result(struct partition_result r)
{
    if (r.step == PARTITION_DONE) {
        publish();
    } else if (r.step == PARTITION_NEED_ARRAY) {
        struct partition_span span = partition_gpt_span(&gpt);
        if (span.count == 0) {
            table_result(partition_parse_gpt_entries(&gpt, array_copy, 0, driver.sectors, &table));
            return;
        }
        phase = PHASE_READ_ARRAY;
        boot_read(ID_BOOT_ARRAY, span.first, span.count, BLK_VIRT_ARRAY_OFFSET);
    } else {
        char why[200];
        bst_printf("blk_virt: partition table refused: %s\n",
                   partition_describe(&r.error, why, sizeof why));
        refuse_all("no partition table");
    }
}

static void wait_disk(void);

/* An answer to a start-up read or to the barrier. */
static void boot_response(const struct blk_response *resp)
{
    bool expected = (phase == PHASE_READ_HEAD && resp->id == ID_BOOT_HEAD) ||
                    (phase == PHASE_READ_ARRAY && resp->id == ID_BOOT_ARRAY) ||
                    (phase == PHASE_QUIESCE && resp->id == barrier_id);
    if (!expected || boot_read_pending) {
        driver.bad_responses++;
        return;
    }
    if (phase == PHASE_QUIESCE) { /* whatever its status: nothing before it is out now */
        bst_fault_point("virt-quiesced");
        phase = PHASE_WAIT_DISK;
        wait_disk();
        return;
    }
    if (resp->status != BLK_OK) {
        bst_printf("blk_virt: reading the partition table failed: the driver answered status "
                   "%u\n",
                   resp->status);
        refuse_all("no partition table");
        return;
    }
    if (phase == PHASE_READ_HEAD) {
        copy_in(head_copy, 0, PARTITION_HEAD_BYTES);
        table_result(partition_parse_head(head_copy, driver.sectors, &table, &gpt));
        return;
    }
    struct partition_span span = partition_gpt_span(&gpt);
    copy_in(array_copy, BLK_VIRT_ARRAY_OFFSET, span.count * BLK_BLOCK_SIZE);
    table_result(partition_parse_gpt_entries(&gpt, array_copy + span.offset, span.bytes,
                                             driver.sectors, &table));
}

/* While waiting for the disk: once the driver's info is ready, ask for block 0. */
static void wait_disk(void)
{
    if (__atomic_load_n(&driver.queue.info->ready, __ATOMIC_ACQUIRE) == 0)
        return;
    if (!blk_info_read(&driver.queue, &driver.info)) {
        bst_printf("blk_virt: the driver's block size is %u, not %u\n", driver.info.block_size,
                   BLK_BLOCK_SIZE);
        refuse_all("no usable disk");
        return;
    }
    if (driver.info.blocks > UINT64_MAX / PARTITION_SECTORS_PER_BLK) {
        refuse_all("the driver reports an impossible number of blocks");
        return;
    }
    driver.sectors = driver.info.blocks * PARTITION_SECTORS_PER_BLK;
    if (epoch == 0)
        bst_printf("blk_virt: disk of %llu blocks%s, serial \"%s\"\n",
                   (unsigned long long)driver.info.blocks,
                   driver.info.read_only ? " (read-only)" : "", driver.info.serial);
    phase = PHASE_READ_HEAD;
    boot_read(ID_BOOT_HEAD, 0, 1, 0);
}

/* ---- Serving ----------------------------------------------------------------------------- */

/* Answer client c; a response ring that will not take it is the client's own corruption
 * (room was checked before its request was taken). */
static void respond(struct client *c, uint32_t id, enum blk_status status, uint32_t count)
{
    struct blk_response r = {.id = id, .status = (uint16_t)status, .count = count};
    if (!blk_enqueue_response(&c->queue, r)) {
        c->stats.lost++;
        return;
    }
    if (queue_ring_should_notify_consumer(&c->queue.response))
        c->notify = true;
}

/* Room on c's response ring for one more answer beyond those it is owed already. */
static bool answerable(const struct client *c)
{
    const struct queue_ring_handle *r = &c->queue.response;
    uint32_t head = __atomic_load_n(&r->shared->head, __ATOMIC_ACQUIRE);
    uint32_t tail = __atomic_load_n(&r->shared->tail, __ATOMIC_RELAXED);
    uint32_t room = r->capacity - queue_ring_count(r, head, tail);
    return room > c->in_flight;
}

/* Whether the driver can take one more request. */
static bool driver_room(void)
{
    return free_count > 0 && again_sent == again_count && !queue_ring_full(&driver.queue.request);
}

/* Decode: the status a request of client c gets from blk_virt itself; BLK_OK means it may
 * go to the driver. Checked in this order: no disk, op and count, read-only, range,
 * buffer. No sum overflows. */
static enum blk_status check_request(const struct client *c, const struct blk_request *r)
{
    if (!c->served)
        return BLK_ERR_NOT_READY;
    return blk_check_request(r, c->blocks, driver.info.read_only != 0, BLK_DATA_REGION_SIZE);
}

/* Perform: a checked request of client i to the driver, translated (room checked). */
static void forward(unsigned i, const struct blk_request *r)
{
    struct client *c = &clients[i];
    uint32_t s = free_slots[--free_count];
    struct slot *slot = &slots[s];
    slot->busy = true;
    slot->client = (uint8_t)i;
    slot->generation = (slot->generation + 1) & 0xffffffu;
    slot->client_id = r->id;
    slot->count = r->op == BLK_FLUSH ? 0 : r->count;
    struct blk_request d = {.id = s | slot->generation << ID_SLOT_BITS, .op = r->op};
    if (r->op != BLK_FLUSH) {
        d.count = r->count;
        d.block = c->first_block + r->block;
        d.offset = c->paddr + r->offset;
    }
    slot->request = d;
    slot->order = sent_order++;
    blk_enqueue_request(&driver.queue, d); /* room checked */
    c->in_flight++;
    driver.busy++;
    if (queue_ring_should_notify_consumer(&driver.queue.request))
        driver.notify = true;
}

/* Whether client c may give a request now, not counting the driver's room. */
static bool may_take(const struct client *c)
{
    return c->in_flight < client_cap && answerable(c);
}

/* Whether client c gets turns now: requests queued, sane indices, room to answer. */
static bool has_turn(const struct client *c)
{
    return c->present && c->synced && !queue_ring_corrupt(&c->queue.request) &&
           !queue_ring_empty(&c->queue.request) && may_take(c);
}

/* Up to BLK_VIRT_BATCH requests of client i; false when the driver has no room. A client
 * that waits for room on its request ring is signalled once requests were taken. */
static bool take_turn(unsigned i)
{
    struct client *c = &clients[i];
    bool driver_full = false;
    unsigned taken = 0;
    while (taken < BLK_VIRT_BATCH) {
        driver_full = !driver_room();
        struct blk_request r;
        if (driver_full || !may_take(c) || !blk_dequeue_request(&c->queue, &r))
            break;
        taken++;
        c->stats.requests++;
        bst_fault_point("virt-request-taken");
        enum blk_status status = check_request(c, &r);
        if (status != BLK_OK) {
            c->stats.refused++;
            respond(c, r.id, status, 0);
            continue;
        }
        forward(i, &r);
        bst_fault_point("virt-forwarded");
    }
    if (taken > 0 && queue_ring_should_notify_producer(&c->queue.request))
        c->notify = true;
    return !driver_full;
}

/* After a driver restart, the requests it may have lost, oldest first, as the ring has
 * room; nothing new goes to the driver before them. */
static void send_again(void)
{
    while (again_sent < again_count) {
        uint32_t s = again[again_sent];
        if (!blk_enqueue_request(&driver.queue, slots[s].request))
            return;
        again_sent++;
        driver.reissued++;
        if (queue_ring_should_notify_consumer(&driver.queue.request))
            driver.notify = true;
    }
}

/* Clients in turn, starting after the one served last, until the driver is full or nobody
 * has anything. */
static void to_driver(void)
{
    send_again();
    for (unsigned round = 0; round < BLK_QUEUE_CAPACITY / BLK_VIRT_BATCH; round++) {
        bool any = false;
        for (unsigned k = 0; k < client_count; k++) {
            unsigned t = (next_turn + k) % client_count;
            unsigned i = present_clients[t];
            if (!has_turn(&clients[i]))
                continue;
            any = true;
            if (!take_turn(i)) {
                next_turn = t; /* its turn again first when there is room */
                return;
            }
        }
        if (!any)
            return;
        next_turn = (next_turn + 1) % client_count;
    }
}

/* The driver's answers, back to the clients whose requests they are; a driver that waits
 * for room on its answer ring is signalled once answers were taken. */
static void from_driver(void)
{
    uint32_t n = 0;
    for (; n < BLK_QUEUE_CAPACITY; n++) {
        struct blk_response resp;
        if (!blk_dequeue_response(&driver.queue, &resp))
            break;
        uint32_t s = resp.id & ID_SLOT_MASK;
        if (s == ID_SLOT_MASK) {
            boot_response(&resp);
            continue;
        }
        if (s >= BLK_VIRT_SLOTS || !slots[s].busy ||
            slots[s].generation != resp.id >> ID_SLOT_BITS) {
            driver.bad_responses++;
            continue;
        }
        bst_fault_point("virt-answer-taken");
        struct slot *slot = &slots[s];
        struct client *c = &clients[slot->client];
        enum blk_status status =
            resp.status <= BLK_ERR_NOT_READY ? (enum blk_status)resp.status : BLK_ERR_IO;
        if (status != BLK_OK)
            c->stats.errors++;
        slot->busy = false;
        free_slots[free_count++] = s;
        driver.busy--;
        c->in_flight--;
        respond(c, slot->client_id, status, status == BLK_OK ? slot->count : 0);
        bst_fault_point("virt-answered");
        if (recovery_stamp != 0 && !resyncing) /* an answer of the driver's current run */
            recovery_completed((volatile struct recovery_stamp *)recovery_stamp);
    }
    if (n > 0 && queue_ring_should_notify_producer(&driver.queue.response))
        driver.notify = true;
}

/* ---- Driver restarts -------------------------------------------------------------------- */

/* The slots in flight, oldest first, into again[] under fresh generations (an answer to
 * the old id, had one survived, is then ignored like any stale one). */
static void collect_again(void)
{
    again_count = again_sent = 0;
    for (uint32_t s = 0; s < BLK_VIRT_SLOTS; s++) {
        if (!slots[s].busy)
            continue;
        uint32_t k = again_count++;
        while (k > 0 && slots[again[k - 1]].order > slots[s].order) { /* insertion sort */
            again[k] = again[k - 1];
            k--;
        }
        again[k] = s;
        slots[s].generation = (slots[s].generation + 1) & 0xffffffu;
        slots[s].request.id = s | slots[s].generation << ID_SLOT_BITS;
    }
}

/* The driver announced generation `g`: take the last run's answers, acknowledge, and
 * issue again what is unanswered (send_again(), as the ring has room). */
static void resync(uint32_t g)
{
    resyncing = true;
    from_driver(); /* the ring holds at most a capacity of answers: one call takes them all */
    resyncing = false;
    driver.restarts++;
    blk_resync_acknowledge(&driver.queue, g);
    driver.acknowledged = g;
    driver.notify = true;
    if (resync_broken != 0) {
        again_count = again_sent = 0;
        bst_printf("blk_virt: driver generation %u: NOT resynchronising (resync_broken)\n", g);
        return;
    }
    collect_again();
    if (phase == PHASE_READ_HEAD || phase == PHASE_READ_ARRAY || phase == PHASE_QUIESCE)
        boot_read_pending = true;                     /* asked for and not answered: ask again */
    if (g > 1 && (epoch == 0 || driver.restarts > 1)) /* not a restarted run's first look */
        bst_printf("blk_virt: driver generation %u: %u requests issued again\n", g, again_count);
}

/* Whether the driver announced a generation not yet acknowledged; if so, resync. */
static void check_driver_generation(void)
{
    uint32_t g = blk_resync_generation(&driver.queue);
    if (g != 0 && g != driver.acknowledged)
        resync(g);
}

/* ---- Restarts of blk_virt ----------------------------------------------------------------- */

/* Every start, a restart over this run's memory included: nothing of an earlier run is
 * kept but the setvars (the system's). */
static void reset_state(void)
{
    memset(clients, 0, sizeof clients);
    memset(present_clients, 0, sizeof present_clients);
    client_count = served_count = next_turn = 0;
    client_cap = 0;
    memset(slots, 0, sizeof slots);
    free_count = 0;
    sent_order = 0;
    again_count = again_sent = 0;
    resyncing = false;
    phase = PHASE_WAIT_DISK;
    boot_read_pending = false;
    memset(&table, 0, sizeof table);
    memset(&gpt, 0, sizeof gpt);
    memset(&driver, 0, sizeof driver);
    boot_id = boot_count = 0;
    boot_op = 0;
    boot_block = boot_offset = 0;
    epoch = barrier_id = unsynced_clients = 0;
}

/* A restarted run: ids of its own, and the barrier first. The driver's generation is
 * acknowledged again before anything is sent (check_driver_generation: this run has
 * acknowledged none), taking whatever answers wait; the barrier is then sent as a start-up
 * request, and every answer before its own is an earlier run's, dropped as stale. */
static void start_restarted(void)
{
    if (virt_resync_broken == 1)
        return; /* tests only: ids from 0 again and no barrier */
    for (uint32_t s = 0; s < BLK_VIRT_SLOTS; s++)
        slots[s].generation = (epoch & 0xffu) << ID_EPOCH_SHIFT;
    if (!driver.present)
        return;
    barrier_id = ID_BARRIER_LOW | (epoch & 0x3fffffu) << ID_BARRIER_BITS;
    boot_op = BLK_BARRIER;
    boot_id = barrier_id;
    boot_read_pending = true;
    phase = PHASE_QUIESCE;
}

/* Once the table is read (or refused): a restarted run tells each client its generation
 * and serves it only once it has acknowledged (sync_clients). The clients of a first run
 * have nothing to resynchronise. */
static void announce_clients(void)
{
    for (unsigned k = 0; k < client_count; k++) {
        struct client *c = &clients[present_clients[k]];
        if (epoch == 0 || virt_resync_broken == 2) {
            c->synced = true;
            continue;
        }
        blk_resync_set_generation(&c->queue, epoch);
        unsynced_clients++;
        c->notify = true; /* always: the client library acknowledges on any wake-up */
        bst_fault_point("virt-announced");
    }
}

/* Clients that acknowledged this run: their requests before the acknowledgement are
 * discarded (the library submits again what is unanswered), and they are served. */
static void sync_clients(void)
{
    for (unsigned k = 0; unsynced_clients > 0 && k < client_count; k++) {
        struct client *c = &clients[present_clients[k]];
        if (c->synced || !blk_resync_acknowledged(&c->queue, epoch))
            continue;
        c->synced = true;
        unsynced_clients--;
        c->notify = true; /* it may wait for room on its request ring */
        bst_fault_point("virt-client-synced");
    }
}

/* ---- Sleeping ---------------------------------------------------------------------------- */

/* Passes per wake-up: a peer can keep a ring looking non-empty for ever. The last pass sets
 * every flag it would sleep on before it works (as net_tx_virt does, for the reason given
 * there), so anything queued after that signals. */
#define PASSES 4

/* Set the flags of every ring the virtualiser waits on; with `recheck`, true when nothing
 * is left to do (drivers/queue: the sleeper's sequence). What wakes it:
 *   - a client's request, when its ring was empty (the client sees the flag);
 *   - a driver's answer, while anything is in flight; a client held back by the driver's
 *     room or by its own share waits for that too (something of the driver's, or of its
 *     own, is in flight);
 *   - a client whose response ring is full with nothing in flight: its consuming an answer
 *     (it honours the producer flag) or its next request. */
static bool may_sleep(bool recheck)
{
    bool idle = true;
    bool serving = phase == PHASE_SERVING || phase == PHASE_REFUSED;
    for (unsigned k = 0; k < client_count; k++) {
        struct client *c = &clients[present_clients[k]];
        struct queue_ring_handle *req = &c->queue.request;
        if (serving && !c->synced)
            continue; /* it notifies once it has acknowledged */
        if (!serving || queue_ring_corrupt(req) || !recheck) {
            queue_ring_request_consumer_signal(req);
            if (serving && !queue_ring_corrupt(req) && c->in_flight == 0 && !answerable(c))
                queue_ring_request_producer_signal(&c->queue.response);
            continue;
        }
        if (queue_ring_empty(req)) {
            idle &= queue_ring_consumer_may_sleep(req);
            continue;
        }
        if (may_take(c) && driver_room()) {
            idle = false; /* work left: another pass */
            continue;
        }
        queue_ring_request_consumer_signal(req);
        if (c->in_flight == 0 && !answerable(c))
            idle &= queue_ring_producer_may_sleep(&c->queue.response);
    }
    if (!driver.present)
        return idle;
    struct queue_ring_handle *answers = &driver.queue.response;
    bool awaiting = driver.busy > 0 || phase == PHASE_READ_HEAD || phase == PHASE_READ_ARRAY ||
                    phase == PHASE_QUIESCE;
    if (!awaiting)
        queue_ring_cancel_consumer_signal(answers);
    else if (recheck)
        idle &= queue_ring_consumer_may_sleep(answers);
    else
        queue_ring_request_consumer_signal(answers);
    if (blk_resync_generation(&driver.queue) != driver.acknowledged &&
        blk_resync_generation(&driver.queue) != 0)
        idle = false;                        /* the driver restarted */
    if (again_sent < again_count && recheck) /* sent again as the driver's ring has room */
        idle &= queue_ring_producer_may_sleep(&driver.queue.request);
    else if (again_sent < again_count)
        queue_ring_request_producer_signal(&driver.queue.request);
    if (boot_read_pending && recheck) /* the driver's ring was full at start */
        idle &= queue_ring_producer_may_sleep(&driver.queue.request);
    else if (boot_read_pending)
        queue_ring_request_producer_signal(&driver.queue.request);
    return idle;
}

static void serve(void)
{
    for (unsigned pass = 1;; pass++) {
        bool last = pass == PASSES;
        if (last)
            may_sleep(false);
        if (driver.present) {
            check_driver_generation();
            if (driver.acknowledged == 0)
                break; /* the driver has not started: it notifies when it does */
            if (phase == PHASE_WAIT_DISK)
                wait_disk();
            from_driver();
            if (boot_read_pending) /* asked for by wait_disk() or by an answer just taken */
                send_boot_read();
        }
        if (phase == PHASE_SERVING || phase == PHASE_REFUSED) {
            sync_clients();
            to_driver();
        }
        if (last || may_sleep(true))
            break;
    }
    /* Deferred: the runtime sends the last one with the next wait (one system call); a
     * second deferred signal sends the one before it at once. */
    for (unsigned k = 0; k < client_count; k++) {
        unsigned i = present_clients[k];
        if (clients[i].notify) {
            clients[i].notify = false;
            bst_deferred_notify(BLK_VIRT_CH_CLIENT0 + i);
        }
    }
    if (driver.notify) {
        driver.notify = false;
        bst_deferred_notify(BLK_VIRT_CH_DRIVER);
    }
}

/* ---- Entry points ------------------------------------------------------------------------ */

static void client_setup(unsigned i, uintptr_t queue_region, uintptr_t data_paddr,
                         uint64_t partition)
{
    if (queue_region == 0)
        return;
    struct client *c = &clients[i];
    blk_queue_init(&c->queue, queue_region);
    c->present = true;
    present_clients[client_count++] = (uint8_t)i;
    c->paddr = data_paddr;
    c->partition = partition <= UINT32_MAX ? (uint32_t)partition : 0;
    if (data_paddr == 0 || data_paddr % BLK_BLOCK_SIZE != 0 ||
        data_paddr > BLK_DEVICE_ADDRESS_LIMIT - BLK_DATA_REGION_SIZE) {
        bst_printf("blk_virt: client %u: data region at device address 0x%llx is unusable\n", i,
                   (unsigned long long)data_paddr);
        c->partition = 0; /* no partition is numbered 0: it gets no disk */
    }
}

void init(void)
{
    reset_state();
    epoch = bst_pd_generation();
    client_setup(0, client0_queue, client0_data_paddr, client0_partition);
    client_setup(1, client1_queue, client1_data_paddr, client1_partition);
    client_setup(2, client2_queue, client2_data_paddr, client2_partition);
    client_setup(3, client3_queue, client3_data_paddr, client3_partition);
    client_setup(4, client4_queue, client4_data_paddr, client4_partition);
    client_setup(5, client5_queue, client5_data_paddr, client5_partition);
    client_setup(6, client6_queue, client6_data_paddr, client6_partition);
    client_setup(7, client7_queue, client7_data_paddr, client7_partition);
    for (uint32_t s = 0; s < BLK_VIRT_SLOTS; s++)
        free_slots[s] = BLK_VIRT_SLOTS - 1 - s;
    free_count = BLK_VIRT_SLOTS;
    client_cap = BLK_VIRT_SLOTS;
    if (epoch == 0)
        bst_printf("blk_virt: %u clients\n", client_count);
    if (driver_queue == 0) {
        refuse_all("no driver_queue");
    } else if (dma_vaddr == 0 || dma_paddr == 0 ||
               dma_paddr > BLK_DEVICE_ADDRESS_LIMIT - BLK_VIRT_DMA_SIZE) {
        refuse_all("no usable DMA region (dma_vaddr, dma_paddr) to read the table into");
    } else {
        blk_queue_init(&driver.queue, driver_queue);
        driver.present = true;
    }
    if (epoch != 0)
        start_restarted();
    serve();
}

void notified(bst_channel_t ch)
{
    (void)ch; /* every wake-up serves everything */
    serve();
}
