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

#define RAM_SIZE (1u << 20)
#define BAR      VMM_PCI_IO_BAR_BASE
#define RXQ_GPA  0x10000u
#define TXQ_GPA  0x20000u

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)leaf, (void)subleaf;
    out[0] = out[1] = out[2] = out[3] = 0;
}

static struct vmm_machine m;
static uint8_t *ram;
static struct vmm_action last;
static char reported[VMM_ERROR_MAX]; /* the last report of any access */

static uint64_t port_io(unsigned port, unsigned size, bool in, uint32_t value)
{
    struct bst_vm_exit_msg e = {.reason = BST_VM_EXIT_IO,
                                .rip = 0x1000,
                                .insn_len = 1,
                                .info0 = port | ((uint64_t)size << 16) | (in ? BST_VM_IO_IN : 0),
                                .rax = value,
                                .flags = 0};
    vmm_dispatch(&m, &e, 0, &last);
    if (last.report.msg[0])
        memcpy(reported, last.report.msg, sizeof(reported));
    return last.gprs[0];
}

static uint32_t cfg_read(unsigned dev, unsigned reg, unsigned size)
{
    port_io(0xcf8, 4, false, 0x80000000u | dev << 11 | (reg & 0xfc));
    return (uint32_t)port_io(0xcfc + (reg & 3), size, true, 0);
}

static void cfg_write(unsigned dev, unsigned reg, unsigned size, uint32_t value)
{
    port_io(0xcf8, 4, false, 0x80000000u | dev << 11 | (reg & 0xfc));
    port_io(0xcfc + (reg & 3), size, false, value);
}

static uint32_t reg_read(unsigned off, unsigned size)
{
    return (uint32_t)port_io(BAR + off, size, true, 0);
}

static void reg_write(unsigned off, unsigned size, uint32_t value)
{
    port_io(BAR + off, size, false, value);
}

static void fresh(void)
{
    vmm_machine_init(&m, host_cpuid, 1000000);
    memset(ram, 0, RAM_SIZE);
    vmm_machine_attach_ram(&m, ram, RAM_SIZE);
}

void test_pci_bus(void)
{
    ram = calloc(1, RAM_SIZE);
    fresh();
    /* Linux's check of mechanism #1: a byte at 0xcfb is ignored, the address reads back. */
    port_io(0xcfb, 1, false, 0x01);
    port_io(0xcf8, 4, false, 0x80000000u);
    CHECK(port_io(0xcf8, 4, true, 0) == 0x80000000u && last.report.msg[0] == '\0');
    /* The host bridge, the console and the network device; nothing else on the bus. */
    CHECK(cfg_read(0, 0, 4) == 0x00081b36u && cfg_read(0, 0x0a, 2) == 0x0600);
    CHECK(cfg_read(1, 0, 4) == 0x10031af4u && cfg_read(1, 0x2c, 4) == 0x00031af4u);
    CHECK(cfg_read(1, 0x08, 4) == 0x07800000u && cfg_read(1, 0x0e, 1) == 0);
    CHECK(cfg_read(1, 0x3d, 1) == 1 && cfg_read(1, 0x3c, 1) == VMM_PCI_DEVICE_IRQ);
    CHECK(cfg_read(1, 0x06, 2) == 0 && cfg_read(1, 0x34, 1) == 0); /* no capabilities */
    CHECK(cfg_read(2, 0, 4) == 0x10001af4u && cfg_read(2, 0x2c, 4) == 0x00011af4u);
    CHECK(cfg_read(2, 0x08, 4) == 0x02000000u && cfg_read(2, 0x3c, 1) == VMM_PCI_NET_IRQ);
    CHECK(cfg_read(2, 0x10, 4) == (VMM_PCI_NET_BAR_BASE | 1u));
    CHECK(cfg_read(3, 0, 4) == 0xffffffffu && cfg_read(31, 0, 2) == 0xffff);
    port_io(0xcf8, 4, false, 0x80000100u); /* 00:00.1 */
    CHECK(port_io(0xcfc, 4, true, 0) == 0xffffffffu);
    port_io(0xcf8, 4, false, 0x80010000u); /* bus 1 */
    CHECK(port_io(0xcfc, 4, true, 0) == 0xffffffffu);
    port_io(0xcf8, 4, false, 0x00000000u); /* not enabled */
    CHECK(port_io(0xcfc, 2, true, 0) == 0xffff);
    port_io(0xcf8, 4, false, 0x81000000u); /* an extended register (AMD): none */
    CHECK(port_io(0xcfc, 4, true, 0) == 0xffffffffu);
    /* Read-only fields stay; BAR 0 sizes as 32 bytes of I/O with 16-bit decode. */
    cfg_write(1, 0, 4, 0);
    CHECK(cfg_read(1, 0, 4) == 0x10031af4u);
    CHECK(cfg_read(1, 0x10, 4) == (BAR | 1u));
    cfg_write(1, 0x10, 4, 0xffffffffu);
    CHECK(cfg_read(1, 0x10, 4) == 0xffe1u);
    CHECK(cfg_read(1, 0x14, 4) == 0); /* no BAR 1 */
    cfg_write(1, 0x10, 4, BAR);
    CHECK(cfg_read(1, 0x10, 4) == (BAR | 1u));
    /* Decoding follows the command register. */
    CHECK(vmm_pci_device_io_base(&m.pci) == 0);
    port_io(BAR + VMM_VCON_STATUS, 1, true, 0);
    CHECK(strstr(last.report.msg, "unemulated port 0xc012") != NULL);
    cfg_write(1, 0x04, 2, 0xffff);
    CHECK(cfg_read(1, 0x04, 2) == 0x0407 && vmm_pci_device_io_base(&m.pci) == BAR);
    /* The guest may move the BAR. */
    cfg_write(1, 0x10, 4, 0xd040);
    CHECK(vmm_pci_device_io_base(&m.pci) == 0xd040);
    /* 0xcf9's byte is still the reset register. */
    port_io(0xcf9, 1, false, 0x06);
    CHECK(last.verdict == VMM_STOP && strstr(last.report.msg, "reset"));
}

