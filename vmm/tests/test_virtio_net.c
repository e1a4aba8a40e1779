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

#define RAM_SIZE (1u << 20)
#define NBAR     VMM_PCI_NET_BAR_BASE
#define RXQ      0x10000u
#define TXQ      0x20000u

static struct vmm_machine m;
static uint8_t *ram;
static struct vmm_action last;
static char reported[VMM_ERROR_MAX];

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)leaf, (void)subleaf;
    out[0] = out[1] = out[2] = out[3] = 0;
}

static uint64_t port_io(unsigned port, unsigned size, bool in, uint32_t value)
{
    struct bst_vm_exit_msg e = {.reason = BST_VM_EXIT_IO,
                                .rip = 0x1000,
                                .insn_len = 1,
                                .info0 = port | ((uint64_t)size << 16) | (in ? BST_VM_IO_IN : 0),
                                .rax = value};
    vmm_dispatch(&m, &e, 0, &last);
    if (last.report.msg[0])
        memcpy(reported, last.report.msg, sizeof(reported));
    return last.gprs[0];
}

static void cfg_write(unsigned dev, unsigned reg, unsigned size, uint32_t value)
{
    port_io(0xcf8, 4, false, 0x80000000u | dev << 11 | (reg & 0xfc));
    port_io(0xcfc + (reg & 3), size, false, value);
}

static uint32_t reg_read(unsigned off, unsigned size)
{
    return (uint32_t)port_io(NBAR + off, size, true, 0);
}

static void reg_write(unsigned off, unsigned size, uint32_t value)
{
    port_io(NBAR + off, size, false, value);
}

#define DESC(q, i) ((q) + 16u * (i))
#define AVAIL(q)   ((q) + 16u * VMM_VQ_SIZE)
#define USED(q)    ((q) + 4096u)

static void set_desc(uint32_t q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    vmm_le_store(ram + DESC(q, i), 8, addr);
    vmm_le_store(ram + DESC(q, i) + 8, 4, len);
    vmm_le_store(ram + DESC(q, i) + 12, 2, flags);
    vmm_le_store(ram + DESC(q, i) + 14, 2, next);
}

static void make_available(uint32_t q, uint16_t head)
{
    uint16_t idx = (uint16_t)vmm_le_load(ram + AVAIL(q) + 2, 2);
    vmm_le_store(ram + AVAIL(q) + 4 + 2 * (idx % VMM_VQ_SIZE), 2, head);
    vmm_le_store(ram + AVAIL(q) + 2, 2, (uint16_t)(idx + 1));
}

static uint16_t used_idx(uint32_t q)
{
    return (uint16_t)vmm_le_load(ram + USED(q) + 2, 2);
}

static uint32_t used_word(uint32_t q, unsigned slot, unsigned word)
{
    return (uint32_t)vmm_le_load(ram + USED(q) + 4 + 8 * slot + 4 * word, 4);
}

static void fresh(void)
{
    vmm_machine_init(&m, host_cpuid, 1000000);
    memset(ram, 0, RAM_SIZE);
    vmm_machine_attach_ram(&m, ram, RAM_SIZE);
}

/* virtio_net's probe: reset, acknowledge, the MAC feature, both queues, DRIVER_OK. */
static void driver_setup(void)
{
    cfg_write(VMM_PCI_NET_SLOT, 0x04, 2, VMM_PCI_COMMAND_IO);
    reg_write(VMM_VNET_STATUS, 1, 0);
    reg_write(VMM_VNET_STATUS, 1, 1);
    reg_write(VMM_VNET_STATUS, 1, 3);
    CHECK(reg_read(VMM_VNET_DEVICE_FEATURES, 4) == VMM_VNET_F_MAC);
    reg_write(VMM_VNET_GUEST_FEATURES, 4, 0xffffffffu); /* asks for everything */
    CHECK(reg_read(VMM_VNET_GUEST_FEATURES, 4) == VMM_VNET_F_MAC);
    const uint32_t pages[2] = {RXQ >> 12, TXQ >> 12};
    for (unsigned q = 0; q < 2; q++) {
        reg_write(VMM_VNET_QUEUE_SELECT, 2, q);
        CHECK(reg_read(VMM_VNET_QUEUE_SIZE_REG, 2) == VMM_VQ_SIZE);
        reg_write(VMM_VNET_QUEUE_PFN, 4, pages[q]);
        CHECK(reg_read(VMM_VNET_QUEUE_PFN, 4) == pages[q]);
    }
    reg_write(VMM_VNET_QUEUE_SELECT, 2, 2);
    CHECK(reg_read(VMM_VNET_QUEUE_SIZE_REG, 2) == 0); /* no control queue */
    reg_write(VMM_VNET_STATUS, 1, 7);
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
    return (m.pic.chip[1].irr & (1u << (VMM_PCI_NET_IRQ - 8))) != 0;
}

