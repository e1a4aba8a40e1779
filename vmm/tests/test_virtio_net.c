/*
 * The legacy virtio-net device (virtio_net.c, on virtqueue.c), driven through the exit
 * dispatcher with port exits as Linux's virtio_pci and virtio_net make them: the MAC
 * feature and configuration, both queues set up, a frame the guest transmits (header
 * and frame in one buffer, and split across two), frames received into posted buffers,
 * the INTx line on IRQ 10; then a guest that lies (bad headers, oversized frames,
 * readable receive buffers, buffers outside its RAM, runaway indices): the device goes
 * broken, says why once, the console beside it keeps working, and a reset heals it;
 * then 100,000 random accesses over random rings with frames both ways under ASan.
 */
#include <stdlib.h>
#include <string.h>
#include <vmm/bytes.h>
#include <vmm/machine.h>

#include "check.h"
#include "tests.h"
#include "virtio_guest.h"

#define NBAR VMM_PCI_NET_BAR_BASE
#define RXQ  0x10000u
#define TXQ  0x20000u

static struct virtio_guest g = {.bar = NBAR};

/* virtio_net's probe: reset, acknowledge, the MAC feature, both queues, DRIVER_OK. */
static void driver_setup(void)
{
    vg_cfg_write(&g, VMM_PCI_NET_SLOT, 0x04, 2, VMM_PCI_COMMAND_IO);
    vg_reg_write(&g, VMM_VL_STATUS, 1, 0);
    vg_reg_write(&g, VMM_VL_STATUS, 1, 1);
    vg_reg_write(&g, VMM_VL_STATUS, 1, 3);
    CHECK(vg_reg_read(&g, VMM_VL_DEVICE_FEATURES, 4) == VMM_VNET_F_MAC);
    vg_reg_write(&g, VMM_VL_GUEST_FEATURES, 4, 0xffffffffu); /* asks for everything */
    CHECK(vg_reg_read(&g, VMM_VL_GUEST_FEATURES, 4) == VMM_VNET_F_MAC);
    const uint32_t pages[2] = {RXQ >> 12, TXQ >> 12};
    for (unsigned q = 0; q < 2; q++) {
        vg_reg_write(&g, VMM_VL_QUEUE_SELECT, 2, q);
        CHECK(vg_reg_read(&g, VMM_VL_QUEUE_SIZE_REG, 2) == VMM_VQ_SIZE);
        vg_reg_write(&g, VMM_VL_QUEUE_PFN, 4, pages[q]);
        CHECK(vg_reg_read(&g, VMM_VL_QUEUE_PFN, 4) == pages[q]);
    }
    vg_reg_write(&g, VMM_VL_QUEUE_SELECT, 2, 2);
    CHECK(vg_reg_read(&g, VMM_VL_QUEUE_SIZE_REG, 2) == 0); /* no control queue */
    vg_reg_write(&g, VMM_VL_STATUS, 1, 7);
}

/* A test frame of len bytes: broadcast destination, the guest's MAC, then a pattern. */
static void frame_of(uint8_t *f, unsigned len, uint8_t seed)
{
    for (unsigned i = 0; i < len; i++)
        f[i] = (uint8_t)(seed + i * 7);
    memset(f, 0xff, 6);
}

static bool net_irr(void)
{
    return (g.m.pic.chip[1].irr & (1u << (VMM_PCI_NET_IRQ - 8))) != 0;
}

