/*
 * Host tests of blk_virt (drivers/blk/virt/blk_virt.c, compiled in whole against
 * stub_pd.h), ASan + UBSan, suite blk-virt-host. A simulated driver holds a 16 MiB disk
 * with a GPT built here, moves data between it and the device addresses it is given (the
 * clients' data regions and blk_virt's DMA region) and checks every request it gets: each
 * must lie inside the disk, name memory of exactly one region, and, when the memory is a
 * client's, blocks of that client's partition only. The tests:
 *   - start: the table read through the driver, each client's info, a missing partition;
 *   - translation: data written through a partition lands at the partition's blocks and
 *     reads back, and nothing leaks into a neighbour;
 *   - refusals (out of the partition, overflowing, bad buffer, bad op and count,
 *     read-only, no disk): answered with their status, nothing reaches the driver;
 *   - flush: forwarded as a bare flush, answered to the right client;
 *   - refused tables: the message printed, no client info, requests answered NOT_READY;
 *   - fairness: a greedy client never holds more than its share of the driver, and a
 *     light client's requests are all taken at once;
 *   - a response ring the client does not empty: no request taken that could not be
 *     answered;
 *   - a hostile client ring (corrupt indices, scribbles) and a driver answering unknown
 *     and repeated ids;
 *   - 20,000 random steps of two honest clients, a hostile one and a driver answering out of
 *     order with bogus answers mixed in: every answer exactly once, to its own client;
 *   - driver restarts (protocol.h, struct blk_resync): 3,000 of them at random moments,
 *     with answers published, requests done but not answered, and requests taken but
 *     not done lost in each; every request answered exactly once, reads finding the last
 *     answered write, no write done after its answer; and with `resync_broken` the same
 *     run must lose requests;
 *   - blk_virt's own restarts: faults injected at its fault points (the stub jumps out of
 *     it where it stands) and blk_virt started again, over and over, under two clients
 *     that resynchronise as the client library does, with a driver that keeps flushes as
 *     barriers and otherwise answers in any order, some requests very late: every request
 *     answered exactly once, by its own answer, every read finding the last answered
 *     write, the disk holding each block's last answered write; with
 *     `virt_resync_broken` 1 (no barrier, no id epoch) the same run must corrupt a client,
 *     and with 2 (no client handshake) lose requests.
 */
#include <stdlib.h>
#include <string.h>

#include "../blk_virt.c"

#include "stub_pd.h"

#define HOST_CHECK_SUITE "blk-virt-host"
#include "host_check.h"

#define DISK_BLOCKS 4096u /* 16 MiB */
#define DMA_PADDR   0x40000000ull

static const uint64_t data_paddr[3] = {0x10000000ull, 0x20000000ull, 0x30000000ull};

static _Alignas(64) uint8_t disk[DISK_BLOCKS * BLK_BLOCK_SIZE];
static _Alignas(64) uint8_t data[3][BLK_DATA_REGION_SIZE];
static _Alignas(64) uint8_t dma[BLK_VIRT_DMA_SIZE];
static _Alignas(64) uint8_t driver_region[BLK_QUEUE_REGION_SIZE];
static _Alignas(64) uint8_t client_region[3][BLK_QUEUE_REGION_SIZE];

static struct blk_queue drv, cq[3];

/* The partitions of the test disk (blocks), by number. */
struct part {
    uint32_t number;
    uint64_t first, blocks;
};
static const struct part parts[] = {{1, 256, 1024}, {3, 1280, 512}, {4, 2048, 64}};
static uint64_t client_first[3], client_blocks[3]; /* what each client should get */

/* ---- The disk ---------------------------------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A GPT: 128 entries at sector 2, entries 1, 3 and 4 used (entry 3 has 5 sectors over its
 * 512 blocks); `overlap` makes entry 2 overlap entry 1. */
static void build_gpt(bool overlap)
{
    memset(disk, 0, sizeof disk);
    uint64_t sectors = DISK_BLOCKS * 8ull;
    uint8_t *e0 = disk + 446;
    e0[4] = 0xee;
    put_le(e0 + 8, 1, 4);
    put_le(e0 + 12, sectors - 1, 4);
    disk[510] = 0x55;
    disk[511] = 0xaa;
    uint8_t *array = disk + 1024;
    for (unsigned k = 0; k < 3; k++) {
        uint8_t *e = array + 128 * (parts[k].number - 1);
        memset(e, (int)(0x11 * (k + 1)), 16);
        put_le(e + 32, parts[k].first * 8, 8);
        put_le(e + 40, parts[k].first * 8 + parts[k].blocks * 8 - 1 + (k == 1 ? 5 : 0), 8);
        put_le(e + 56, 'p', 2);
    }
    if (overlap) {
        uint8_t *e = array + 128;
        memset(e, 0x77, 16);
        put_le(e + 32, 4096, 8);
        put_le(e + 40, 4096 + 63, 8);
    }
    uint8_t *h = disk + 512;
    memcpy(h, "EFI PART", 8);
    put_le(h + 8, 0x10000, 4);
    put_le(h + 12, 92, 4);
    put_le(h + 24, 1, 8);
    put_le(h + 32, sectors - 1, 8);
    put_le(h + 40, 34, 8);
    put_le(h + 48, sectors - 34, 8);
    put_le(h + 72, 2, 8);
    put_le(h + 80, 128, 4);
    put_le(h + 84, 128, 4);
    put_le(h + 88, partition_crc32(array, 128 * 128), 4);
    put_le(h + 16, partition_crc32(h, 92), 4);
}

/* ---- The simulated driver ---------------------------------------------------------------- */

static struct blk_request held[BLK_QUEUE_CAPACITY * 2];
static unsigned held_count;
static uint64_t driver_got; /* requests the driver received */
static char driver_why[256];
static bool fail_reads; /* answer every read BLK_ERR_IO */
static uint32_t drv_generation;
static bool drv_synced; /* blk_virt acknowledged drv_generation */

/* The simulated driver starts (again): its device reset, whatever it held is gone, and it
 * announces a new generation. */
static void driver_start(void)
{
    held_count = 0;
    drv_generation = blk_resync_announce(&drv);
    drv_synced = false;
}

/* The memory a device address range names: one client's data region or the DMA region;
 * *owner is the client (or -1 for DMA). NULL when it is neither, or straddles. */
static uint8_t *device_memory(uint64_t addr, uint64_t bytes, int *owner)
{
    for (int c = 0; c < 3; c++) {
        if (addr >= data_paddr[c] && addr - data_paddr[c] <= BLK_DATA_REGION_SIZE &&
            bytes <= BLK_DATA_REGION_SIZE - (addr - data_paddr[c])) {
            *owner = c;
            return data[c] + (addr - data_paddr[c]);
        }
    }
    if (addr >= DMA_PADDR && addr - DMA_PADDR <= sizeof dma &&
        bytes <= sizeof dma - (addr - DMA_PADDR)) {
        *owner = -1;
        return dma + (addr - DMA_PADDR);
    }
    return NULL;
}

/* Take every request on the driver's ring and check it; false (with driver_why) on a
 * request blk_virt should never have sent. */
