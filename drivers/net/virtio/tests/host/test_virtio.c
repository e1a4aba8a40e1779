/*
 * Host tests of the virtio-net driver's pure parts (suite virtio-net-host, ASan + UBSan):
 * the virtqueue bookkeeping (virtq.c) against a simulated device that completes chains
 * honestly, out of order, and with every kind of garbage; and the capability parser
 * (transport.c: virtio_pci_find, the notify address) against well-formed, damaged and
 * random configuration spaces.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_CHECK_SUITE "virtio-net-host"
#include "host_check.h"

#include <bastion/virtio/transport.h>

#include "virtq.h"

#define AREA_PADDR 0x7000000ull
#define DATA_BASE  0x10000000ull

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return n ? (uint32_t)(rng_state % n) : 0;
}

static void *new_area(void)
{
    void *a = aligned_alloc(4096, VIRTQ_AREA_BYTES);
    memset(a, 0xa5, VIRTQ_AREA_BYTES); /* virtq_init must clear it */
    return a;
}

/* The device's side: the chain head at available position `pos`. */
static uint16_t device_avail(const struct virtq *q, uint16_t pos)
{
    return q->avail->ring[pos & (q->size - 1)];
}

static void device_use(struct virtq *q, uint32_t id, uint32_t len)
{
    uint16_t idx = q->used->idx;
    q->used->ring[idx & (q->size - 1)].id = id;
    q->used->ring[idx & (q->size - 1)].len = len;
    q->used->idx = (uint16_t)(idx + 1);
}

static struct queue_buffer buffer(uint32_t i)
{
    return (struct queue_buffer){.offset = DATA_BASE + (uint64_t)i * 2048, .length = 2048};
}