/* A driver's set-up: reset, acknowledge, both queues at their pages, DRIVER_OK. */
static void driver_setup(void)
{
    cfg_write(1, 0x04, 2, VMM_PCI_COMMAND_IO);
    reg_write(VMM_VCON_STATUS, 1, 0);
    reg_write(VMM_VCON_STATUS, 1, 1);
    reg_write(VMM_VCON_STATUS, 1, 3);
    CHECK(reg_read(VMM_VCON_DEVICE_FEATURES, 4) == 0);
    reg_write(VMM_VCON_GUEST_FEATURES, 4, 0);
    const uint32_t pages[2] = {RXQ_GPA >> 12, TXQ_GPA >> 12};
    for (unsigned q = 0; q < 2; q++) {
        reg_write(VMM_VCON_QUEUE_SELECT, 2, q);
        CHECK(reg_read(VMM_VCON_QUEUE_SIZE_REG, 2) == VMM_VCON_QUEUE_SIZE);
        CHECK(reg_read(VMM_VCON_QUEUE_PFN, 4) == 0);
        reg_write(VMM_VCON_QUEUE_PFN, 4, pages[q]);
        CHECK(reg_read(VMM_VCON_QUEUE_PFN, 4) == pages[q]);
    }
    reg_write(VMM_VCON_QUEUE_SELECT, 2, 2);
    CHECK(reg_read(VMM_VCON_QUEUE_SIZE_REG, 2) == 0); /* no third queue */
    reg_write(VMM_VCON_STATUS, 1, 7);
    CHECK(reg_read(VMM_VCON_STATUS, 1) == 7);
}

/* The legacy layout of a 64-entry queue at `q`: descriptors, available ring, used ring. */
#define DESC(q, i) ((q) + 16u * (i))
#define AVAIL(q)   ((q) + 16u * VMM_VCON_QUEUE_SIZE)
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
    vmm_le_store(ram + AVAIL(q) + 4 + 2 * (idx % VMM_VCON_QUEUE_SIZE), 2, head);
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

static bool slave_irr(void)
{
    return (m.pic.chip[1].irr & (1u << (VMM_PCI_DEVICE_IRQ - 8))) != 0;
}