static bool driver_take(void)
{
    struct blk_request r;
    if (!drv_synced && !(drv_synced = blk_resync_acknowledged(&drv, drv_generation)))
        return true; /* nothing is taken before blk_virt acknowledged this run */
    while (held_count < sizeof held / sizeof held[0] && blk_dequeue_request(&drv, &r)) {
        driver_got++;
        held[held_count++] = r;
        if (r.op == BLK_FLUSH || r.op == BLK_BARRIER) {
            if (r.count != 0 || r.block != 0 || r.offset != 0) {
                snprintf(driver_why, sizeof driver_why, "a flush with fields set");
                return false;
            }
            continue;
        }
        if ((r.op != BLK_READ && r.op != BLK_WRITE) || r.count == 0 ||
            r.count > BLK_MAX_REQUEST_BLOCKS || r.block > DISK_BLOCKS ||
            r.count > DISK_BLOCKS - r.block) {
            snprintf(driver_why, sizeof driver_why, "op %u, blocks %llu+%u", r.op,
                     (unsigned long long)r.block, r.count);
            return false;
        }
        int owner;
        if (device_memory(r.offset, (uint64_t)r.count * BLK_BLOCK_SIZE, &owner) == NULL) {
            snprintf(driver_why, sizeof driver_why, "address 0x%llx+%u blocks is no region",
                     (unsigned long long)r.offset, r.count);
            return false;
        }
        if (owner >= 0 && (r.block < client_first[owner] ||
                           r.block + r.count > client_first[owner] + client_blocks[owner])) {
            snprintf(driver_why, sizeof driver_why,
                     "client %d's memory with blocks %llu+%u outside its partition", owner,
                     (unsigned long long)r.block, r.count);
            return false;
        }
    }
    return true;
}

/* Do and answer up to n held requests, the oldest first or (random) in any order. */
static uint64_t rnd(void);
static void driver_answer(unsigned n, bool random)
{
    while (n-- > 0 && held_count > 0) {
        unsigned k = random ? (unsigned)(rnd() % held_count) : 0;
        struct blk_request r = held[k];
        memmove(&held[k], &held[k + 1], (held_count - k - 1) * sizeof held[0]);
        held_count--;
        uint16_t status = BLK_OK;
        if (r.op != BLK_FLUSH) {
            int owner;
            uint8_t *mem = device_memory(r.offset, (uint64_t)r.count * BLK_BLOCK_SIZE, &owner);
            uint8_t *blocks = disk + r.block * BLK_BLOCK_SIZE;
            size_t bytes = (size_t)r.count * BLK_BLOCK_SIZE;
            if (r.op == BLK_READ && fail_reads)
                status = BLK_ERR_IO;
            else if (r.op == BLK_READ)
                memcpy(mem, blocks, bytes);
            else
                memcpy(blocks, mem, bytes);
        }
        struct blk_response resp = {
            .id = r.id, .status = status, .count = status == BLK_OK ? r.count : 0};
        blk_enqueue_response(&drv, resp);
    }
}

/* ---- Set-up ------------------------------------------------------------------------------ */

static uint64_t rnd_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static void virt_reset(void)
{
    memset(clients, 0, sizeof clients);
    client_count = served_count = next_turn = 0;
    client_cap = 0;
    memset(slots, 0, sizeof slots);
    memset(free_slots, 0, sizeof free_slots);
    free_count = 0;
    phase = PHASE_WAIT_DISK;
    boot_read_pending = false;
    memset(&table, 0, sizeof table);
    memset(&gpt, 0, sizeof gpt);
    memset(&driver, 0, sizeof driver);
    boot_id = boot_count = 0;
    boot_block = boot_offset = 0;
    again_count = again_sent = 0;
    sent_order = 0;
    resync_broken = 0;
    virt_resync_broken = 0;
    stub_generation = 0;
    stub_fault_countdown = 0;
}

/* blk_virt with clients 0..2 on partitions part[i] (present[i] false: no such client), a
 * disk from build_gpt(overlap), and the driver answering the start-up reads. */
static void setup(const bool present[3], const uint64_t part[3], bool overlap, bool read_only)
{
    virt_reset();
    stub_reset();
    build_gpt(overlap);
    memset(driver_region, 0, sizeof driver_region);
    memset(client_region, 0, sizeof client_region);
    memset(dma, 0, sizeof dma);
    held_count = 0;
    driver_got = 0;
    fail_reads = false;
    driver_queue = (uintptr_t)driver_region;
    dma_vaddr = (uintptr_t)dma;
    dma_paddr = DMA_PADDR;
    uintptr_t *queues[3] = {&client0_queue, &client1_queue, &client2_queue};
    uintptr_t *paddrs[3] = {&client0_data_paddr, &client1_data_paddr, &client2_data_paddr};
    uint64_t *numbers[3] = {&client0_partition, &client1_partition, &client2_partition};
    for (int i = 0; i < 3; i++) {
        *queues[i] = present[i] ? (uintptr_t)client_region[i] : 0;
        *paddrs[i] = data_paddr[i];
        *numbers[i] = part[i];
        blk_queue_init(&cq[i], (uintptr_t)client_region[i]);
        client_first[i] = client_blocks[i] = 0;
        for (unsigned k = 0; k < 3; k++) {
            if (parts[k].number == part[i]) {
                client_first[i] = parts[k].first;
                client_blocks[i] = parts[k].blocks;
            }
        }
    }
    blk_queue_init(&drv, (uintptr_t)driver_region);
    init();
    driver_start();
    blk_info_publish(&drv, DISK_BLOCKS, read_only, "serial-1234", 11);
    notified(BLK_VIRT_CH_DRIVER); /* the driver notifies once its info is out */
    /* Then the driver wakes blk_virt only as the protocol says: when blk_virt asked. */
    for (int step = 0; step < 4; step++) {
        driver_take();
        unsigned had = held_count;
        driver_answer(8, false);
        if (held_count < had && queue_ring_should_notify_consumer(&drv.response))
            notified(BLK_VIRT_CH_DRIVER);
    }
}

static void setup_standard(void)
{
    static const bool present[3] = {true, true, true};
    static const uint64_t part[3] = {1, 3, 9};
    setup(present, part, false, false);
}

/* One client request; false if its ring is full. */
static bool send(int c, uint32_t id, uint16_t op, uint64_t block, uint32_t count, uint64_t offset)
{
    return blk_enqueue_request(
        &cq[c],
        (struct blk_request){.id = id, .op = op, .count = count, .block = block, .offset = offset});
}

/* The client's next response, or one with id 0xdeadbeef when there is none. */
static struct blk_response answer(int c)
{
    struct blk_response r;
    if (!blk_dequeue_response(&cq[c], &r))
        r = (struct blk_response){.id = 0xdeadbeef};
    return r;
}

/* The virtualiser wakes for the clients, the driver does everything, it wakes again. */
static bool round_trip(void)
{
    notified(BLK_VIRT_CH_CLIENT0);
    if (!driver_take())
        return false;
    driver_answer(BLK_QUEUE_CAPACITY * 2, false);
    notified(BLK_VIRT_CH_DRIVER);
    return true;
}

/* ---- Tests ------------------------------------------------------------------------------- */

static void test_start(void)
{
    setup_standard();
    struct blk_info info;
    CHECK(phase == PHASE_SERVING, "not serving after the start-up reads:\n%s", stub_output);
    CHECK(blk_info_read(&cq[0], &info) && info.blocks == 1024 && info.read_only == 0 &&
              strcmp(info.serial, "serial-1234") == 0,
          "client 0's info wrong (%llu blocks)", (unsigned long long)info.blocks);
    CHECK(blk_info_read(&cq[1], &info) && info.blocks == 512,
          "client 1's partition 3 is 512 blocks (5 sectors over): %llu",
          (unsigned long long)info.blocks);
    CHECK(!blk_info_read(&cq[2], &info), "client 2 (partition 9) got an info");
    CHECK(stub_printed("blk_virt: client 2: partition 9 is not in the table; it gets no disk"),
          "no word about client 2:\n%s", stub_output);
    CHECK(stub_printed("blk_virt: GPT: 3 partitions\n"), "no table summary:\n%s", stub_output);
    CHECK(driver_got == 2, "start-up took %llu reads, want 2 (head, array)",
          (unsigned long long)driver_got);
    CHECK(stub_notified[BLK_VIRT_CH_CLIENT0] == 1 && stub_notified[BLK_VIRT_CH_CLIENT0 + 1] == 1,
          "clients with a disk are notified once");
    printf("PASS: blk-virt-host/start\n");
}