void test_virtio_net(void)
{
    ram = calloc(1, RAM_SIZE);
    fresh();
    uint8_t frame[VMM_VNET_FRAME_MAX], out[VMM_VNET_FRAME_MAX];
    frame_of(frame, 60, 1);
    /* Nothing moves before the driver is ready. */
    CHECK(!vmm_net_put_frame(&m, frame, 60) && vmm_net_take_frame(&m, out) == 0);
    driver_setup();
    /* The MAC, byte by byte and as words; the configuration past it reads zero. */
    const uint8_t mac[6] = VMM_DEFAULT_MAC;
    for (unsigned i = 0; i < 6; i++)
        CHECK(reg_read(VMM_VNET_MAC + i, 1) == mac[i]);
    CHECK(reg_read(VMM_VNET_MAC, 4) == (uint32_t)vmm_le_load(mac, 4));
    CHECK(reg_read(0x1a, 2) == 0 && reg_read(0x20, 1) == 0xff);
    reg_write(VMM_VNET_MAC, 1, 0x55); /* read-only */
    CHECK(reg_read(VMM_VNET_MAC, 1) == mac[0]);
    /* No receive buffer posted: refused and counted. */
    CHECK(!vmm_net_put_frame(&m, frame, 60) && m.vnet.rx_no_buffer == 1);
    /* Receive: one buffer as Linux's small buffers; a split chain of 10 + 1526. */
    set_desc(RXQ, 0, 0x30000, 1536, 2, 0);
    set_desc(RXQ, 1, 0x31000, 10, 3, 2);
    set_desc(RXQ, 2, 0x31100, 1526, 2, 0);
    make_available(RXQ, 0);
    make_available(RXQ, 1);
    memset(ram + 0x30000, 0xaa, 16);
    CHECK(vmm_net_put_frame(&m, frame, 60));
    CHECK(ram[0x30000] == 0 && memcmp(ram + 0x30000 + 1, ram + 0x30000 + 2, 8) == 0);
    CHECK(memcmp(ram + 0x3000a, frame, 60) == 0);
    CHECK(used_idx(RXQ) == 1 && used_word(RXQ, 0, 0) == 0 && used_word(RXQ, 0, 1) == 70);
    CHECK(vmm_vnet_irq(&m.vnet) && net_irr());
    frame_of(frame, VMM_VNET_FRAME_MAX, 9);
    CHECK(vmm_net_put_frame(&m, frame, VMM_VNET_FRAME_MAX));
    CHECK(memcmp(ram + 0x31100, frame, VMM_VNET_FRAME_MAX) == 0);
    CHECK(used_word(RXQ, 1, 0) == 1 && used_word(RXQ, 1, 1) == 10 + VMM_VNET_FRAME_MAX);
    /* Lengths out of range are refused without touching the queue. */
    CHECK(!vmm_net_put_frame(&m, frame, 13) && !vmm_net_put_frame(&m, frame, 1515));
    CHECK(reg_read(VMM_VNET_ISR, 1) == 1 && !vmm_vnet_irq(&m.vnet) &&
          reg_read(VMM_VNET_ISR, 1) == 0);
    /* Transmit: header and frame in one buffer, then split as header + two pieces. */
    frame_of(frame, 98, 3);
    memset(ram + 0x40000, 0, 10);
    memcpy(ram + 0x4000a, frame, 98);
    set_desc(TXQ, 0, 0x40000, 108, 0, 0);
    make_available(TXQ, 0);
    CHECK(!m.vnet.tx_kicked);
    reg_write(VMM_VNET_QUEUE_NOTIFY, 2, VMM_VNET_TX);
    CHECK(m.vnet.tx_kicked);
    CHECK(vmm_net_take_frame(&m, out) == 98 && memcmp(out, frame, 98) == 0);
    CHECK(used_idx(TXQ) == 1 && used_word(TXQ, 0, 0) == 0 && vmm_vnet_irq(&m.vnet));
    CHECK(vmm_net_take_frame(&m, out) == 0); /* nothing more */
    memset(ram + 0x41000, 0, 10);
    memcpy(ram + 0x42000, frame, 40);
    memcpy(ram + 0x43000, frame + 40, 58);
    set_desc(TXQ, 5, 0x41000, 10, 1, 6);
    set_desc(TXQ, 6, 0x42000, 40, 1, 7);
    set_desc(TXQ, 7, 0x43000, 58, 0, 0);
    make_available(TXQ, 5);
    CHECK(vmm_net_take_frame(&m, out) == 98 && memcmp(out, frame, 98) == 0);
    CHECK(used_word(TXQ, 1, 0) == 5 && m.vnet.frames_out == 2 && m.vnet.frames_in == 2);
    CHECK(!m.vnet.broken && last.report.msg[0] == '\0');
    /* A reset forgets the queues but keeps the MAC. */
    reg_write(VMM_VNET_STATUS, 1, 0);
    reg_write(VMM_VNET_QUEUE_SELECT, 2, 0);
    CHECK(reg_read(VMM_VNET_QUEUE_PFN, 4) == 0 && reg_read(VMM_VNET_MAC, 1) == mac[0]);
    free(ram);
    ram = NULL;
}