void test_virtio_net(void)
{
    g.ram = calloc(1, VG_RAM_SIZE);
    vg_fresh(&g);
    uint8_t frame[VMM_VNET_FRAME_MAX], out[VMM_VNET_FRAME_MAX];
    frame_of(frame, 60, 1);
    /* Nothing moves before the driver is ready. */
    CHECK(!vmm_net_put_frame(&g.m, frame, 60) && vmm_net_take_frame(&g.m, out) == 0);
    driver_setup();
    /* The MAC, byte by byte and as words; the configuration past it reads zero. */
    const uint8_t mac[6] = VMM_DEFAULT_MAC;
    for (unsigned i = 0; i < 6; i++)
        CHECK(vg_reg_read(&g, VMM_VNET_MAC + i, 1) == mac[i]);
    CHECK(vg_reg_read(&g, VMM_VNET_MAC, 4) == (uint32_t)vmm_le_load(mac, 4));
    CHECK(vg_reg_read(&g, 0x1a, 2) == 0 && vg_reg_read(&g, 0x20, 1) == 0xff);
    vg_reg_write(&g, VMM_VNET_MAC, 1, 0x55); /* read-only */
    CHECK(vg_reg_read(&g, VMM_VNET_MAC, 1) == mac[0]);
    /* No receive buffer posted: refused and counted. */
    CHECK(!vmm_net_put_frame(&g.m, frame, 60) && g.m.vnet.rx_no_buffer == 1);
    /* Receive: one buffer as Linux's small buffers; a split chain of 10 + 1526. */
    vg_set_desc(g.ram, RXQ, 0, 0x30000, 1536, 2, 0);
    vg_set_desc(g.ram, RXQ, 1, 0x31000, 10, 3, 2);
    vg_set_desc(g.ram, RXQ, 2, 0x31100, 1526, 2, 0);
    vg_make_available(g.ram, RXQ, 0);
    vg_make_available(g.ram, RXQ, 1);
    memset(g.ram + 0x30000, 0xaa, 16);
    CHECK(vmm_net_put_frame(&g.m, frame, 60));
    CHECK(g.ram[0x30000] == 0 && memcmp(g.ram + 0x30000 + 1, g.ram + 0x30000 + 2, 8) == 0);
    CHECK(memcmp(g.ram + 0x3000a, frame, 60) == 0);
    CHECK(vg_used_idx(g.ram, RXQ) == 1 && vg_used_word(g.ram, RXQ, 0, 0) == 0 &&
          vg_used_word(g.ram, RXQ, 0, 1) == 70);
    CHECK(vmm_vnet_irq(&g.m.vnet) && net_irr());
    frame_of(frame, VMM_VNET_FRAME_MAX, 9);
    CHECK(vmm_net_put_frame(&g.m, frame, VMM_VNET_FRAME_MAX));
    CHECK(memcmp(g.ram + 0x31100, frame, VMM_VNET_FRAME_MAX) == 0);
    CHECK(vg_used_word(g.ram, RXQ, 1, 0) == 1 &&
          vg_used_word(g.ram, RXQ, 1, 1) == 10 + VMM_VNET_FRAME_MAX);
    /* Lengths out of range are refused without touching the queue. */
    CHECK(!vmm_net_put_frame(&g.m, frame, 13) && !vmm_net_put_frame(&g.m, frame, 1515));
    CHECK(vg_reg_read(&g, VMM_VL_ISR, 1) == 1 && !vmm_vnet_irq(&g.m.vnet) &&
          vg_reg_read(&g, VMM_VL_ISR, 1) == 0);
    /* Transmit: header and frame in one buffer, then split as header + two pieces. */
    frame_of(frame, 98, 3);
    memset(g.ram + 0x40000, 0, 10);
    memcpy(g.ram + 0x4000a, frame, 98);
    vg_set_desc(g.ram, TXQ, 0, 0x40000, 108, 0, 0);
    vg_make_available(g.ram, TXQ, 0);
    CHECK(!g.m.vnet.tx_kicked);
    vg_reg_write(&g, VMM_VL_QUEUE_NOTIFY, 2, VMM_VNET_TX);
    CHECK(g.m.vnet.tx_kicked);
    CHECK(vmm_net_take_frame(&g.m, out) == 98 && memcmp(out, frame, 98) == 0);
    CHECK(vg_used_idx(g.ram, TXQ) == 1 && vg_used_word(g.ram, TXQ, 0, 0) == 0 &&
          vmm_vnet_irq(&g.m.vnet));
    CHECK(vmm_net_take_frame(&g.m, out) == 0); /* nothing more */
    memset(g.ram + 0x41000, 0, 10);
    memcpy(g.ram + 0x42000, frame, 40);
    memcpy(g.ram + 0x43000, frame + 40, 58);
    vg_set_desc(g.ram, TXQ, 5, 0x41000, 10, 1, 6);
    vg_set_desc(g.ram, TXQ, 6, 0x42000, 40, 1, 7);
    vg_set_desc(g.ram, TXQ, 7, 0x43000, 58, 0, 0);
    vg_make_available(g.ram, TXQ, 5);
    CHECK(vmm_net_take_frame(&g.m, out) == 98 && memcmp(out, frame, 98) == 0);
    CHECK(vg_used_word(g.ram, TXQ, 1, 0) == 5 && g.m.vnet.frames_out == 2 &&
          g.m.vnet.frames_in == 2);
    CHECK(!g.m.vnet.vl.broken && g.last.report.msg[0] == '\0');
    /* A reset forgets the queues but keeps the MAC. */
    vg_reg_write(&g, VMM_VL_STATUS, 1, 0);
    vg_reg_write(&g, VMM_VL_QUEUE_SELECT, 2, 0);
    CHECK(vg_reg_read(&g, VMM_VL_QUEUE_PFN, 4) == 0 && vg_reg_read(&g, VMM_VNET_MAC, 1) == mac[0]);
    free(g.ram);
    g.ram = NULL;
}