static void test_translation(void)
{
    setup_standard();
    memset(data[0] + 0x3000, 0xa1, 2 * BLK_BLOCK_SIZE);
    memset(data[1] + 0x10000, 0xb2, BLK_BLOCK_SIZE);
    CHECK(send(0, 100, BLK_WRITE, 5, 2, 0x3000), "enqueue");
    CHECK(send(1, 200, BLK_WRITE, 511, 1, 0x10000), "enqueue");
    notified(BLK_VIRT_CH_CLIENT0);
    CHECK(driver_take(), "%s", driver_why);
    CHECK(held_count == 2, "%u requests at the driver", held_count);
    CHECK(held[0].block == 256 + 5 && held[0].offset == data_paddr[0] + 0x3000 &&
              held[0].count == 2 && held[0].op == BLK_WRITE,
          "client 0's write: block %llu at 0x%llx", (unsigned long long)held[0].block,
          (unsigned long long)held[0].offset);
    CHECK(held[1].block == 1280 + 511 && held[1].offset == data_paddr[1] + 0x10000,
          "client 1's write: block %llu", (unsigned long long)held[1].block);
    CHECK(held[0].id != 100 && held[1].id != held[0].id, "driver ids are blk_virt's own");
    driver_answer(2, true);
    notified(BLK_VIRT_CH_DRIVER);
    struct blk_response a = answer(0), b = answer(1);
    CHECK(a.id == 100 && a.status == BLK_OK && a.count == 2, "client 0: id %u status %u", a.id,
          a.status);
    CHECK(b.id == 200 && b.status == BLK_OK && b.count == 1, "client 1: id %u status %u", b.id,
          b.status);
    CHECK(answer(0).id == 0xdeadbeef && answer(1).id == 0xdeadbeef, "extra responses");
    CHECK(disk[(256 + 5) * 4096] == 0xa1 && disk[(256 + 7) * 4096 - 1] == 0xa1 &&
              disk[(256 + 7) * 4096] == 0 && disk[(256 + 4) * 4096 + 4095] == 0,
          "client 0's data not exactly at blocks 261..262");
    CHECK(disk[(1280 + 511) * 4096] == 0xb2 && disk[(1280 + 512) * 4096] == 0,
          "client 1's last block");
    /* Read back through the partition. */
    memset(data[0], 0, 0x10000);
    CHECK(send(0, 101, BLK_READ, 5, 2, 0x8000), "enqueue");
    CHECK(round_trip(), "%s", driver_why);
    a = answer(0);
    CHECK(a.id == 101 && a.status == BLK_OK && data[0][0x8000] == 0xa1 &&
              data[0][0x8000 + 8191] == 0xa1 && data[0][0x8000 + 8192] == 0,
          "read back");
    printf("PASS: blk-virt-host/translation\n");
}

struct bad_request {
    const char *what;
    int client;
    uint16_t op;
    uint64_t block;
    uint32_t count;
    uint64_t offset;
    enum blk_status want;
};

static void test_refusals(void)
{
    static const struct bad_request bad[] = {
        {"past the partition", 0, BLK_READ, 1024, 1, 0, BLK_ERR_RANGE},
        {"across the end", 0, BLK_WRITE, 1023, 2, 0, BLK_ERR_RANGE},
        {"overflowing block + count", 0, BLK_READ, UINT64_MAX - 1, 4, 0, BLK_ERR_RANGE},
        {"a neighbour's blocks", 1, BLK_READ, 600, 1, 0, BLK_ERR_RANGE},
        {"buffer across the region's end", 0, BLK_READ, 0, 2, BLK_DATA_REGION_SIZE - 4096,
         BLK_ERR_BUFFER},
        {"buffer past the region", 0, BLK_READ, 0, 1, BLK_DATA_REGION_SIZE, BLK_ERR_BUFFER},
        {"buffer at a huge offset", 0, BLK_WRITE, 0, 1, UINT64_MAX - 100, BLK_ERR_BUFFER},
        {"op 0", 0, 0, 0, 1, 0, BLK_ERR_OP},
        {"op 9", 0, 9, 0, 1, 0, BLK_ERR_OP},
        {"the driver connection's barrier", 0, BLK_BARRIER, 0, 0, 0, BLK_ERR_OP},
        {"count 0", 0, BLK_READ, 0, 0, 0, BLK_ERR_OP},
        {"count 33", 0, BLK_READ, 0, 33, 0, BLK_ERR_OP},
        {"count 2^32-1", 0, BLK_WRITE, 0, UINT32_MAX, 0, BLK_ERR_OP},
        {"a client without a disk", 2, BLK_READ, 0, 1, 0, BLK_ERR_NOT_READY},
    };
    setup_standard();
    uint64_t before = driver_got;
    for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const struct bad_request *b = &bad[k];
        CHECK(send(b->client, 1000 + k, b->op, b->block, b->count, b->offset), "enqueue");
        notified(BLK_VIRT_CH_CLIENT0 + (unsigned)b->client);
        CHECK(driver_take(), "%s: %s", b->what, driver_why);
        CHECK(driver_got == before, "%s: reached the driver", b->what);
        struct blk_response r = answer(b->client);
        CHECK(r.id == 1000 + k && r.status == b->want && r.count == 0,
              "%s: answered id %u status %u, want status %u", b->what, r.id, r.status, b->want);
    }
    /* The largest legal request still goes through. */
    CHECK(send(0, 7, BLK_READ, 1024 - 32, 32, BLK_DATA_REGION_SIZE - 32 * 4096), "enqueue");
    CHECK(round_trip(), "%s", driver_why);
    struct blk_response r = answer(0);
    CHECK(r.id == 7 && r.status == BLK_OK && r.count == 32, "the last 32 blocks, at the end of "
                                                            "the region");
    CHECK(clients[0].stats.refused == 12 && clients[1].stats.refused == 1 &&
              clients[2].stats.refused == 1,
          "refusals counted");
    printf("PASS: blk-virt-host/refusals\n");
}

static void test_read_only(void)
{
    static const bool present[3] = {true, false, false};
    static const uint64_t part[3] = {4, 0, 0};
    setup(present, part, false, true);
    struct blk_info info;
    CHECK(blk_info_read(&cq[0], &info) && info.read_only == 1 && info.blocks == 64,
          "a read-only disk's partition is read-only");
    CHECK(send(0, 1, BLK_WRITE, 0, 1, 0) && send(0, 2, BLK_READ, 63, 1, 0), "enqueue");
    uint64_t before = driver_got;
    CHECK(round_trip(), "%s", driver_why);
    struct blk_response w = answer(0), r = answer(0);
    CHECK(w.id == 1 && w.status == BLK_ERR_READ_ONLY, "write: status %u", w.status);
    CHECK(r.id == 2 && r.status == BLK_OK, "read: status %u", r.status);
    CHECK(driver_got == before + 1, "only the read reached the driver");
    printf("PASS: blk-virt-host/read_only\n");
}

static void test_flush(void)
{
    setup_standard();
    CHECK(send(1, 5, BLK_WRITE, 0, 1, 0) && send(1, 6, BLK_FLUSH, 0xffff, 99, 0xabcdef) &&
              send(1, 7, BLK_READ, 0, 1, 4096),
          "enqueue");
    notified(BLK_VIRT_CH_CLIENT0 + 1);
    CHECK(driver_take(), "%s", driver_why);
    CHECK(held_count == 3 && held[0].op == BLK_WRITE && held[1].op == BLK_FLUSH &&
              held[2].op == BLK_READ,
          "the order on the driver's ring is the client's");
    driver_answer(3, true);
    notified(BLK_VIRT_CH_DRIVER);
    bool seen[3] = {false, false, false};
    for (int k = 0; k < 3; k++) {
        struct blk_response r = answer(1);
        CHECK(r.id >= 5 && r.id <= 7 && !seen[r.id - 5] && r.status == BLK_OK, "answer %d: id %u",
              k, r.id);
        seen[r.id - 5] = true;
        CHECK(r.count == (r.id == 6 ? 0u : 1u), "id %u: count %u", r.id, r.count);
    }
    printf("PASS: blk-virt-host/flush\n");
}