static void test_sizes(void)
{
    CHECK(!virtq_size_ok(0) && !virtq_size_ok(1) && !virtq_size_ok(3) && !virtq_size_ok(512) &&
              !virtq_size_ok(96),
          "sizes that are not powers of two in [2, 256] are refused");
    CHECK(virtq_size_ok(2) && virtq_size_ok(64) && virtq_size_ok(256), "powers of two pass");
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_chains(void)
{
    struct virtq q;
    void *area = new_area();
    virtq_init(&q, area, AREA_PADDR, 8, VIRTQ_DEVICE_WRITES);
    struct virtq_addresses a = virtq_addresses(&q);
    CHECK(a.desc == AREA_PADDR && a.avail == AREA_PADDR + 0x1000 && a.used == AREA_PADDR + 0x2000,
          "the parts' device addresses");
    CHECK(q.avail->idx == 0 && q.avail->flags == 0 && q.used->idx == 0, "a cleared area");
    for (uint32_t i = 0; i < 4; i++)
        CHECK(virtq_post(&q, buffer(i), 2048), "post %u of 4", i);
    CHECK(!virtq_has_slot(&q) && !virtq_post(&q, buffer(9), 2048), "a fifth chain has no slot");
    CHECK(q.avail->idx == 0, "nothing visible before the publish");
    CHECK(virtq_publish(&q) && q.avail->idx == 4 && !virtq_publish(&q), "publish once");
    for (uint16_t p = 0; p < 4; p++) {
        uint16_t head = device_avail(&q, p);
        CHECK(head % 2 == 0 && head < 8, "a chain head is an even descriptor");
        volatile struct virtq_desc *h = &q.desc[head], *d = &q.desc[head + 1];
        CHECK(h->flags == (VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE) && h->next == head + 1 &&
                  h->len == 12 && h->addr == AREA_PADDR + 0x1400 + (uint64_t)head / 2 * 16,
              "the header descriptor of chain %u", head);
        CHECK(d->flags == VIRTQ_DESC_F_WRITE && d->len == 2048 && d->addr == buffer(p).offset,
              "the data descriptor of chain %u names buffer %u", head, p);
    }
    /* Out of order, then each back exactly once. */
    device_use(&q, device_avail(&q, 2), 100);
    device_use(&q, device_avail(&q, 0), 60);
    struct virtq_completion c = virtq_take(&q);
    CHECK(c.status == VIRTQ_DONE && c.buffer.offset == buffer(2).offset && c.length == 100,
          "the first used entry returns its buffer and length");
    c = virtq_take(&q);
    CHECK(c.status == VIRTQ_DONE && c.buffer.offset == buffer(0).offset, "the second");
    CHECK(virtq_take(&q).status == VIRTQ_NONE, "then nothing");
    CHECK(q.in_flight == 2 && q.n_free == 2, "two in flight, two free");
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_transmit_chain(void)
{
    struct virtq q;
    void *area = new_area();
    virtq_init(&q, area, AREA_PADDR, 4, VIRTQ_DEVICE_READS);
    memset((uint8_t *)area + VIRTQ_HEADERS_OFFSET, 0x77, 32);
    CHECK(virtq_post(&q, (struct queue_buffer){.offset = 0x5000, .length = 60}, 60), "post");
    uint16_t head = device_avail(&q, 0);
    CHECK(q.desc[head].flags == VIRTQ_DESC_F_NEXT && q.desc[head + 1].flags == 0 &&
              q.desc[head + 1].len == 60,
          "the device reads both descriptors");
    for (uint32_t i = 0; i < 12; i++)
        CHECK(q.headers[head / 2 * 16 + i] == 0, "the header is zeroed (byte %u)", i);
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_bad_used_entries(void)
{
    struct virtq q;
    void *area = new_area();
    virtq_init(&q, area, AREA_PADDR, 8, VIRTQ_DEVICE_WRITES);
    CHECK(virtq_take(&q).status == VIRTQ_NONE, "nothing in flight, nothing taken");
    q.used->idx = 1000; /* a device running ahead with nothing in flight */
    CHECK(!virtq_used_pending(&q) && virtq_take(&q).status == VIRTQ_NONE,
          "used entries with nothing in flight are not looked at");
    virtq_init(&q, area, AREA_PADDR, 8, VIRTQ_DEVICE_WRITES);
    virtq_post(&q, buffer(0), 2048);
    virtq_post(&q, buffer(1), 2048);
    virtq_publish(&q);
    uint16_t h0 = device_avail(&q, 0);
    const uint32_t bad_ids[] = {h0 + 1u, 8, 0xffffffffu, 6 /* a slot never posted */};
    for (unsigned i = 0; i < 4; i++) {
        device_use(&q, bad_ids[i], 50);
        struct virtq_completion c = virtq_take(&q);
        CHECK(c.status == VIRTQ_BAD_ID && c.id == bad_ids[i], "id %u is refused", bad_ids[i]);
        CHECK(q.in_flight == 2, "and frees nothing");
    }
    device_use(&q, h0, 50);
    device_use(&q, h0, 50); /* twice */
    CHECK(virtq_take(&q).status == VIRTQ_DONE, "the first return of a chain");
    CHECK(virtq_take(&q).status == VIRTQ_BAD_ID, "the second is refused");
    CHECK(q.in_flight == 1, "one chain still in flight");
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_held(void)
{
    struct virtq q;
    struct queue_buffer held[VIRTQ_MAX_SLOTS];
    memset(&q, 0, sizeof(q));
    CHECK(virtq_held(&q, held) == 0, "a queue never set up holds nothing");
    void *area = new_area();
    virtq_init(&q, area, AREA_PADDR, 8, VIRTQ_DEVICE_READS);
    for (uint32_t i = 0; i < 3; i++)
        virtq_post(&q, (struct queue_buffer){.offset = DATA_BASE + i, .length = 60 + i}, 60 + i);
    virtq_publish(&q);
    device_use(&q, device_avail(&q, 1), 0);
    CHECK(virtq_take(&q).status == VIRTQ_DONE, "one chain back");
    unsigned n = virtq_held(&q, held);
    CHECK(n == 2, "two chains still held (%u)", n);
    bool seen0 = false, seen2 = false;
    for (unsigned i = 0; i < n; i++) {
        seen0 |= held[i].offset == DATA_BASE && held[i].length == 60;
        seen2 |= held[i].offset == DATA_BASE + 2 && held[i].length == 62;
    }
    CHECK(seen0 && seen2, "exactly the descriptors given, unchanged");
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_flags(void)
{
    struct virtq q;
    void *area = new_area();
    virtq_init(&q, area, AREA_PADDR, 8, VIRTQ_DEVICE_WRITES);
    CHECK(virtq_kick_wanted(&q), "a device without NO_NOTIFY is kicked");
    q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
    CHECK(!virtq_kick_wanted(&q), "a device with NO_NOTIFY is not");
    virtq_interrupts(&q, false);
    CHECK(q.avail->flags == VIRTQ_AVAIL_F_NO_INTERRUPT, "interrupts off");
    virtq_interrupts(&q, true);
    CHECK(q.avail->flags == 0, "interrupts on");
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

/* A long random run: an honest device completing chains in any order, mixed with a
 * hostile one writing random used entries and random indices. Every buffer must come back
 * at most once per post, only while posted, and the slot counts must stay consistent. */
static void test_random(void)
{
    enum { BUFFERS = 200, ROUNDS = 200000 };
    struct virtq q;
    void *area = new_area();
    virtq_init(&q, area, AREA_PADDR, 64, VIRTQ_DEVICE_WRITES);
    bool posted[BUFFERS] = {false};
    uint16_t device_seen = 0; /* available entries the honest device has taken */
    uint16_t pending[64];     /* chains the device holds */
    unsigned n_pending = 0, returned = 0, refused = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        switch (rnd(8)) {
        case 0:
        case 1: { /* post a buffer not posted */
            uint32_t b = rnd(BUFFERS);
            if (!posted[b] && virtq_post(&q, buffer(b), 2048))
                posted[b] = true;
            break;
        }
        case 2:
            virtq_publish(&q);
            while (device_seen != q.avail->idx && n_pending < 64)
                pending[n_pending++] = device_avail(&q, device_seen++);
            break;
        case 3:
        case 4: /* the honest device completes a held chain */
            if (n_pending > 0) {
                unsigned k = rnd(n_pending);
                device_use(&q, pending[k], 12 + rnd(2048));
                pending[k] = pending[--n_pending];
            }
            break;
        case 5: /* garbage in the used ring, or a wild index */
            if (rnd(4) == 0)
                q.used->idx = (uint16_t)rnd(65536);
            else
                device_use(&q, rnd(4) == 0 ? rnd(64) : (uint32_t)rnd(UINT32_MAX), rnd(UINT32_MAX));
            break;
        default: { /* the driver takes */
            struct virtq_completion c = virtq_take(&q);
            if (c.status == VIRTQ_DONE) {
                uint64_t b = (c.buffer.offset - DATA_BASE) / 2048;
                CHECK(c.buffer.offset >= DATA_BASE && b < BUFFERS && posted[b],
                      "round %u: a buffer that was posted comes back", round);
                posted[b] = false;
                returned++;
            } else if (c.status == VIRTQ_BAD_ID) {
                refused++;
            }
            break;
        }
        }
        unsigned in_posted = 0;
        for (unsigned b = 0; b < BUFFERS; b++)
            in_posted += posted[b];
        CHECK(q.in_flight == in_posted && q.in_flight + q.n_free == q.slots,
              "round %u: %u in flight, %u posted, %u free", round, q.in_flight, in_posted,
              q.n_free);
        /* Chains the driver no longer holds are not the device's to return: drop them
         * from the honest device too, so it does not complete them again. */
        for (unsigned k = 0; k < n_pending;)
            if (!q.busy[pending[k] / 2])
                pending[k] = pending[--n_pending];
            else
                k++;
    }
    CHECK(returned > 1000 && refused > 1000, "both paths ran (%u returned, %u refused)", returned,
          refused);
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s (%u returned, %u refused)\n", __func__, returned,
           refused);
}

/* ---- The capability parser ----------------------------------------------------------- */

static uint8_t config[256];
static const struct virtio_pci_want NET = {.type = VIRTIO_DEVICE_NET, .device_config_bytes = 6};
static uint8_t bar4[VIRTIO_BAR_MAP_BYTES];

static void put_cap(unsigned at, unsigned next, unsigned type, unsigned bar, uint32_t offset,
                    uint32_t length, unsigned len)
{
    config[at] = VIRTIO_PCI_CAP_VENDOR;
    config[at + 1] = (uint8_t)next;
    config[at + 2] = (uint8_t)len;
    config[at + 3] = (uint8_t)type;
    config[at + 4] = (uint8_t)bar;
    memcpy(config + at + 8, &offset, 4);
    memcpy(config + at + 12, &length, 4);
}

/* A layout like QEMU's: the four structures in BAR 4, an MSI-X capability first. */
enum {
    AT_MSIX = 0xa0,
    AT_COMMON = 0x40,
    AT_NOTIFY = 0x54, /* 20 bytes */
    AT_ISR = 0x68,
    AT_DEVICE = 0x78,
    AT_CFG = 0x88, /* PCI configuration access (type 5): skipped */
    AT_SPARE = 0xb0,
};

static void qemu_config(void)
{
    memset(config, 0, sizeof(config));
    uint16_t w[] = {0x1af4, 0x1000};
    memcpy(config, w, 4);
    config[PCI_REG_STATUS] = PCI_STATUS_CAPS;
    config[PCI_REG_SUBSYSTEM + 2] = 1;
    config[PCI_REG_CAP_PTR] = AT_MSIX;
    config[AT_MSIX] = 0x11;
    config[AT_MSIX + 1] = AT_COMMON;
    put_cap(AT_COMMON, AT_NOTIFY, VIRTIO_PCI_CAP_COMMON, 4, 0x0000, 0x1000, 16);
    put_cap(AT_NOTIFY, AT_ISR, VIRTIO_PCI_CAP_NOTIFY, 4, 0x3000, 0x1000, 20);
    uint32_t multiplier = 4;
    memcpy(config + AT_NOTIFY + 16, &multiplier, 4);
    put_cap(AT_ISR, AT_DEVICE, VIRTIO_PCI_CAP_ISR, 4, 0x1000, 0x1000, 16);
    put_cap(AT_DEVICE, AT_CFG, VIRTIO_PCI_CAP_DEVICE, 4, 0x2000, 0x1000, 16);
    put_cap(AT_CFG, 0x00, 5, 0, 0, 4, 20);
}

static const uintptr_t *bars_with_4(void)
{
    static uintptr_t bars[VIRTIO_BAR_COUNT];
    memset(bars, 0, sizeof(bars));
    bars[4] = (uintptr_t)bar4;
    return bars;
}

static void test_find(void)
{
    struct virtio_pci v;
    qemu_config();
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_OK, "QEMU's layout");
    CHECK(v.common == bar4 && v.isr == bar4 + 0x1000 && v.device == bar4 + 0x2000 &&
              v.notify == bar4 + 0x3000 && v.notify_multiplier == 4 && v.device_id == 0x1000,
          "the structures' addresses");
    /* The notify address of queue_notify_off 1, and one beyond the structure. */
    uint16_t noff = 1;
    memcpy(bar4 + VIRTIO_COMMON_Q_NOFF, &noff, 2);
    CHECK(virtio_pci_queue_notify(&v) == (volatile uint16_t *)(bar4 + 0x3004), "queue 1's");
    noff = 0x400; /* 0x1000: past the 0x1000-byte structure */
    memcpy(bar4 + VIRTIO_COMMON_Q_NOFF, &noff, 2);
    CHECK(virtio_pci_queue_notify(&v) == NULL, "a notify offset past the structure");
    noff = 0x3ff;
    memcpy(bar4 + VIRTIO_COMMON_Q_NOFF, &noff, 2);
    CHECK(virtio_pci_queue_notify(&v) == (volatile uint16_t *)(bar4 + 0x3ffc), "the last one");

    qemu_config();
    config[2] = 0x41; /* modern id */
    config[3] = 0x10;
    config[PCI_REG_SUBSYSTEM + 2] = 7;
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_OK, "a modern device id");
    qemu_config();
    config[PCI_REG_SUBSYSTEM + 2] = 2; /* a transitional block device */
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_WRONG_DEVICE, "block");
    qemu_config();
    config[0] = 0x86;
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_WRONG_DEVICE, "vendor");
    qemu_config();
    config[PCI_REG_STATUS] = 0;
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_NO_CAPS, "no list");
    uintptr_t none[VIRTIO_BAR_COUNT] = {0};
    qemu_config();
    CHECK(virtio_pci_find(config, none, NET, &v) == VIRTIO_PCI_NO_COMMON, "BAR 4 not mapped");
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_find_damaged(void)
{
    struct virtio_pci v;
    qemu_config();
    put_cap(AT_COMMON, AT_NOTIFY, VIRTIO_PCI_CAP_COMMON, 4, 0x3800, 0x1000, 16); /* past the map */
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_NO_COMMON, "past the map");
    qemu_config();
    put_cap(AT_COMMON, AT_NOTIFY, VIRTIO_PCI_CAP_COMMON, 4, 0xfffff000u, 0x2000, 16); /* wraps */
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_NO_COMMON,
          "a wrapping one");
    qemu_config();
    put_cap(AT_COMMON, AT_NOTIFY, VIRTIO_PCI_CAP_COMMON, 4, 0, 0x20, 16); /* short */
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_NO_COMMON, "too short");
    qemu_config();
    put_cap(AT_COMMON, AT_NOTIFY, VIRTIO_PCI_CAP_COMMON, 7, 0, 0x1000, 16); /* no such BAR */
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_NO_COMMON, "BAR 7");
    qemu_config();
    config[AT_NOTIFY + 2] = 16; /* no room for the multiplier */
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_NO_NOTIFY, "cap_len 16");
    /* A bad first capability of a type, a good second one: the second is used. */
    qemu_config();
    put_cap(AT_ISR, AT_DEVICE, VIRTIO_PCI_CAP_ISR, 3, 0, 1, 16); /* BAR 3 is not mapped */
    config[AT_CFG + 1] = AT_SPARE;
    put_cap(AT_SPARE, 0x00, VIRTIO_PCI_CAP_ISR, 4, 0x1800, 1, 16);
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_OK &&
              v.isr == bar4 + 0x1800,
          "the first usable capability of a type");
    /* A loop in the list ends; a pointer at the end of the space is not followed. */
    qemu_config();
    config[AT_NOTIFY + 1] = AT_MSIX;
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_NO_ISR, "a loop ends");
    qemu_config();
    config[PCI_REG_CAP_PTR] = 0xfc;
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_NO_COMMON, "at the end");
    qemu_config();
    config[AT_MSIX + 1] = 0xf4; /* 12 bytes before the end: not a whole capability */
    config[0xf4] = VIRTIO_PCI_CAP_VENDOR;
    CHECK(virtio_pci_find(config, bars_with_4(), NET, &v) == VIRTIO_PCI_NO_COMMON, "cut off");
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

