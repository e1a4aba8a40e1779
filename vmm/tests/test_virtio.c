/*
 * The guest's PCI bus (pci_bus.c) and the legacy virtio console (virtio_console.c),
 * driven through the exit dispatcher with port exits as Linux makes them: the
 * configuration mechanism's check and scan, BAR sizing, the driver's set-up of both
 * queues, input into posted receive buffers and output from transmit chains, the INTx
 * line through the 8259 and its acknowledgement by the ISR read; then a guest that lies
 * (buffers and rings outside its RAM, loops, runaway indices, indirect descriptors: the
 * device goes broken, says why once, and works again after a reset) and 100,000 random
 * register accesses over random ring contents under ASan.
 */
#include <stdlib.h>
#include <string.h>
#include <vmm/bytes.h>
#include <vmm/console_link.h>
#include <vmm/machine.h>

#include "check.h"
#include "tests.h"
#include "virtio_guest.h"

#define BAR     VMM_PCI_IO_BAR_BASE
#define RXQ_GPA 0x10000u
#define TXQ_GPA 0x20000u

static struct virtio_guest g = {.bar = BAR};

void test_pci_bus(void)
{
    g.ram = calloc(1, VG_RAM_SIZE);
    vg_fresh(&g);
    /* Linux's check of mechanism #1: a byte at 0xcfb is ignored, the address reads back. */
    vg_port_io(&g, 0xcfb, 1, false, 0x01);
    vg_port_io(&g, 0xcf8, 4, false, 0x80000000u);
    CHECK(vg_port_io(&g, 0xcf8, 4, true, 0) == 0x80000000u && g.last.report.msg[0] == '\0');
    /* The host bridge, the console and the network device; nothing else on the bus. */
    CHECK(vg_cfg_read(&g, 0, 0, 4) == 0x00081b36u && vg_cfg_read(&g, 0, 0x0a, 2) == 0x0600);
    CHECK(vg_cfg_read(&g, 1, 0, 4) == 0x10031af4u && vg_cfg_read(&g, 1, 0x2c, 4) == 0x00031af4u);
    CHECK(vg_cfg_read(&g, 1, 0x08, 4) == 0x07800000u && vg_cfg_read(&g, 1, 0x0e, 1) == 0);
    CHECK(vg_cfg_read(&g, 1, 0x3d, 1) == 1 && vg_cfg_read(&g, 1, 0x3c, 1) == VMM_PCI_DEVICE_IRQ);
    CHECK(vg_cfg_read(&g, 1, 0x06, 2) == 0 &&
          vg_cfg_read(&g, 1, 0x34, 1) == 0); /* no capabilities */
    CHECK(vg_cfg_read(&g, 2, 0, 4) == 0x10001af4u && vg_cfg_read(&g, 2, 0x2c, 4) == 0x00011af4u);
    CHECK(vg_cfg_read(&g, 2, 0x08, 4) == 0x02000000u &&
          vg_cfg_read(&g, 2, 0x3c, 1) == VMM_PCI_NET_IRQ);
    CHECK(vg_cfg_read(&g, 2, 0x10, 4) == (VMM_PCI_NET_BAR_BASE | 1u));
    CHECK(vg_cfg_read(&g, 3, 0, 4) == 0xffffffffu && vg_cfg_read(&g, 31, 0, 2) == 0xffff);
    vg_port_io(&g, 0xcf8, 4, false, 0x80000100u); /* 00:00.1 */
    CHECK(vg_port_io(&g, 0xcfc, 4, true, 0) == 0xffffffffu);
    vg_port_io(&g, 0xcf8, 4, false, 0x80010000u); /* bus 1 */
    CHECK(vg_port_io(&g, 0xcfc, 4, true, 0) == 0xffffffffu);
    vg_port_io(&g, 0xcf8, 4, false, 0x00000000u); /* not enabled */
    CHECK(vg_port_io(&g, 0xcfc, 2, true, 0) == 0xffff);
    vg_port_io(&g, 0xcf8, 4, false, 0x81000000u); /* an extended register (AMD): none */
    CHECK(vg_port_io(&g, 0xcfc, 4, true, 0) == 0xffffffffu);
    /* Read-only fields stay; BAR 0 sizes as 32 bytes of I/O with 16-bit decode. */
    vg_cfg_write(&g, 1, 0, 4, 0);
    CHECK(vg_cfg_read(&g, 1, 0, 4) == 0x10031af4u);
    CHECK(vg_cfg_read(&g, 1, 0x10, 4) == (BAR | 1u));
    vg_cfg_write(&g, 1, 0x10, 4, 0xffffffffu);
    CHECK(vg_cfg_read(&g, 1, 0x10, 4) == 0xffe1u);
    CHECK(vg_cfg_read(&g, 1, 0x14, 4) == 0); /* no BAR 1 */
    vg_cfg_write(&g, 1, 0x10, 4, BAR);
    CHECK(vg_cfg_read(&g, 1, 0x10, 4) == (BAR | 1u));
    /* Decoding follows the command register. */
    CHECK(vmm_pci_device_io_base(&g.m.pci) == 0);
    vg_port_io(&g, BAR + VMM_VL_STATUS, 1, true, 0);
    CHECK(strstr(g.last.report.msg, "unemulated port 0xc012") != NULL);
    vg_cfg_write(&g, 1, 0x04, 2, 0xffff);
    CHECK(vg_cfg_read(&g, 1, 0x04, 2) == 0x0407 && vmm_pci_device_io_base(&g.m.pci) == BAR);
    /* The guest may move the BAR. */
    vg_cfg_write(&g, 1, 0x10, 4, 0xd040);
    CHECK(vmm_pci_device_io_base(&g.m.pci) == 0xd040);
    /* 0xcf9's byte is still the reset register. */
    vg_port_io(&g, 0xcf9, 1, false, 0x06);
    CHECK(g.last.verdict == VMM_STOP && strstr(g.last.report.msg, "reset"));
}