static void test_refused_table(void)
{
    static const bool present[3] = {true, true, false};
    static const uint64_t part[3] = {1, 3, 0};
    setup(present, part, true, false);
    CHECK(phase == PHASE_REFUSED, "an overlapping table was accepted");
    CHECK(stub_printed("blk_virt: partition table refused: GPT entry 2 overlaps entry 1\n"),
          "the message:\n%s", stub_output);
    struct blk_info info;
    CHECK(!blk_info_read(&cq[0], &info) && !blk_info_read(&cq[1], &info), "a client got info");
    uint64_t before = driver_got;
    CHECK(send(0, 3, BLK_READ, 0, 1, 0), "enqueue");
    CHECK(round_trip(), "%s", driver_why);
    struct blk_response r = answer(0);
    CHECK(r.id == 3 && r.status == BLK_ERR_NOT_READY && driver_got == before,
          "a request without a table: status %u", r.status);
    printf("PASS: blk-virt-host/refused_table\n");
}

static void test_boot_read_error(void)
{
    static const bool present[3] = {true, false, false};
    static const uint64_t part[3] = {1, 0, 0};
    setup(present, part, false, false); /* a good start, to have everything set */
    virt_reset();
    stub_reset();
    memset(driver_region, 0, sizeof driver_region);
    held_count = 0;
    fail_reads = true;
    init();
    driver_start();
    blk_info_publish(&drv, DISK_BLOCKS, false, "x", 1);
    notified(BLK_VIRT_CH_DRIVER);
    CHECK(driver_take(), "%s", driver_why);
    driver_answer(1, false);
    notified(BLK_VIRT_CH_DRIVER);
    CHECK(phase == PHASE_REFUSED &&
              stub_printed("blk_virt: reading the partition table failed: the driver answered "
                           "status 1"),
          "a failed read of the table:\n%s", stub_output);
    fail_reads = false;
    printf("PASS: blk-virt-host/boot_read_error\n");
}

static void test_wait_for_driver(void)
{
    virt_reset();
    stub_reset();
    memset(driver_region, 0, sizeof driver_region);
    memset(client_region, 0, sizeof client_region);
    held_count = 0;
    client0_queue = (uintptr_t)client_region[0];
    client1_queue = client2_queue = 0;
    client0_partition = 1;
    init();
    CHECK(send(0, 1, BLK_READ, 0, 1, 0), "enqueue");
    notified(BLK_VIRT_CH_CLIENT0);
    struct blk_request r;
    CHECK(!blk_dequeue_request(&drv, &r), "a request before the driver's info");
    CHECK(queue_ring_length(&cq[0].request) == 1, "a client's request waits for the table");
    printf("PASS: blk-virt-host/wait_for_driver\n");
}

static void test_fairness(void)
{
    static const bool present[3] = {true, true, false};
    static const uint64_t part[3] = {1, 3, 0};
    setup(present, part, false, false);
    uint32_t greedy_id = 0, light_id = 0;
    unsigned light_done = 0, greedy_done = 0;
    for (unsigned step = 0; step < 2000; step++) {
        while (send(0, greedy_id, BLK_READ, greedy_id % 1000, 1 + greedy_id % 8, 0))
            greedy_id++;
        for (int k = 0; k < 2; k++, light_id++)
            CHECK(send(1, light_id, BLK_WRITE, light_id % 500, 1, 4096), "light enqueue");
        notified(BLK_VIRT_CH_CLIENT0);
        notified(BLK_VIRT_CH_CLIENT0 + 1);
        CHECK(driver_take(), "%s", driver_why);
        CHECK(clients[0].in_flight <= BLK_VIRT_SLOTS / 2, "step %u: the greedy client holds %u",
              step, clients[0].in_flight);
        CHECK(queue_ring_length(&cq[1].request) == 0,
              "step %u: the light client's requests wait behind the greedy one", step);
        driver_answer(1 + (unsigned)(rnd() % 40), true);
        notified(BLK_VIRT_CH_DRIVER);
        struct blk_response r;
        while (blk_dequeue_response(&cq[0], &r))
            greedy_done++;
        while (blk_dequeue_response(&cq[1], &r))
            light_done++;
    }
    CHECK(greedy_done > 10000, "the greedy client got %u done", greedy_done);
    CHECK(light_done + 200 > light_id, "the light client: %u of %u done", light_done, light_id);
    printf("PASS: blk-virt-host/fairness (greedy %u, light %u)\n", greedy_done, light_done);
}

static void test_full_response_ring(void)
{
    static const bool present[3] = {true, false, false};
    static const uint64_t part[3] = {1, 0, 0};
    setup(present, part, false, false);
    /* 128 refused requests fill the response ring; the client reads none. */
    for (uint32_t k = 0; k < BLK_QUEUE_CAPACITY; k++)
        CHECK(send(0, k, 0, 0, 1, 0), "enqueue %u", k);
    notified(BLK_VIRT_CH_CLIENT0);
    CHECK(queue_ring_length(&cq[0].response) == BLK_QUEUE_CAPACITY, "responses %u",
          queue_ring_length(&cq[0].response));
    CHECK(send(0, 500, BLK_READ, 0, 1, 0), "enqueue");
    notified(BLK_VIRT_CH_CLIENT0);
    CHECK(queue_ring_length(&cq[0].request) == 1 && clients[0].stats.lost == 0,
          "a request was taken that could not be answered");
    CHECK(queue_ring_producer_needs_signal(&cq[0].response),
          "blk_virt sleeps without asking to be woken when the client makes room");
    struct blk_response r = answer(0);
    CHECK(r.id == 0 && r.status == BLK_ERR_OP, "first answer");
    notified(BLK_VIRT_CH_CLIENT0);
    CHECK(round_trip(), "%s", driver_why);
    for (uint32_t k = 1; k < BLK_QUEUE_CAPACITY; k++)
        CHECK(answer(0).id == k, "answer %u", k);
    r = answer(0);
    CHECK(r.id == 500 && r.status == BLK_OK, "the waiting request: id %u status %u", r.id,
          r.status);
    /* 64 answers left unread: only 64 more requests may be in flight, whatever the slots. */
    for (uint32_t k = 0; k < 64; k++)
        CHECK(send(0, 1000 + k, BLK_READ, k, 1, 0), "enqueue");
    CHECK(round_trip(), "%s", driver_why);
    for (uint32_t k = 0; k < 100; k++)
        CHECK(send(0, 2000 + k, BLK_READ, k, 1, 0), "enqueue");
    notified(BLK_VIRT_CH_CLIENT0);
    CHECK(driver_take(), "%s", driver_why);
    CHECK(held_count == 64, "%u requests taken with room for 64 answers", held_count);
    driver_answer(64, true);
    notified(BLK_VIRT_CH_DRIVER);
    CHECK(clients[0].stats.lost == 0 && queue_ring_length(&cq[0].response) == 128, "answers lost");
    printf("PASS: blk-virt-host/full_response_ring\n");
}

/* A producer that found its ring full sleeps until the consumer, having taken something,
 * sees its flag and signals it (bastion/queue/signal.h). blk_virt consumes two rings: each
 * client's requests and the driver's answers. Both used to be taken without looking at the
 * flag, and the sleeper slept for ever (the system-blk hang: the driver waited for room on
 * its answer ring with requests queued, blk_virt for the driver's answers). */