/* One lie: set up afresh, let `lie` damage the rings, then drive the queue it names
 * (transmit unless rx); the device must be broken with a report naming `why` (given
 * at the next register access), do nothing more, leave the console working, and work
 * again after a reset. */
static void expect_broken(void (*lie)(void), bool rx, const char *why)
{
    vg_fresh(&g);
    driver_setup();
    g.reported[0] = '\0';
    lie();
    uint8_t frame[VMM_VNET_FRAME_MAX], out[VMM_VNET_FRAME_MAX];
    frame_of(frame, 64, 5);
    if (rx)
        CHECK(!vmm_net_put_frame(&g.m, frame, 64));
    else
        CHECK(vmm_net_take_frame(&g.m, out) == 0);
    vg_reg_read(&g, VMM_VL_ISR, 1);
    CHECK(g.m.vnet.vl.broken && strstr(g.reported, "virtio-net broken") != NULL);
    CHECK(strstr(g.reported, why) != NULL);
    uint16_t used_rx = vg_used_idx(g.ram, RXQ), used_tx = vg_used_idx(g.ram, TXQ);
    g.reported[0] = '\0';
    CHECK(!vmm_net_put_frame(&g.m, frame, 64) && vmm_net_take_frame(&g.m, out) == 0);
    /* A second fault (the transmit rings far past guest RAM) is neither reported nor
     * kept: the first reason stays. */
    char first[VMM_ERROR_MAX];
    memcpy(first, g.m.vnet.vl.problem.msg, sizeof(first));
    vg_reg_write(&g, VMM_VL_QUEUE_SELECT, 2, 1);
    vg_reg_write(&g, VMM_VL_QUEUE_PFN, 4, 0x7ffff);
    CHECK(strcmp(first, g.m.vnet.vl.problem.msg) == 0);
    vg_reg_read(&g, VMM_VL_ISR, 1);
    CHECK(g.reported[0] == '\0' && vg_used_idx(g.ram, RXQ) == used_rx &&
          vg_used_idx(g.ram, TXQ) == used_tx);
    CHECK(!g.m.vcon.vl.broken);
    /* Reset and a clean set-up: frames move again. */
    memset(g.ram, 0, VG_RAM_SIZE);
    driver_setup();
    CHECK(!g.m.vnet.vl.broken);
    vg_set_desc(g.ram, RXQ, 0, 0x30000, 1536, 2, 0);
    vg_make_available(g.ram, RXQ, 0);
    CHECK(vmm_net_put_frame(&g.m, frame, 64) && memcmp(g.ram + 0x3000a, frame, 64) == 0);
    memcpy(g.ram + 0x4000a, frame, 64);
    vg_set_desc(g.ram, TXQ, 0, 0x40000, 74, 0, 0);
    vg_make_available(g.ram, TXQ, 0);
    CHECK(vmm_net_take_frame(&g.m, out) == 64 && memcmp(out, frame, 64) == 0);
}

static void tx_one(uint64_t addr, uint32_t len, uint16_t flags)
{
    vg_set_desc(g.ram, TXQ, 0, addr, len, flags, 0);
    vg_make_available(g.ram, TXQ, 0);
}
static void lie_tx_header(void)
{
    g.ram[0x40000] = 1; /* NEEDS_CSUM: not offered */
    tx_one(0x40000, 74, 0);
}
static void lie_tx_gso(void)
{
    g.ram[0x40001] = 1; /* GSO_TCPV4 */
    tx_one(0x40000, 74, 0);
}
static void lie_tx_long(void)
{
    tx_one(0x40000, 10 + 1515, 0);
}
static void lie_tx_short(void)
{
    tx_one(0x40000, 10 + 13, 0);
}
static void lie_tx_writable(void)
{
    tx_one(0x40000, 74, 2);
}
static void lie_tx_outside(void)
{
    tx_one(VG_RAM_SIZE - 8, 74, 0);
}
static void lie_tx_runaway(void)
{
    vmm_le_store(g.ram + VG_AVAIL(TXQ) + 2, 2, 500);
}
static void lie_tx_loop(void)
{
    vg_set_desc(g.ram, TXQ, 0, 0x40000, 10, 1, 0);
    vg_make_available(g.ram, TXQ, 0);
}
static void lie_rx_readable(void)
{
    vg_set_desc(g.ram, RXQ, 0, 0x30000, 1536, 0, 0);
    vg_make_available(g.ram, RXQ, 0);
}
static void lie_rx_small(void)
{
    vg_set_desc(g.ram, RXQ, 0, 0x30000, 40, 2, 0);
    vg_make_available(g.ram, RXQ, 0);
}
static void lie_rx_head(void)
{
    vg_make_available(g.ram, RXQ, 64);
}
static void lie_rx_rings(void)
{
    vg_reg_write(&g, VMM_VL_QUEUE_SELECT, 2, 0);
    vg_reg_write(&g, VMM_VL_QUEUE_PFN, 4, (VG_RAM_SIZE >> 12) - 1);
}

