/*
 * driver: owns QEMU's edu device (PCI 1234:11e8) with BAR 0 at edu_regs, its MSI on
 * channel 1, the contiguous region `dma` (physical address in dma_paddr) and the fixed
 * device region `vga` (the VGA text buffer at 0xb8000). Each check prints "ok" or
 * "FAIL"; the expect file wants every "ok" and no "FAIL".
 *
 * edu's registers (QEMU docs/specs/edu.rst): 0x00 identification (0xRRrr00ed), 0x04
 * liveness (reads back the inverse), 0x08 factorial, 0x20 status (bit 0: computing),
 * 0x24 interrupt status, 0x60 raise interrupt, 0x64 acknowledge interrupt, 0x80/0x88/
 * 0x90/0x98 DMA source, destination, count, command (bit 0 start, bit 1 edu to RAM);
 * its DMA buffer is at device address 0x40000.
 */
#include <stdint.h>

#include <bastion/spec.h>
#include <libbastion/ipc.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

uintptr_t edu_regs, dma_vaddr, dma_paddr, vga_vaddr;

#define MSI_CHANNEL    1
#define EDU_ID         0x00
#define EDU_LIVENESS   0x04
#define EDU_FACTORIAL  0x08
#define EDU_STATUS     0x20
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE  0x60
#define EDU_IRQ_ACK    0x64
#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_COUNT  0x90
#define EDU_DMA_CMD    0x98
#define EDU_DMA_BUFFER 0x40000u
#define DMA_START      1u
#define DMA_TO_RAM     2u
#define DMA_BYTES      0x800u
#define POLL_LIMIT     50000000u

static unsigned msis;

static volatile uint32_t *reg32(unsigned off)
{
    return (volatile uint32_t *)(edu_regs + off);
}

static volatile uint64_t *reg64(unsigned off)
{
    return (volatile uint64_t *)(edu_regs + off);
}

static void report(bool ok, const char *what)
{
    bst_printf("driver: %s: %s\n", ok ? "ok" : "FAIL", what);
}

static uint32_t config32(unsigned off)
{
    return *(volatile uint32_t *)(uintptr_t)(BASTION_PCI_CONFIG_VADDR + off);
}

static void check_config_space(void)
{
    uint32_t id = config32(0);
    bst_printf("driver: configuration space: vendor %04x device %04x\n", id & 0xffff, id >> 16);
    report(id == 0x11e81234, "configuration space shows the edu device (1234:11e8)");
    unsigned cap = config32(0x34) & 0xfc;
    for (unsigned hops = 0; cap != 0 && hops < 16 && (config32(cap) & 0xff) != 0x05; hops++)
        cap = (config32(cap) >> 8) & 0xfc;
    report(cap != 0 && (config32(cap) >> 16) & 1, "its MSI capability is enabled");
}

static void check_registers(void)
{
    uint32_t id = *reg32(EDU_ID);
    bst_printf("driver: BAR 0 identification register 0x%08x\n", id);
    report((id & 0xff) == 0xed, "BAR 0 reads the edu identification register");
    *reg32(EDU_LIVENESS) = 0x12345678u;
    report(*reg32(EDU_LIVENESS) == ~0x12345678u, "the liveness register inverts what is written");
    *reg32(EDU_FACTORIAL) = 5;
    unsigned polls = 0;
    while ((*reg32(EDU_STATUS) & 1) && polls < POLL_LIMIT)
        polls++;
    uint32_t result = *reg32(EDU_FACTORIAL);
    bst_printf("driver: 5! = %u\n", result);
    report(result == 120, "the device computed 5! = 120");
}

static bool dma(uint64_t src, uint64_t dst, uint32_t cmd)
{
    *reg64(EDU_DMA_SRC) = src;
    *reg64(EDU_DMA_DST) = dst;
    *reg64(EDU_DMA_COUNT) = DMA_BYTES;
    *reg64(EDU_DMA_CMD) = DMA_START | cmd;
    for (unsigned polls = 0; polls < POLL_LIMIT; polls++)
        if (!(*reg64(EDU_DMA_CMD) & DMA_START))
            return true;
    return false;
}

/* RAM page 0 -> edu's buffer -> RAM page 1: lands right only if the region is
 * contiguous and dma_paddr is its physical address. */
static void check_dma(void)
{
    uint8_t *page0 = (uint8_t *)dma_vaddr, *page1 = (uint8_t *)(dma_vaddr + 0x1000);
    for (unsigned i = 0; i < DMA_BYTES; i++) {
        page0[i] = (uint8_t)(i * 7 + 3);
        page1[i] = 0;
    }
    bst_printf("driver: DMA region at physical 0x%lx\n", (unsigned long)dma_paddr);
    bool done =
        dma(dma_paddr, EDU_DMA_BUFFER, 0) && dma(EDU_DMA_BUFFER, dma_paddr + 0x1000, DMA_TO_RAM);
    report(done, "both DMA transfers completed");
    report(memcmp(page0, page1, DMA_BYTES) == 0,
           "DMA through the device landed in the region's second page at dma_paddr + 0x1000");
}

static void check_fixed_region(void)
{
    volatile uint16_t *text = (volatile uint16_t *)vga_vaddr;
    text[0] = 0x1f42;
    text[1] = 0x2e41;
    report(text[0] == 0x1f42 && text[1] == 0x2e41,
           "the fixed device region (VGA text at 0xb8000) reads back what was written");
}

void init(void)
{
    check_config_space();
    check_registers();
    check_dma();
    check_fixed_region();
    bst_printf("driver: raising an MSI\n");
    *reg32(EDU_IRQ_RAISE) = 1;
}

void notified(bst_channel_t ch)
{
    if (ch != MSI_CHANNEL) {
        bst_printf("driver: FAIL: notified on channel %u\n", ch);
        return;
    }
    msis++;
    uint32_t status = *reg32(EDU_IRQ_STATUS);
    *reg32(EDU_IRQ_ACK) = status;
    if (msis == 1) {
        report(status == 1, "the MSI arrives on channel 1 with the device's status 1");
        *reg32(EDU_IRQ_RAISE) = 2; /* again, before the acknowledgement */
        for (unsigned i = 0; i < 100000; i++)
            (void)*reg32(EDU_ID);
        uint64_t word = 0;
        bst_poll(BASTION_SLOT_NOTIFICATION, &word);
        report(word == 0, "an MSI raised before the acknowledgement is not delivered");
        bst_irq_ack(MSI_CHANNEL);
    } else if (msis == 2) {
        report(status == 2, "the acknowledgement delivers the MSI raised before it");
        bst_irq_ack(MSI_CHANNEL);
        *reg32(EDU_IRQ_RAISE) = 4;
    } else {
        report(status == 4, "after the acknowledgement the next MSI arrives at once");
        bst_printf("driver: done\n");
        bst_system_exit(0);
    }
}