/* A driver's set-up: reset, acknowledge, both queues at their pages, DRIVER_OK. */
static void driver_setup(void)
{
    vg_cfg_write(&g, 1, 0x04, 2, VMM_PCI_COMMAND_IO);
    vg_reg_write(&g, VMM_VL_STATUS, 1, 0);
    vg_reg_write(&g, VMM_VL_STATUS, 1, 1);
    vg_reg_write(&g, VMM_VL_STATUS, 1, 3);
    CHECK(vg_reg_read(&g, VMM_VL_DEVICE_FEATURES, 4) == 0);
    vg_reg_write(&g, VMM_VL_GUEST_FEATURES, 4, 0);
    const uint32_t pages[2] = {RXQ_GPA >> 12, TXQ_GPA >> 12};
    for (unsigned q = 0; q < 2; q++) {
        vg_reg_write(&g, VMM_VL_QUEUE_SELECT, 2, q);
        CHECK(vg_reg_read(&g, VMM_VL_QUEUE_SIZE_REG, 2) == VMM_VCON_QUEUE_SIZE);
        CHECK(vg_reg_read(&g, VMM_VL_QUEUE_PFN, 4) == 0);
        vg_reg_write(&g, VMM_VL_QUEUE_PFN, 4, pages[q]);
        CHECK(vg_reg_read(&g, VMM_VL_QUEUE_PFN, 4) == pages[q]);
    }
    vg_reg_write(&g, VMM_VL_QUEUE_SELECT, 2, 2);
    CHECK(vg_reg_read(&g, VMM_VL_QUEUE_SIZE_REG, 2) == 0); /* no third queue */
    vg_reg_write(&g, VMM_VL_STATUS, 1, 7);
    CHECK(vg_reg_read(&g, VMM_VL_STATUS, 1) == 7);
}

static bool slave_irr(void)
{
    return (g.m.pic.chip[1].irr & (1u << (VMM_PCI_DEVICE_IRQ - 8))) != 0;
}