static void test_wakes_waiting_producers(void)
{
    setup_standard();
    /* The driver: answers out and asks to be woken when blk_virt takes them. */
    for (uint32_t k = 0; k < 4; k++)
        CHECK(send(0, k, BLK_READ, k, 1, 0), "enqueue %u", k);
    notified(BLK_VIRT_CH_CLIENT0);
    CHECK(driver_take(), "%s", driver_why);
    CHECK(held_count == 4, "%u requests reached the driver", held_count);
    driver_answer(4, false);
    queue_ring_request_producer_signal(&drv.response);
    unsigned before = stub_notified[BLK_VIRT_CH_DRIVER];
    notified(BLK_VIRT_CH_DRIVER);
    CHECK(queue_ring_length(&drv.response) == 0, "answers left: %u",
          queue_ring_length(&drv.response));
    CHECK(!queue_ring_producer_needs_signal(&drv.response) &&
              stub_notified[BLK_VIRT_CH_DRIVER] > before,
          "the driver waits for room on its answer ring and is never woken");
    for (uint32_t k = 0; k < 4; k++)
        CHECK(answer(0).id == k, "answer %u", k);
    /* A client: requests queued, then it waits for room on its request ring. */
    for (uint32_t k = 0; k < 4; k++)
        CHECK(send(0, 10 + k, BLK_READ, k, 1, 0), "enqueue %u", k);
    queue_ring_request_producer_signal(&cq[0].request);
    before = stub_notified[BLK_VIRT_CH_CLIENT0];
    notified(BLK_VIRT_CH_CLIENT0);
    CHECK(queue_ring_length(&cq[0].request) == 0, "requests left: %u",
          queue_ring_length(&cq[0].request));
    CHECK(!queue_ring_producer_needs_signal(&cq[0].request) &&
              stub_notified[BLK_VIRT_CH_CLIENT0] > before,
          "a client waits for room on its request ring and is never woken");
    CHECK(round_trip(), "%s", driver_why);
    printf("PASS: blk-virt-host/wakes_waiting_producers\n");
}

static void test_hostile_ring(void)
{
    static const bool present[3] = {true, true, false};
    static const uint64_t part[3] = {1, 3, 0};
    setup(present, part, false, false);
    /* Client 1's tail far ahead of its head: more than the ring holds. */
    struct queue_ring *ring = (struct queue_ring *)(client_region[1] + BLK_REQUEST_OFFSET);
    __atomic_store_n(&ring->tail, 1000000u, __ATOMIC_RELEASE);
    CHECK(send(0, 1, BLK_READ, 0, 1, 0), "enqueue");
    uint64_t before = driver_got;
    notified(BLK_VIRT_CH_CLIENT0 + 1);
    CHECK(driver_take(), "%s", driver_why);
    CHECK(driver_got == before + 1 && clients[1].stats.requests == 0,
          "the corrupt ring was read (%llu requests)",
          (unsigned long long)clients[1].stats.requests);
    driver_answer(1, false);
    notified(BLK_VIRT_CH_DRIVER);
    CHECK(answer(0).id == 1, "the honest client was served");
    /* Sane again: served again. */
    __atomic_store_n(&ring->tail, 0u, __ATOMIC_RELEASE);
    __atomic_store_n(&ring->head, 0u, __ATOMIC_RELEASE);
    CHECK(send(1, 9, BLK_READ, 0, 1, 0), "enqueue");
    CHECK(round_trip(), "%s", driver_why);
    CHECK(answer(1).id == 9, "served once its ring is sane");
    printf("PASS: blk-virt-host/hostile_ring\n");
}

static void test_driver_bogus_ids(void)
{
    setup_standard();
    CHECK(send(0, 11, BLK_READ, 0, 1, 0) && send(0, 12, BLK_READ, 1, 1, 0), "enqueue");
    notified(BLK_VIRT_CH_CLIENT0);
    CHECK(driver_take() && held_count == 2, "two at the driver");
    uint32_t id0 = held[0].id, id1 = held[1].id;
    uint64_t bad_before = driver.bad_responses;
    /* Unknown slot, the boot ids again, a live slot with a wrong generation. */
    static const uint32_t bogus[] = {0x7f, 0x80, 0xfe, ID_BOOT_HEAD, ID_BOOT_ARRAY, 0xffffffff};
    for (unsigned k = 0; k < sizeof bogus / sizeof bogus[0]; k++)
        blk_enqueue_response(&drv, (struct blk_response){.id = bogus[k]});
    blk_enqueue_response(&drv, (struct blk_response){.id = id0 + (1u << ID_SLOT_BITS)});
    notified(BLK_VIRT_CH_DRIVER);
    CHECK(answer(0).id == 0xdeadbeef, "a bogus id reached the client");
    CHECK(driver.bad_responses == bad_before + 7, "bogus answers counted: %llu",
          (unsigned long long)(driver.bad_responses - bad_before));
    /* The real answer, then the same id again. */
    driver_answer(1, false);
    blk_enqueue_response(&drv, (struct blk_response){.id = id0});
    notified(BLK_VIRT_CH_DRIVER);
    struct blk_response r = answer(0);
    CHECK(r.id == 11 && r.status == BLK_OK, "the real answer: %u", r.id);
    CHECK(answer(0).id == 0xdeadbeef, "a repeated answer reached the client");
    CHECK(driver.bad_responses == bad_before + 8, "the repeat counted");
    /* An unknown status becomes an I/O error; the count of a failure is 0. */
    driver_take();
    held_count = 0;
    blk_enqueue_response(&drv, (struct blk_response){.id = id1, .status = 77, .count = 5});
    notified(BLK_VIRT_CH_DRIVER);
    r = answer(0);
    CHECK(r.id == 12 && r.status == BLK_ERR_IO && r.count == 0, "status %u count %u", r.status,
          r.count);
    printf("PASS: blk-virt-host/driver_bogus_ids\n");
}

static void test_signals(void)
{
    setup_standard();
    /* Idle: blk_virt asked to be woken for a client's first request... */
    CHECK(send(0, 1, BLK_READ, 0, 1, 0), "enqueue");
    CHECK(queue_ring_should_notify_consumer(&cq[0].request),
          "a client's request would not wake the sleeping virtualiser");
    /* ...and notifies a sleeping driver once, and the client once it is answered. */
    queue_ring_request_consumer_signal(&drv.request);
    unsigned driver_before = stub_notified[BLK_VIRT_CH_DRIVER];
    notified(BLK_VIRT_CH_CLIENT0);
    CHECK(stub_notified[BLK_VIRT_CH_DRIVER] == driver_before + 1, "the driver was not woken");
    CHECK(driver_take(), "%s", driver_why);
    driver_answer(1, false);
    CHECK(queue_ring_should_notify_consumer(&drv.response),
          "blk_virt sleeps with a request in flight without waiting for the answer");
    queue_ring_request_consumer_signal(&cq[0].response);
    unsigned client_before = stub_notified[BLK_VIRT_CH_CLIENT0];
    notified(BLK_VIRT_CH_DRIVER);
    CHECK(stub_notified[BLK_VIRT_CH_CLIENT0] == client_before + 1, "the client was not woken");
    printf("PASS: blk-virt-host/signals\n");
}

/* ---- Random steps ------------------------------------------------------------------------ */

#define ID_SPACE 4096u