void test_virtio_console(void)
{
    fresh();
    /* Input before the driver is ready is not taken. */
    CHECK(vmm_virtio_console_input(&m, (const uint8_t *)"early", 5) == 0);
    driver_setup();
    CHECK(vmm_virtio_console_input(&m, (const uint8_t *)"nobuf", 5) == 0); /* none posted */
    /* Two receive buffers of 16 bytes; 20 bytes of input fill the first and start the
     * second; the line rises and the 8259 latches IRQ 11. */
    set_desc(RXQ_GPA, 0, 0x30000, 16, 2, 0);
    set_desc(RXQ_GPA, 1, 0x31000, 16, 2, 0);
    make_available(RXQ_GPA, 0);
    make_available(RXQ_GPA, 1);
    reg_write(VMM_VCON_QUEUE_NOTIFY, 2, VMM_VCON_RX);
    const char *input = "Bastion to Linux: hi";
    CHECK(vmm_virtio_console_input(&m, (const uint8_t *)input, 20) == 20);
    CHECK(memcmp(ram + 0x30000, input, 16) == 0 && memcmp(ram + 0x31000, input + 16, 4) == 0);
    CHECK(used_idx(RXQ_GPA) == 2 && used_word(RXQ_GPA, 0, 0) == 0 &&
          used_word(RXQ_GPA, 0, 1) == 16);
    CHECK(used_word(RXQ_GPA, 1, 0) == 1 && used_word(RXQ_GPA, 1, 1) == 4);
    CHECK(vmm_vcon_irq(&m.vcon) && slave_irr());
    CHECK(vmm_virtio_console_input(&m, (const uint8_t *)"more", 4) == 0); /* no buffer left */
    /* The ISR read acknowledges: it reads 1 once, and the line falls. */
    CHECK(reg_read(VMM_VCON_ISR, 1) == 1 && !vmm_vcon_irq(&m.vcon));
    CHECK(reg_read(VMM_VCON_ISR, 1) == 0);
    /* A transmit chain of two readable buffers. */
    memcpy(ram + 0x32000, "hello\n", 6);
    memcpy(ram + 0x32100, "world", 5);
    set_desc(TXQ_GPA, 2, 0x32000, 6, 1, 3);
    set_desc(TXQ_GPA, 3, 0x32100, 5, 0, 0);
    make_available(TXQ_GPA, 2);
    reg_write(VMM_VCON_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    uint8_t out[64];
    unsigned n = vmm_vcon_take_tx(&m.vcon, out, sizeof(out));
    CHECK(n == 11 && memcmp(out, "hello\nworld", 11) == 0);
    CHECK(used_idx(TXQ_GPA) == 1 && used_word(TXQ_GPA, 0, 0) == 2 && used_word(TXQ_GPA, 0, 1) == 0);
    CHECK(reg_read(VMM_VCON_ISR, 1) == 1);
    /* With NO_INTERRUPT in the available ring's flags, no interrupt. */
    vmm_le_store(ram + AVAIL(TXQ_GPA), 2, 1);
    make_available(TXQ_GPA, 2);
    reg_write(VMM_VCON_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    CHECK(vmm_vcon_take_tx(&m.vcon, out, sizeof(out)) == 11 && used_idx(TXQ_GPA) == 2);
    CHECK(!vmm_vcon_irq(&m.vcon));
    /* Output is taken in pieces, in order. */
    make_available(TXQ_GPA, 2);
    reg_write(VMM_VCON_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    CHECK(vmm_vcon_take_tx(&m.vcon, out, 4) == 4 && memcmp(out, "hell", 4) == 0);
    CHECK(vmm_vcon_take_tx(&m.vcon, out, 64) == 7 && memcmp(out, "o\nworld", 7) == 0);
    CHECK(m.vcon.bytes_out == 33 && m.vcon.bytes_in == 20 && !m.vcon.broken);
    /* A reset (status 0) forgets the queues. */
    reg_write(VMM_VCON_STATUS, 1, 0);
    reg_write(VMM_VCON_QUEUE_SELECT, 2, 1);
    CHECK(reg_read(VMM_VCON_QUEUE_PFN, 4) == 0 && reg_read(VMM_VCON_STATUS, 1) == 0);
}

/* One lie of the guest's: set up afresh, let `lie` damage the rings, notify the transmit
 * queue; the device must be broken with a report naming `why`, do nothing more, and work
 * again after a reset. */
static void expect_broken(void (*lie)(void), const char *why)
{
    fresh();
    driver_setup();
    memcpy(ram + 0x32000, "x", 1);
    set_desc(TXQ_GPA, 0, 0x32000, 1, 0, 0);
    reported[0] = '\0';
    lie();
    reg_write(VMM_VCON_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    CHECK(m.vcon.broken && strstr(reported, "virtio console broken") != NULL);
    CHECK(strstr(reported, why) != NULL); /* the report names the lie */
    uint16_t used = used_idx(TXQ_GPA);
    reg_write(VMM_VCON_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    CHECK(last.report.msg[0] == '\0' && used_idx(TXQ_GPA) == used); /* said once, nothing done */
    /* Reset and a clean set-up: the device works again. */
    memset(ram, 0, RAM_SIZE);
    driver_setup();
    CHECK(!m.vcon.broken);
    memcpy(ram + 0x32000, "ok", 2);
    set_desc(TXQ_GPA, 0, 0x32000, 2, 0, 0);
    make_available(TXQ_GPA, 0);
    reg_write(VMM_VCON_QUEUE_NOTIFY, 2, VMM_VCON_TX);
    uint8_t out[VMM_VCON_TX_BUFFER];
    unsigned n = vmm_vcon_take_tx(&m.vcon, out, sizeof(out));
    CHECK(n >= 2 && memcmp(out + n - 2, "ok", 2) == 0 && used_idx(TXQ_GPA) == 1);
}

static void lie_outside(void)
{
    set_desc(TXQ_GPA, 0, RAM_SIZE - 4, 8, 0, 0);
    make_available(TXQ_GPA, 0);
}
static void lie_huge_address(void)
{
    set_desc(TXQ_GPA, 0, UINT64_MAX - 2, 8, 0, 0);
    make_available(TXQ_GPA, 0);
}
static void lie_loop(void)
{
    set_desc(TXQ_GPA, 0, 0x32000, 1, 1, 0); /* NEXT to itself */
    make_available(TXQ_GPA, 0);
}
static void lie_next_outside(void)
{
    set_desc(TXQ_GPA, 0, 0x32000, 1, 1, 200);
    make_available(TXQ_GPA, 0);
}
static void lie_runaway(void)
{
    vmm_le_store(ram + AVAIL(TXQ_GPA) + 2, 2, 1000);
}
static void lie_head(void)
{
    make_available(TXQ_GPA, 64);
}
static void lie_indirect(void)
{
    set_desc(TXQ_GPA, 0, 0x32000, 16, 4, 0);
    make_available(TXQ_GPA, 0);
}
static void lie_rings(void)
{
    reg_write(VMM_VCON_QUEUE_SELECT, 2, 1);
    reg_write(VMM_VCON_QUEUE_PFN, 4, (RAM_SIZE >> 12) - 1); /* the used ring past the end */
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
    vmm_machine_init(&m, host_cpuid, 1000000);
    driver_setup();
    CHECK(m.vcon.broken && vmm_virtio_console_input(&m, (const uint8_t *)"x", 1) == 0);
    /* 100,000 random accesses to the BAR over random ring contents, with input: nothing
     * may touch memory outside guest RAM (ASan), and the output never overflows. */
    fresh();
    driver_setup();
    srand(24);
    unsigned reports = 0;
    for (unsigned i = 0; i < 100000; i++) {
        if (i % 1000 == 0)
            for (unsigned k = 0; k < 4096; k++) /* scribble over the rings */
                ram[(rand() % 2 ? RXQ_GPA : TXQ_GPA) + (unsigned)rand() % 8192] = (uint8_t)rand();
        unsigned off = (unsigned)rand() % 0x24, size = 1u << (rand() % 3);
        uint32_t value = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
        if (rand() % 4 == 0) /* mostly plausible page frames and queue numbers */
            value %= 300;
        if (rand() % 2)
            reg_write(off, size, value);
        else
            reg_read(off, size);
        reports += last.report.msg[0] != '\0';
        uint8_t in[64];
        vmm_virtio_console_input(&m, in, (unsigned)rand() % sizeof(in));
        CHECK(m.vcon.tx_len <= VMM_VCON_TX_BUFFER && last.verdict == VMM_RESUME);
        if (rand() % 8 == 0) {
            uint8_t out[VMM_VCON_TX_BUFFER];
            vmm_vcon_take_tx(&m.vcon, out, sizeof(out));
        }
    }
    CHECK(reports > 0); /* the random guest broke the device, and was told */
    free(ram);
    ram = NULL;
}

/* The console link's input fed into the virtio console (the Linux VMM's choice,
 * console_link.h): 40 bytes through receive buffers of 16 bytes, as the guest posts
 * them, every byte once and in order. */
void test_virtio_link_feed(void)
{
    ram = calloc(1, RAM_SIZE);
    fresh();
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
    vmm_link_feed(&end, &m); /* no buffer posted yet: nothing moves */
    CHECK(end.input_pos == 0);
    char got[41] = {0};
    unsigned n = 0;
    for (unsigned round = 0; round < 3; round++) {
        set_desc(RXQ_GPA, round, 0x40000 + 0x1000 * round, 16, 2, 0);
        make_available(RXQ_GPA, (uint16_t)round);
        vmm_link_feed(&end, &m);
        uint32_t len = used_word(RXQ_GPA, round, 1);
        CHECK(used_idx(RXQ_GPA) == round + 1 && len <= 16);
        memcpy(got + n, ram + 0x40000 + 0x1000 * round, len);
        n += len;
    }
    CHECK(n == 40 && memcmp(got, want, 40) == 0 && end.input_pos == 40);
    CHECK(m.com1.rx_count == 0); /* nothing went to the UART */
    free(ram);
    ram = NULL;
}