/* One lie: set up afresh, let `lie` damage the rings, then drive the queue it names
 * (transmit unless rx); the device must be broken with a report naming `why` (given
 * at the next register access), do nothing more, leave the console working, and work
 * again after a reset. */
static void expect_broken(void (*lie)(void), bool rx, const char *why)
{
    fresh();
    driver_setup();
    reported[0] = '\0';
    lie();
    uint8_t frame[VMM_VNET_FRAME_MAX], out[VMM_VNET_FRAME_MAX];
    frame_of(frame, 64, 5);
    if (rx)
        CHECK(!vmm_net_put_frame(&m, frame, 64));
    else
        CHECK(vmm_net_take_frame(&m, out) == 0);
    reg_read(VMM_VNET_ISR, 1);
    CHECK(m.vnet.broken && strstr(reported, "virtio-net broken") != NULL);
    CHECK(strstr(reported, why) != NULL);
    uint16_t used_rx = used_idx(RXQ), used_tx = used_idx(TXQ);
    reported[0] = '\0';
    CHECK(!vmm_net_put_frame(&m, frame, 64) && vmm_net_take_frame(&m, out) == 0);
    reg_read(VMM_VNET_ISR, 1);
    CHECK(reported[0] == '\0' && used_idx(RXQ) == used_rx && used_idx(TXQ) == used_tx);
    CHECK(!m.vcon.broken);
    /* Reset and a clean set-up: frames move again. */
    memset(ram, 0, RAM_SIZE);
    driver_setup();
    CHECK(!m.vnet.broken);
    set_desc(RXQ, 0, 0x30000, 1536, 2, 0);
    make_available(RXQ, 0);
    CHECK(vmm_net_put_frame(&m, frame, 64) && memcmp(ram + 0x3000a, frame, 64) == 0);
    memcpy(ram + 0x4000a, frame, 64);
    set_desc(TXQ, 0, 0x40000, 74, 0, 0);
    make_available(TXQ, 0);
    CHECK(vmm_net_take_frame(&m, out) == 64 && memcmp(out, frame, 64) == 0);
}