static void test_random(void)
{
    static const bool present[3] = {true, true, true};
    static const uint64_t part[3] = {1, 3, 4};
    setup(present, part, false, false);
    static uint8_t outstanding[2][ID_SPACE]; /* 1: sent, not answered */
    memset(outstanding, 0, sizeof outstanding);
    uint32_t next_id[2] = {0, 0};
    uint64_t answered[2] = {0, 0};
    for (unsigned step = 0; step < 20000; step++) {
        for (int c = 0; c < 2; c++) {
            unsigned n = (unsigned)(rnd() % 12);
            for (unsigned k = 0; k < n; k++) {
                uint32_t id = next_id[c] % ID_SPACE;
                if (outstanding[c][id])
                    break; /* the id space is the client's to manage */
                uint16_t op = (uint16_t)(rnd() % 8 == 0 ? rnd() % 5 : 1 + rnd() % 2);
                uint32_t count = (uint32_t)(rnd() % 16 == 0 ? rnd() % 40 : 1 + rnd() % 8);
                uint64_t block = rnd() % (client_blocks[c] + 8);
                uint64_t offset = (rnd() % 16 == 0 ? rnd() : (rnd() % 600) * 4096) %
                                  (BLK_DATA_REGION_SIZE + 8192);
                if (!send(c, id, op, block, count, offset))
                    break;
                outstanding[c][id] = 1;
                next_id[c]++;
            }
        }
        /* The hostile client: honest requests, scribbles and wild indices. */
        switch (rnd() % 4) {
        case 0:
            for (int k = 0; k < 8; k++)
                client_region[2][rnd() % BLK_QUEUE_REGION_SIZE] = (uint8_t)rnd();
            break;
        case 1:
            for (int k = 0; k < 16; k++)
                send(2, (uint32_t)rnd(), (uint16_t)(rnd() % 4), rnd() % 80, (uint32_t)(rnd() % 34),
                     (rnd() % 520) * 4096);
            break;
        case 2: {
            struct queue_ring *ring = (struct queue_ring *)(client_region[2] + BLK_REQUEST_OFFSET);
            __atomic_store_n(&ring->tail, (uint32_t)rnd(), __ATOMIC_RELEASE);
            break;
        }
        default: { /* both rings sane again, for a while */
            static const uint32_t offsets[2] = {BLK_REQUEST_OFFSET, BLK_RESPONSE_OFFSET};
            for (int k = 0; k < 2; k++) {
                struct queue_ring *ring = (struct queue_ring *)(client_region[2] + offsets[k]);
                __atomic_store_n(&ring->head, __atomic_load_n(&ring->tail, __ATOMIC_RELAXED),
                                 __ATOMIC_RELEASE);
            }
            break;
        }
        }
        struct blk_response junk;
        while (rnd() % 2 && blk_dequeue_response(&cq[2], &junk))
            ;
        notified(1 + (unsigned)(rnd() % 3));
        CHECK(driver_take(), "step %u: %s", step, driver_why);
        CHECK(driver.busy <= BLK_VIRT_SLOTS && held_count <= BLK_VIRT_SLOTS,
              "step %u: %u in flight", step, held_count);
        driver_answer((unsigned)(rnd() % 48), true);
        if (rnd() % 8 == 0) /* bogus answers */
            blk_enqueue_response(&drv, (struct blk_response){.id = (uint32_t)rnd()});
        notified(BLK_VIRT_CH_DRIVER);
        for (int c = 0; c < 2; c++) {
            struct blk_response r;
            while (blk_dequeue_response(&cq[c], &r)) {
                CHECK(r.id < ID_SPACE && outstanding[c][r.id],
                      "step %u: client %d got an answer for id %u it has not outstanding", step, c,
                      r.id);
                outstanding[c][r.id] = 0;
                answered[c]++;
            }
        }
    }
    /* Drain: every honest request is answered. */
    for (int k = 0; k < 64; k++) {
        notified(BLK_VIRT_CH_CLIENT0);
        CHECK(driver_take(), "drain: %s", driver_why);
        driver_answer(BLK_QUEUE_CAPACITY * 2, true);
        notified(BLK_VIRT_CH_DRIVER);
        for (int c = 0; c < 2; c++) {
            struct blk_response r;
            while (blk_dequeue_response(&cq[c], &r)) {
                CHECK(r.id < ID_SPACE && outstanding[c][r.id], "drain: a stray answer");
                outstanding[c][r.id] = 0;
                answered[c]++;
            }
        }
    }
    for (int c = 0; c < 2; c++)
        CHECK(answered[c] == next_id[c], "client %d: %llu of %u answered", c,
              (unsigned long long)answered[c], next_id[c]);
    CHECK(driver.bad_responses > 0 && clients[2].stats.requests > 1000,
          "the hostility did not happen: %llu bogus answers, %llu hostile requests",
          (unsigned long long)driver.bad_responses, (unsigned long long)clients[2].stats.requests);
    printf("PASS: blk-virt-host/random (%llu and %llu answered, %llu bogus driver answers)\n",
           (unsigned long long)answered[0], (unsigned long long)answered[1],
           (unsigned long long)driver.bad_responses);
}

/* ---- Driver restarts --------------------------------------------------------------------- */

#define RS_BLOCKS 256u /* blocks each client uses */

/* What one client of the restart test has outstanding and what the disk must hold. */
struct rs_client {
    uint8_t op[ID_SPACE]; /* 0: free id */
    uint32_t blk[ID_SPACE];
    uint32_t tag[ID_SPACE];
    bool busy_block[RS_BLOCKS];   /* a request on this block is outstanding */
    uint32_t disk_tag[RS_BLOCKS]; /* the tag of the last answered write (0: none) */
    uint32_t next_id, next_tag;
    uint64_t sent, answered;
};

static uint32_t rs_tag_at(int c, uint64_t offset)
{
    uint32_t t;
    memcpy(&t, data[c] + offset, sizeof t);
    return t;
}

/* Each id owns 4 KiB of the client's data region. */
static uint64_t rs_offset(uint32_t id)
{
    return (uint64_t)(id % 256u) * BLK_BLOCK_SIZE;
}