void test_virtio_net_hostile(void)
{
    g.ram = calloc(1, VG_RAM_SIZE);
    expect_broken(lie_tx_header, false, "offload not offered");
    expect_broken(lie_tx_gso, false, "offload not offered, byte 0x1");
    expect_broken(lie_tx_long, false, "longer than 1514");
    expect_broken(lie_tx_short, false, "shorter than header");
    expect_broken(lie_tx_writable, false, "device-writable buffer in a transmit chain");
    expect_broken(lie_tx_outside, false, "buffer outside guest RAM");
    expect_broken(lie_tx_runaway, false, "runs ahead of the queue");
    expect_broken(lie_tx_loop, false, "longer than the queue");
    expect_broken(lie_rx_readable, true, "device-readable buffer in a receive chain");
    expect_broken(lie_rx_small, true, "too small for the frame");
    expect_broken(lie_rx_head, true, "chain head outside the queue: 0x40");
    expect_broken(lie_rx_rings, true, "queue rings outside guest RAM");
    /* 100,000 random accesses to the BAR over random rings, frames both ways: nothing
     * may touch memory outside guest RAM (ASan); every frame taken is of a valid length. */
    vg_fresh(&g);
    driver_setup();
    srand(2424);
    unsigned reports = 0, taken = 0, put = 0;
    for (unsigned i = 0; i < 100000; i++) {
        if (i % 1000 == 0)
            for (unsigned k = 0; k < 4096; k++)
                g.ram[(rand() % 2 ? RXQ : TXQ) + (unsigned)rand() % 8192] = (uint8_t)rand();
        unsigned off = (unsigned)rand() % 0x24, size = 1u << (rand() % 3);
        uint32_t value = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
        if (rand() % 4 == 0)
            value %= 300;
        if (rand() % 3 == 0) { /* well-formed chains too, so that frames move */
            unsigned d = (unsigned)rand() % VMM_VQ_SIZE;
            vg_set_desc(g.ram, RXQ, d, 0x30000 + 0x800u * (d % 16), 1536, 2, 0);
            vg_make_available(g.ram, RXQ, (uint16_t)d);
            vg_set_desc(g.ram, TXQ, d, 0x40000, 10 + 14 + (uint32_t)rand() % 1500, 0, 0);
            vg_make_available(g.ram, TXQ, (uint16_t)d);
        }
        bool down = g.m.vnet.vl.broken || !(g.m.vnet.vl.status & VMM_VL_STATUS_DRIVER_OK) ||
                    !g.m.vnet.vl.queue[0].pfn || !g.m.vnet.vl.queue[1].pfn;
        if (i % 50 == 0 && down) { /* a reset over clean rings heals it */
            memset(g.ram + RXQ, 0, 8192);
            memset(g.ram + TXQ, 0, 8192);
            driver_setup();
        }
        g.reported[0] = '\0';
        if (rand() % 2)
            vg_reg_write(&g, off, size, value);
        else
            vg_reg_read(&g, off, size);
        reports += g.reported[0] != '\0';
        uint8_t frame[VMM_VNET_FRAME_MAX + 1]; /* one longer than a frame: refused */
        unsigned len = (unsigned)rand() % (VMM_VNET_FRAME_MAX + 2);
        memset(frame, (int)i, len);
        put += vmm_net_put_frame(&g.m, frame, len);
        unsigned got = vmm_net_take_frame(&g.m, frame);
        CHECK(got == 0 || (got >= VMM_VNET_FRAME_MIN && got <= VMM_VNET_FRAME_MAX));
        taken += got != 0;
        CHECK(g.last.verdict == VMM_RESUME);
    }
    CHECK(reports > 0 && put > 0 && taken > 0); /* it broke the device and frames moved */
    printf("# virtio-net random guest: %u reports, %u frames in, %u out\n", reports, put, taken);
    free(g.ram);
    g.ram = NULL;
}