static void tx_one(uint64_t addr, uint32_t len, uint16_t flags)
{
    set_desc(TXQ, 0, addr, len, flags, 0);
    make_available(TXQ, 0);
}
static void lie_tx_header(void)
{
    ram[0x40000] = 1; /* NEEDS_CSUM: not offered */
    tx_one(0x40000, 74, 0);
}
static void lie_tx_gso(void)
{
    ram[0x40001] = 1; /* GSO_TCPV4 */
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
    tx_one(RAM_SIZE - 8, 74, 0);
}
static void lie_tx_runaway(void)
{
    vmm_le_store(ram + AVAIL(TXQ) + 2, 2, 500);
}
static void lie_tx_loop(void)
{
    set_desc(TXQ, 0, 0x40000, 10, 1, 0);
    make_available(TXQ, 0);
}
static void lie_rx_readable(void)
{
    set_desc(RXQ, 0, 0x30000, 1536, 0, 0);
    make_available(RXQ, 0);
}
static void lie_rx_small(void)
{
    set_desc(RXQ, 0, 0x30000, 40, 2, 0);
    make_available(RXQ, 0);
}
static void lie_rx_head(void)
{
    make_available(RXQ, 64);
}
static void lie_rx_rings(void)
{
    reg_write(VMM_VNET_QUEUE_SELECT, 2, 0);
    reg_write(VMM_VNET_QUEUE_PFN, 4, (RAM_SIZE >> 12) - 1);
}

void test_virtio_net_hostile(void)
{
    ram = calloc(1, RAM_SIZE);
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
    fresh();
    driver_setup();
    srand(2424);
    unsigned reports = 0, taken = 0, put = 0;
    for (unsigned i = 0; i < 100000; i++) {
        if (i % 1000 == 0)
            for (unsigned k = 0; k < 4096; k++)
                ram[(rand() % 2 ? RXQ : TXQ) + (unsigned)rand() % 8192] = (uint8_t)rand();
        unsigned off = (unsigned)rand() % 0x24, size = 1u << (rand() % 3);
        uint32_t value = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
        if (rand() % 4 == 0)
            value %= 300;
        if (rand() % 3 == 0) { /* well-formed chains too, so that frames move */
            unsigned d = (unsigned)rand() % VMM_VQ_SIZE;
            set_desc(RXQ, d, 0x30000 + 0x800u * (d % 16), 1536, 2, 0);
            make_available(RXQ, (uint16_t)d);
            set_desc(TXQ, d, 0x40000, 10 + 14 + (uint32_t)rand() % 1500, 0, 0);
            make_available(TXQ, (uint16_t)d);
        }
        bool down = m.vnet.broken || !(m.vnet.status & VMM_VNET_STATUS_DRIVER_OK) ||
                    !m.vnet.queue[0].pfn || !m.vnet.queue[1].pfn;
        if (i % 50 == 0 && down) { /* a reset over clean rings heals it */
            memset(ram + RXQ, 0, 8192);
            memset(ram + TXQ, 0, 8192);
            driver_setup();
        }
        reported[0] = '\0';
        if (rand() % 2)
            reg_write(off, size, value);
        else
            reg_read(off, size);
        reports += reported[0] != '\0';
        uint8_t frame[VMM_VNET_FRAME_MAX + 1]; /* one longer than a frame: refused */
        unsigned len = (unsigned)rand() % (VMM_VNET_FRAME_MAX + 2);
        memset(frame, (int)i, len);
        put += vmm_net_put_frame(&m, frame, len);
        unsigned got = vmm_net_take_frame(&m, frame);
        CHECK(got == 0 || (got >= VMM_VNET_FRAME_MIN && got <= VMM_VNET_FRAME_MAX));
        taken += got != 0;
        CHECK(last.verdict == VMM_RESUME);
    }
    CHECK(reports > 0 && put > 0 && taken > 0); /* it broke the device and frames moved */
    printf("# virtio-net random guest: %u reports, %u frames in, %u out\n", reports, put, taken);
    free(ram);
    ram = NULL;
}