/* One random run with restarts: *lost_out is the requests never answered (after a drain). */
static void restart_run(unsigned restarts_wanted, bool broken, uint64_t *restarts_done,
                        uint64_t *lost_out)
{
    static const bool present[3] = {true, true, false};
    static const uint64_t part[3] = {1, 3, 0};
    setup(present, part, false, false);
    resync_broken = broken ? 1 : 0;
    static struct rs_client cl[2];
    memset(cl, 0, sizeof cl);
    uint64_t restarts = 0;
    for (unsigned step = 0; restarts < restarts_wanted && step < restarts_wanted * 40; step++) {
        for (int c = 0; c < 2; c++) {
            struct rs_client *k = &cl[c];
            for (unsigned n = (unsigned)(rnd() % 8); n > 0; n--) {
                uint32_t id = k->next_id % 256u, b = (uint32_t)(rnd() % RS_BLOCKS);
                if (k->op[id] != 0 || k->busy_block[b])
                    break;
                uint16_t op = rnd() % 10 == 0 ? BLK_FLUSH : rnd() % 2 ? BLK_WRITE : BLK_READ;
                uint32_t tag = ++k->next_tag;
                if (op == BLK_WRITE)
                    memcpy(data[c] + rs_offset(id), &tag, sizeof tag);
                else
                    memset(data[c] + rs_offset(id), 0xee, 4);
                if (!send(c, id, op, b, op == BLK_FLUSH ? 0 : 1, rs_offset(id)))
                    break;
                k->op[id] = (uint8_t)op;
                k->blk[id] = b;
                k->tag[id] = tag;
                if (op != BLK_FLUSH)
                    k->busy_block[b] = true;
                k->next_id++;
                k->sent++;
            }
        }
        notified(BLK_VIRT_CH_CLIENT0 + (unsigned)(rnd() % 2));
        CHECK(driver_take(), "step %u: %s", step, driver_why);
        driver_answer((unsigned)(rnd() % 24), true);
        if (rnd() % 6 == 0) { /* a crash: some requests done and not answered, the rest lost */
            for (unsigned n = (unsigned)(rnd() % 4); n > 0 && held_count > 0; n--) {
                struct blk_request r = held[--held_count];
                int owner;
                uint8_t *mem = device_memory(r.offset, BLK_BLOCK_SIZE, &owner);
                if (r.op == BLK_WRITE && mem != NULL)
                    memcpy(disk + r.block * BLK_BLOCK_SIZE, mem, BLK_BLOCK_SIZE);
            }
            driver_start();
            restarts++;
            notified(BLK_VIRT_CH_DRIVER); /* the driver announces */
        }
        notified(BLK_VIRT_CH_DRIVER);
        for (int c = 0; c < 2; c++) {
            struct rs_client *k = &cl[c];
            struct blk_response r;
            while (blk_dequeue_response(&cq[c], &r)) {
                CHECK(r.id < 256u && k->op[r.id] != 0,
                      "step %u: client %d: an answer for id %u not outstanding (twice?)", step, c,
                      r.id);
                if (r.id >= 256u || k->op[r.id] == 0)
                    continue;
                CHECK(r.status == BLK_OK, "client %d: status %u", c, r.status);
                uint32_t b = k->blk[r.id];
                if (k->op[r.id] == BLK_WRITE) {
                    k->disk_tag[b] = k->tag[r.id];
                } else if (k->op[r.id] == BLK_READ) {
                    uint32_t got = rs_tag_at(c, rs_offset(r.id)), want = k->disk_tag[b];
                    CHECK(want == 0 ? got != 0xeeeeeeeeu : got == want,
                          "step %u: client %d: block %u read tag %u, the last write's is %u", step,
                          c, b, got, want);
                }
                if (k->op[r.id] != BLK_FLUSH)
                    k->busy_block[b] = false;
                k->op[r.id] = 0;
                k->answered++;
            }
        }
    }
    /* Drain with no more restarts: everything sent must be answered (unless broken). */
    for (int n = 0; n < 64; n++) {
        notified(BLK_VIRT_CH_CLIENT0);
        CHECK(driver_take(), "drain: %s", driver_why);
        driver_answer(BLK_QUEUE_CAPACITY * 2, true);
        notified(BLK_VIRT_CH_DRIVER);
        for (int c = 0; c < 2; c++) {
            struct blk_response r;
            while (blk_dequeue_response(&cq[c], &r)) {
                CHECK(r.id < 256u && cl[c].op[r.id] != 0, "drain: a stray or repeated answer");
                if (r.id < 256u && cl[c].op[r.id] == BLK_WRITE)
                    cl[c].disk_tag[cl[c].blk[r.id]] = cl[c].tag[r.id];
                if (r.id < 256u)
                    cl[c].op[r.id] = 0;
                cl[c].answered++;
            }
        }
    }
    /* No write was done after its answer: the disk holds each block's last answered write. */
    for (int c = 0; c < 2 && !broken; c++)
        for (uint32_t b = 0; b < RS_BLOCKS; b++) {
            uint32_t got;
            memcpy(&got, disk + (client_first[c] + b) * BLK_BLOCK_SIZE, sizeof got);
            CHECK(cl[c].disk_tag[b] == 0 || got == cl[c].disk_tag[b],
                  "client %d: block %u holds tag %u, its last answered write is %u", c, b, got,
                  cl[c].disk_tag[b]);
        }
    *restarts_done = restarts;
    *lost_out = (cl[0].sent - cl[0].answered) + (cl[1].sent - cl[1].answered);
}

static void test_restarts(void)
{
    uint64_t restarts = 0, lost = 1;
    restart_run(3000, false, &restarts, &lost);
    CHECK(restarts >= 3000 && lost == 0, "%llu restarts, %llu requests never answered",
          (unsigned long long)restarts, (unsigned long long)lost);
    printf("PASS: blk-virt-host/restarts (%llu driver restarts, %llu requests issued again, "
           "none lost or answered twice)\n",
           (unsigned long long)restarts, (unsigned long long)driver.reissued);
    restart_run(200, true, &restarts, &lost);
    CHECK(lost > 0, "with resync_broken nothing was lost: the test cannot see a loss");
    printf("PASS: blk-virt-host/restarts_broken_resync_loses (%llu requests lost in %llu "
           "restarts)\n",
           (unsigned long long)lost, (unsigned long long)restarts);
}

/* ---- blk_virt's own restarts ------------------------------------------------------------ */

#define VR_DEPTH 32u /* requests one client has outstanding at most */

struct vr_client {
    struct rs_client rs;
    uint64_t order[256]; /* when each id was first sent: it is sent again in this order */
    uint64_t next_order;
    uint32_t outstanding;
    uint32_t acknowledged;                        /* blk_virt's generation it resynchronised with */
    uint32_t again[256], again_count, again_sent; /* ids to send again, oldest first */
};

static struct vr_client vr[2];
static uint64_t vr_crashes, vr_failures, vr_resends;
static bool vr_expect_broken; /* count failures instead of failing */

/* A failure: fatal unless a broken variant is expected to fail. */
#define VR_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            if (vr_expect_broken && vr_failures++ == 0) {                                          \
                printf("  the broken run's first failure: ");                                      \
                printf(__VA_ARGS__);                                                               \
                printf("\n");                                                                      \
            }                                                                                      \
            if (!vr_expect_broken)                                                                 \
                CHECK(cond, __VA_ARGS__);                                                          \
        }                                                                                          \
    } while (0)

static void vr_arm(void)
{
    stub_fault_countdown = 1 + rnd() % 200;
}

/* One of blk_virt's entry points (start or notified); a fault injected in it restarts
 * blk_virt, as its supervisor would (its generation one more, init() again), until an
 * entry point runs to its end. */
static void vr_enter(bool start, bst_channel_t ch)
{
    volatile bool starting = start;
    for (;;) {
        if (setjmp(stub_crash) == 0) {
            if (starting)
                init();
            else
                notified(ch);
            return;
        }
        vr_crashes++;
        stub_generation++;
        vr_arm();
        starting = true;
    }
}

static bool vr_is_barrier(uint16_t op)
{
    return op == BLK_FLUSH || op == BLK_BARRIER;
}

/* The simulated driver with flushes (and BLK_BARRIER) as barriers: a request behind one it
 * holds is not done before it, and a barrier is done only once it is the oldest held.
 * Otherwise any held request may be done next: picked at random, so some wait long. */
static void vr_driver_answer(unsigned n)
{
    while (n-- > 0 && held_count > 0) {
        unsigned limit = 0; /* held[0..limit] may go */
        while (limit + 1 < held_count && !vr_is_barrier(held[limit].op) &&
               !vr_is_barrier(held[limit + 1].op))
            limit++;
        unsigned k = (unsigned)(rnd() % (limit + 1));
        struct blk_request r = held[k];
        memmove(&held[k], &held[k + 1], (held_count - k - 1) * sizeof held[0]);
        held_count--;
        if (!vr_is_barrier(r.op)) {
            int owner;
            uint8_t *mem = device_memory(r.offset, (uint64_t)r.count * BLK_BLOCK_SIZE, &owner);
            uint8_t *blocks = disk + r.block * BLK_BLOCK_SIZE;
            if (r.op == BLK_READ)
                memcpy(mem, blocks, (size_t)r.count * BLK_BLOCK_SIZE);
            else
                memcpy(blocks, mem, (size_t)r.count * BLK_BLOCK_SIZE);
        }
        blk_enqueue_response(&drv,
                             (struct blk_response){.id = r.id, .status = BLK_OK, .count = r.count});
    }
}