void test_virtio_console(void)
{
    vg_fresh(&g);
    /* Input before the driver is ready is not taken. */
    CHECK(vmm_virtio_console_input(&g.m, (const uint8_t *)"early", 5) == 0);
    driver_setup();
    CHECK(vmm_virtio_console_input(&g.m, (const uint8_t *)"nobuf", 5) == 0); /* none posted */
    /* Two receive buffers of 16 bytes; 20 bytes of input fill the first and start the
     * second; the line rises and the 8259 latches IRQ 11. */
    vg_set_desc(g.ram, RXQ_GPA, 0, 0x30000, 16, 2, 0);
    vg_set_desc(g.ram, RXQ_GPA, 1, 0x31000, 16, 2, 0);
    vg_make_available(g.ram, RXQ_GPA, 0);
    vg_make_available(g.ram, RXQ_GPA, 1);
    vg_reg_write(&g, VMM_VL_QUEUE_NOTIFY, 2, VMM_VCON_RX);
    const char *input = "Bastion to Linux: hi";
    CHECK(vmm_virtio_console_input(&g.m, (const uint8_t *)input, 20) == 20);
    CHECK(memcmp(g.ram + 0x30000, input, 16) == 0 && memcmp(g.ram + 0x31000, input + 16, 4) == 0);
    CHECK(vg_used_idx(g.ram, RXQ_GPA) == 2 && vg_used_word(g.ram, RXQ_GPA, 0, 0) == 0 &&
          vg_used_word(g.ram, RXQ_GPA, 0, 1) == 16);
    CHECK(vg_used_word(g.ram, RXQ_GPA, 1, 0) == 1 && vg_used_word(g.ram, RXQ_GPA, 1, 1) == 4);
    CHECK(vmm_vcon_irq(&g.m.vcon) && slave_irr());
    CHECK(vmm_virtio_console_input(&g.m, (const uint8_t *)"more", 4) == 0); /* no buffer left */
    /* The ISR read acknowledges: it reads 1 once, and the line falls. */
    CHECK(vg_reg_read(&g, VMM_VL_ISR, 1) == 1 && !vmm_vcon_irq(&g.m.vcon));
    CHECK(vg_reg_read(&g, VMM_VL_ISR, 1) == 0);
    /* A transmit chain of two readable buffers. */
    memcpy(g.ram + 0x32000, "hello\n", 6);
    memcpy(g.ram + 0x32100, "world", 5);
    vg_set_desc(g.ram, TXQ_GPA, 2, 0x32000, 6, 1, 3);
    vg_set_desc(g.ram, TXQ_GPA, 3, 0x32100, 5, 0, 0);
    vg_make_available(g.ram, TXQ_GPA, 2);
    vg_reg_write(&g, VMM_VL_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    uint8_t out[64];
    unsigned n = vmm_vcon_take_tx(&g.m.vcon, out, sizeof(out));
    CHECK(n == 11 && memcmp(out, "hello\nworld", 11) == 0);
    CHECK(vg_used_idx(g.ram, TXQ_GPA) == 1 && vg_used_word(g.ram, TXQ_GPA, 0, 0) == 2 &&
          vg_used_word(g.ram, TXQ_GPA, 0, 1) == 0);
    CHECK(vg_reg_read(&g, VMM_VL_ISR, 1) == 1);
    /* With NO_INTERRUPT in the available ring's flags, no interrupt. */
    vmm_le_store(g.ram + VG_AVAIL(TXQ_GPA), 2, 1);
    vg_make_available(g.ram, TXQ_GPA, 2);
    vg_reg_write(&g, VMM_VL_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    CHECK(vmm_vcon_take_tx(&g.m.vcon, out, sizeof(out)) == 11 && vg_used_idx(g.ram, TXQ_GPA) == 2);
    CHECK(!vmm_vcon_irq(&g.m.vcon));
    /* Output is taken in pieces, in order. */
    vg_make_available(g.ram, TXQ_GPA, 2);
    vg_reg_write(&g, VMM_VL_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    CHECK(vmm_vcon_take_tx(&g.m.vcon, out, 4) == 4 && memcmp(out, "hell", 4) == 0);
    CHECK(vmm_vcon_take_tx(&g.m.vcon, out, 64) == 7 && memcmp(out, "o\nworld", 7) == 0);
    CHECK(g.m.vcon.bytes_out == 33 && g.m.vcon.bytes_in == 20 && !g.m.vcon.vl.broken);
    /* A reset (status 0) forgets the queues. */
    vg_reg_write(&g, VMM_VL_STATUS, 1, 0);
    vg_reg_write(&g, VMM_VL_QUEUE_SELECT, 2, 1);
    CHECK(vg_reg_read(&g, VMM_VL_QUEUE_PFN, 4) == 0 && vg_reg_read(&g, VMM_VL_STATUS, 1) == 0);
}

/* One lie of the guest's: set up afresh, let `lie` damage the rings, notify the transmit
 * queue; the device must be broken with a report naming `why`, do nothing more, and work
 * again after a reset. */
static void expect_broken(void (*lie)(void), const char *why)
{
    vg_fresh(&g);
    driver_setup();
    memcpy(g.ram + 0x32000, "x", 1);
    vg_set_desc(g.ram, TXQ_GPA, 0, 0x32000, 1, 0, 0);
    g.reported[0] = '\0';
    lie();
    vg_reg_write(&g, VMM_VL_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    CHECK(g.m.vcon.vl.broken && strstr(g.reported, "virtio console broken") != NULL);
    CHECK(strstr(g.reported, why) != NULL); /* the report names the lie */
    uint16_t used = vg_used_idx(g.ram, TXQ_GPA);
    vg_reg_write(&g, VMM_VL_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    CHECK(g.last.report.msg[0] == '\0' &&
          vg_used_idx(g.ram, TXQ_GPA) == used); /* said once, nothing done */
    /* Reset and a clean set-up: the device works again. */
    memset(g.ram, 0, VG_RAM_SIZE);
    driver_setup();
    CHECK(!g.m.vcon.vl.broken);
    memcpy(g.ram + 0x32000, "ok", 2);
    vg_set_desc(g.ram, TXQ_GPA, 0, 0x32000, 2, 0, 0);
    vg_make_available(g.ram, TXQ_GPA, 0);
    vg_reg_write(&g, VMM_VL_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    uint8_t out[VMM_VCON_TX_BUFFER];
    unsigned n = vmm_vcon_take_tx(&g.m.vcon, out, sizeof(out));
    CHECK(n >= 2 && memcmp(out + n - 2, "ok", 2) == 0 && vg_used_idx(g.ram, TXQ_GPA) == 1);
}

static void lie_outside(void)
{
    vg_set_desc(g.ram, TXQ_GPA, 0, VG_RAM_SIZE - 4, 8, 0, 0);
    vg_make_available(g.ram, TXQ_GPA, 0);
}
static void lie_huge_address(void)
{
    vg_set_desc(g.ram, TXQ_GPA, 0, UINT64_MAX - 2, 8, 0, 0);
    vg_make_available(g.ram, TXQ_GPA, 0);
}
static void lie_loop(void)
{
    vg_set_desc(g.ram, TXQ_GPA, 0, 0x32000, 1, 1, 0); /* NEXT to itself */
    vg_make_available(g.ram, TXQ_GPA, 0);
}
static void lie_next_outside(void)
{
    vg_set_desc(g.ram, TXQ_GPA, 0, 0x32000, 1, 1, 200);
    vg_make_available(g.ram, TXQ_GPA, 0);
}
static void lie_runaway(void)
{
    vmm_le_store(g.ram + VG_AVAIL(TXQ_GPA) + 2, 2, 1000);
}
static void lie_head(void)
{
    vg_make_available(g.ram, TXQ_GPA, 64);
}
static void lie_indirect(void)
{
    vg_set_desc(g.ram, TXQ_GPA, 0, 0x32000, 16, 4, 0);
    vg_make_available(g.ram, TXQ_GPA, 0);
}
static void lie_rings(void)
{
    vg_reg_write(&g, VMM_VL_QUEUE_SELECT, 2, 1);
    /* the used ring past the end */
    vg_reg_write(&g, VMM_VL_QUEUE_PFN, 4, (VG_RAM_SIZE >> 12) - 1);
}

void test_virtio_hostile(void)
{
    expect_broken(lie_outside, "buffer outside guest RAM");
    expect_broken(lie_huge_address, "buffer outside guest RAM");
    expect_broken(lie_loop, "longer than the queue");
    expect_broken(lie_next_outside, "descriptor index outside the queue: 0xc8");
    expect_broken(lie_runaway, "runs ahead of the queue");
    expect_broken(lie_head, "chain head outside the queue: 0x40");
    expect_broken(lie_indirect, "indirect descriptor");
    expect_broken(lie_rings, "queue rings outside guest RAM");
    /* Without guest RAM (the tiny guests' VMM) every ring is outside it. */
    vg_fresh_without_ram(&g);
    driver_setup();
    CHECK(g.m.vcon.vl.broken && vmm_virtio_console_input(&g.m, (const uint8_t *)"x", 1) == 0);
    /* 100,000 random accesses to the BAR over random ring contents, with input: nothing
     * may touch memory outside guest RAM (ASan), and the output never overflows. */
    vg_fresh(&g);
    driver_setup();
    srand(24);
    unsigned reports = 0;
    for (unsigned i = 0; i < 100000; i++) {
        if (i % 1000 == 0)
            for (unsigned k = 0; k < 4096; k++) /* scribble over the rings */
                g.ram[(rand() % 2 ? RXQ_GPA : TXQ_GPA) + (unsigned)rand() % 8192] = (uint8_t)rand();
        unsigned off = (unsigned)rand() % 0x24, size = 1u << (rand() % 3);
        uint32_t value = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
        if (rand() % 4 == 0) /* mostly plausible page frames and queue numbers */
            value %= 300;
        if (rand() % 2)
            vg_reg_write(&g, off, size, value);
        else
            vg_reg_read(&g, off, size);
        reports += g.last.report.msg[0] != '\0';
        uint8_t in[64];
        vmm_virtio_console_input(&g.m, in, (unsigned)rand() % sizeof(in));
        CHECK(g.m.vcon.tx_len <= VMM_VCON_TX_BUFFER && g.last.verdict == VMM_RESUME);
        if (rand() % 8 == 0) {
            uint8_t out[VMM_VCON_TX_BUFFER];
            vmm_vcon_take_tx(&g.m.vcon, out, sizeof(out));
        }
    }
    CHECK(reports > 0); /* the random guest broke the device, and was told */
    free(g.ram);
    g.ram = NULL;
}

/* The console link's input fed into the virtio console (the Linux VMM's choice,
 * console_link.h): 40 bytes through receive buffers of 16 bytes, as the guest posts
 * them, every byte once and in order. */
void test_virtio_link_feed(void)
{
    g.ram = calloc(1, VG_RAM_SIZE);
    vg_fresh(&g);
    driver_setup();
    static struct vmm_console_link page;
    struct vmm_link_end end;
    vmm_link_init(&end, &page);
    end.virtio = true;
    char want[41];
    for (unsigned i = 0; i < 40; i++)
        want[i] = (char)('a' + i % 26);
    memcpy(page.to_guest, want, 40);
    page.to_guest_len = 40;
    struct vmm_error err = {{0}};
    CHECK(vmm_link_take_input(&end, &err) && end.input_len == 40);
    vmm_link_feed(&end, &g.m); /* no buffer posted yet: nothing moves */
    CHECK(end.input_pos == 0);
    char got[41] = {0};
    unsigned n = 0;
    for (unsigned round = 0; round < 3; round++) {
        vg_set_desc(g.ram, RXQ_GPA, round, 0x40000 + 0x1000 * round, 16, 2, 0);
        vg_make_available(g.ram, RXQ_GPA, (uint16_t)round);
        vmm_link_feed(&end, &g.m);
        uint32_t len = vg_used_word(g.ram, RXQ_GPA, round, 1);
        CHECK(vg_used_idx(g.ram, RXQ_GPA) == round + 1 && len <= 16);
        memcpy(got + n, g.ram + 0x40000 + 0x1000 * round, len);
        n += len;
    }
    CHECK(n == 40 && memcmp(got, want, 40) == 0 && end.input_pos == 40);
    CHECK(g.m.com1.rx_count == 0); /* nothing went to the UART */
    free(g.ram);
    g.ram = NULL;
}