/* Random configuration spaces: whatever is found lies inside the mapped BARs. */
static void test_find_random(void)
{
    static uint8_t bars_mem[VIRTIO_BAR_COUNT][VIRTIO_BAR_MAP_BYTES];
    uintptr_t bars[VIRTIO_BAR_COUNT];
    unsigned found = 0;
    for (unsigned round = 0; round < 200000; round++) {
        for (unsigned b = 0; b < VIRTIO_BAR_COUNT; b++)
            bars[b] = rnd(3) ? (uintptr_t)bars_mem[b] : 0;
        qemu_config();
        unsigned flips = rnd(40);
        for (unsigned f = 0; f < flips; f++)
            config[0x34 + rnd(256 - 0x34)] = (uint8_t)rnd(256);
        if (rnd(4) == 0)
            for (unsigned at = AT_COMMON; at <= AT_DEVICE; at += 4)
                config[at + rnd(16)] = (uint8_t)rnd(256);
        struct virtio_pci v;
        if (virtio_pci_find(config, bars, NET, &v) != VIRTIO_PCI_OK)
            continue;
        found++;
        const volatile uint8_t *s[4] = {v.common, v.notify, v.isr, v.device};
        const uint32_t least[4] = {VIRTIO_COMMON_BYTES, 2, 1, 6};
        for (unsigned k = 0; k < 4; k++) {
            bool inside = false;
            for (unsigned b = 0; b < VIRTIO_BAR_COUNT; b++)
                inside |= bars[b] != 0 && (uintptr_t)s[k] >= bars[b] &&
                          (uintptr_t)s[k] + least[k] <= bars[b] + VIRTIO_BAR_MAP_BYTES;
            CHECK(inside, "round %u: structure %u lies inside a mapped BAR", round, k);
        }
        bool notify_inside = false;
        for (unsigned b = 0; b < VIRTIO_BAR_COUNT; b++)
            notify_inside |=
                bars[b] != 0 && (uintptr_t)v.notify >= bars[b] &&
                (uintptr_t)v.notify + v.notify_length <= bars[b] + VIRTIO_BAR_MAP_BYTES;
        CHECK(notify_inside, "round %u: the whole notify structure lies inside a mapped BAR",
              round);
    }
    CHECK(found > 1000, "some random spaces were usable (%u)", found);
    printf("PASS: " HOST_CHECK_SUITE "/%s (%u usable)\n", __func__, found);
}

int main(void)
{
    test_sizes();
    test_chains();
    test_transmit_chain();
    test_bad_used_entries();
    test_held();
    test_flags();
    test_random();
    test_find();
    test_find_damaged();
    test_find_random();
    printf("%s\n", host_check_failures ? "virtio-net-host: FAILED" : "virtio-net-host: all passed");
    return host_check_failures ? 1 : 0;
}