/* Client c takes its answers and checks each. */
static void vr_take_answers(int c, unsigned step)
{
    struct vr_client *v = &vr[c];
    struct rs_client *k = &v->rs;
    struct blk_response r;
    while (blk_dequeue_response(&cq[c], &r)) {
        VR_CHECK(r.id < 256u && k->op[r.id] != 0,
                 "step %u: client %d: an answer for id %u, not outstanding", step, c, r.id);
        if (r.id >= 256u || k->op[r.id] == 0)
            continue;
        VR_CHECK(r.status == BLK_OK, "step %u: client %d: status %u", step, c, r.status);
        uint32_t b = k->blk[r.id];
        if (k->op[r.id] == BLK_WRITE) {
            k->disk_tag[b] = k->tag[r.id];
        } else if (k->op[r.id] == BLK_READ) {
            uint32_t got = rs_tag_at(c, rs_offset(r.id)), want = k->disk_tag[b];
            VR_CHECK(want == 0 ? got != 0xeeeeeeeeu : got == want,
                     "step %u: client %d: block %u read tag %u, the last write's is %u", step, c, b,
                     got, want);
        }
        if (k->op[r.id] != BLK_FLUSH)
            k->busy_block[b] = false;
        k->op[r.id] = 0;
        k->answered++;
        v->outstanding--;
    }
}

/* What is to be sent again, as the ring has room (blk_virt discards the entries before the
 * acknowledgement only once it sees it). */
static void vr_send_again(int c)
{
    struct vr_client *v = &vr[c];
    struct rs_client *k = &v->rs;
    while (v->again_sent < v->again_count) {
        uint32_t id = v->again[v->again_sent];
        if (!send(c, id, k->op[id], k->blk[id], k->op[id] == BLK_FLUSH ? 0 : 1, rs_offset(id)))
            return;
        v->again_sent++;
        vr_resends++;
    }
}

/* The client library's resynchronisation: on a generation not yet acknowledged, take the
 * last run's answers, acknowledge, and send again what is unanswered, oldest first. */
static void vr_resync(int c, unsigned step)
{
    struct vr_client *v = &vr[c];
    uint32_t g = blk_resync_generation(&cq[c]);
    if (g != v->acknowledged) {
        vr_take_answers(c, step);
        blk_resync_acknowledge(&cq[c], g);
        v->acknowledged = g;
        v->again_count = v->again_sent = 0;
        for (uint32_t id = 0; id < 256u; id++) {
            if (v->rs.op[id] == 0)
                continue;
            uint32_t n = v->again_count++;
            while (n > 0 && v->order[v->again[n - 1]] > v->order[id]) {
                v->again[n] = v->again[n - 1];
                n--;
            }
            v->again[n] = id;
        }
    }
    vr_send_again(c);
}

/* Client c sends a few random requests (one per block at a time, VR_DEPTH at most). */
static void vr_send(int c)
{
    struct vr_client *v = &vr[c];
    struct rs_client *k = &v->rs;
    if (v->again_sent < v->again_count)
        return; /* what is sent again goes first */
    for (unsigned n = (unsigned)(rnd() % 6); n > 0 && v->outstanding < VR_DEPTH; n--) {
        uint32_t id = k->next_id % 256u, b = (uint32_t)(rnd() % RS_BLOCKS);
        if (k->op[id] != 0 || k->busy_block[b])
            break;
        uint16_t op = rnd() % 10 == 0 ? BLK_FLUSH : rnd() % 2 ? BLK_WRITE : BLK_READ;
        uint32_t tag = ++k->next_tag;
        if (op == BLK_WRITE)
            memcpy(data[c] + rs_offset(id), &tag, sizeof tag);
        else
            memset(data[c] + rs_offset(id), 0xee, 4);
        if (!send(c, id, op, b, op == BLK_FLUSH ? 0 : 1, rs_offset(id)))
            break;
        k->op[id] = (uint8_t)op;
        k->blk[id] = b;
        k->tag[id] = tag;
        v->order[id] = v->next_order++;
        if (op != BLK_FLUSH)
            k->busy_block[b] = true;
        k->next_id++;
        k->sent++;
        v->outstanding++;
    }
}

/* One run of `steps` steps with faults injected into blk_virt, then a drain without. */
static void vr_run(unsigned steps, uint64_t broken)
{
    static const bool present[3] = {true, true, false};
    static const uint64_t part[3] = {1, 3, 0};
    setup(present, part, false, false);
    stub_generation = 0;
    memset(vr, 0, sizeof vr);
    vr_crashes = vr_failures = vr_resends = 0;
    virt_resync_broken = broken;
    bst_fault_inject = 1;
    vr_arm();
    for (unsigned step = 0; step < steps; step++) {
        for (int c = 0; c < 2; c++) {
            vr_resync(c, step);
            vr_send(c);
        }
        vr_enter(false, BLK_VIRT_CH_CLIENT0 + (unsigned)(rnd() % 2));
        CHECK(driver_take(), "step %u: %s", step, driver_why);
        vr_driver_answer((unsigned)(rnd() % 10));
        vr_enter(false, BLK_VIRT_CH_DRIVER);
        for (int c = 0; c < 2; c++) {
            vr_resync(c, step);
            vr_take_answers(c, step);
        }
    }
    stub_fault_countdown = 0; /* no more faults: everything must be answered */
    for (int n = 0; n < 64; n++) {
        for (int c = 0; c < 2; c++)
            vr_resync(c, steps);
        vr_enter(false, BLK_VIRT_CH_CLIENT0);
        CHECK(driver_take(), "drain: %s", driver_why);
        vr_driver_answer(BLK_QUEUE_CAPACITY * 2);
        vr_enter(false, BLK_VIRT_CH_DRIVER);
        for (int c = 0; c < 2; c++) {
            vr_resync(c, steps);
            vr_take_answers(c, steps);
        }
    }
    bst_fault_inject = 0;
    for (int c = 0; c < 2; c++) {
        VR_CHECK(vr[c].outstanding == 0, "client %d: %u requests never answered", c,
                 vr[c].outstanding);
        for (uint32_t b = 0; b < RS_BLOCKS; b++) {
            uint32_t got;
            memcpy(&got, disk + (client_first[c] + b) * BLK_BLOCK_SIZE, sizeof got);
            VR_CHECK(vr[c].rs.disk_tag[b] == 0 || got == vr[c].rs.disk_tag[b],
                     "client %d: block %u holds tag %u, its last answered write is %u", c, b, got,
                     vr[c].rs.disk_tag[b]);
        }
    }
}

static void test_virt_restarts(void)
{
    vr_expect_broken = false;
    vr_run(20000, 0);
    CHECK(vr_failures == 0 && vr_crashes >= 1000, "%llu failures, %llu blk_virt restarts",
          (unsigned long long)vr_failures, (unsigned long long)vr_crashes);
    printf("PASS: blk-virt-host/virt_restarts (%llu blk_virt restarts, %llu + %llu requests "
           "answered, %llu sent again, %llu stale driver answers dropped in the last run)\n",
           (unsigned long long)vr_crashes, (unsigned long long)vr[0].rs.answered,
           (unsigned long long)vr[1].rs.answered, (unsigned long long)vr_resends,
           (unsigned long long)driver.bad_responses);
    for (uint64_t broken = 1; broken <= 2; broken++) {
        vr_expect_broken = true;
        vr_run(20000, broken);
        vr_expect_broken = false;
        CHECK(vr_failures > 0, "with virt_resync_broken %llu no client saw anything wrong",
              (unsigned long long)broken);
        printf("PASS: blk-virt-host/virt_restarts_broken_%llu_fails (%llu failures seen in %llu "
               "restarts)\n",
               (unsigned long long)broken, (unsigned long long)vr_failures,
               (unsigned long long)vr_crashes);
    }
    virt_resync_broken = 0;
}

int main(void)
{
    test_start();
    test_translation();
    test_refusals();
    test_read_only();
    test_flush();
    test_refused_table();
    test_boot_read_error();
    test_wait_for_driver();
    test_fairness();
    test_full_response_ring();
    test_wakes_waiting_producers();
    test_hostile_ring();
    test_driver_bogus_ids();
    test_signals();
    test_random();
    test_restarts();
    test_virt_restarts();
    return host_check_failures == 0 ? 0 : 1;
}
