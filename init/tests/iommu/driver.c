/*
 * driver: owns QEMU's edu device behind the IOMMU (or not: the expect file boots both).
 * Its I/O space holds only its region `dma`; it also maps the victim's region `secret`
 * read-only, without its physical address from init (the victim publishes it), so the
 * device may not reach it. Each check prints "ok" or "FAIL".
 *
 * edu's DMA (QEMU docs/specs/edu.rst): 0x80/0x88/0x90/0x98 source, destination, count,
 * command (bit 0 start, bit 1 edu to RAM); its buffer is at device address 0x40000.
 */
#include <stdint.h>

#include <bastion/spec.h>
#include <libbastion/cnode.h>
#include <libbastion/iommu.h>
#include <libbastion/ipc.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#include "iommu_test.h"

uintptr_t edu_regs, dma_vaddr, dma_paddr, secret_vaddr;

#define EDU_DMA_SRC      0x80
#define EDU_DMA_DST      0x88
#define EDU_DMA_COUNT    0x90
#define EDU_DMA_CMD      0x98
#define EDU_DMA_BUFFER   0x40000u
#define DMA_START        1u
#define DMA_TO_RAM       2u
#define DMA_BYTES        0x800u
#define POLL_LIMIT       50000000u
#define EDU_SOURCE_ID    0x80u /* 00:10.0 */
#define EDU_IRQ_STATUS   0x24
#define EDU_IRQ_RAISE    0x60
#define EDU_IRQ_ACK      0x64
#define MSI_CHANNEL      1
#define MSI_POLLS        200000u
#define MSI_REMAPPABLE   (1u << 4)
#define MSI_ABSENT_ENTRY 0xfee00000u | (200u << 5) | MSI_REMAPPABLE /* entry 200: no line */

static void report(bool ok, const char *what)
{
    bst_printf("driver: %s: %s\n", ok ? "ok" : "FAIL", what);
}

static volatile uint64_t *reg64(unsigned off)
{
    return (volatile uint64_t *)(edu_regs + off);
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

static bool secret_intact(void)
{
    const volatile uint8_t *p = (const volatile uint8_t *)secret_vaddr;
    for (unsigned i = 0; i < SECRET_PATTERN_BYTES; i++)
        if (p[i] != SECRET_BYTE)
            return false;
    return true;
}

static bool all_bytes(const uint8_t *p, unsigned n, uint8_t b)
{
    for (unsigned i = 0; i < n; i++)
        if (p[i] != b)
            return false;
    return true;
}

/* RAM page 0 -> edu's buffer -> RAM page 1, inside the region. */
static void check_own_dma(void)
{
    uint8_t *page0 = (uint8_t *)dma_vaddr, *page1 = (uint8_t *)(dma_vaddr + 0x1000);
    for (unsigned i = 0; i < DMA_BYTES; i++) {
        page0[i] = (uint8_t)(i * 7 + 3);
        page1[i] = 0;
    }
    bool done =
        dma(dma_paddr, EDU_DMA_BUFFER, 0) && dma(EDU_DMA_BUFFER, dma_paddr + 0x1000, DMA_TO_RAM);
    report(done && memcmp(page0, page1, DMA_BYTES) == 0,
           "the device's DMA within its own region works");
}

static bool fault_is(const struct bst_io_fault *f, uint64_t count, uint64_t addr, bool write)
{
    return f->count == count && f->address == addr && f->source_id == EDU_SOURCE_ID &&
           ((f->reason & BST_IO_FAULT_WRITE) != 0) == write;
}

/* A write into the victim's region, then a read from it: both blocked, both reported. */
static void check_blocked(uint64_t secret_paddr, bool confined)
{
    uint8_t *page0 = (uint8_t *)dma_vaddr, *page1 = (uint8_t *)(dma_vaddr + 0x1000);
    memset(page0, 0x11, DMA_BYTES);
    bool done = dma(dma_paddr, EDU_DMA_BUFFER, 0) && dma(EDU_DMA_BUFFER, secret_paddr, DMA_TO_RAM);
    bool intact = secret_intact();
    bst_printf("driver: DMA write of 0x%x bytes to the victim's region at 0x%lx: %s\n", DMA_BYTES,
               (unsigned long)secret_paddr, intact ? "its memory is unchanged" : "it was written");
    if (!confined) {
        report(done && !intact, "without an IOMMU the device wrote the victim's memory");
        return;
    }
    struct bst_io_fault f = {0};
    bst_error_t e = bst_iospace_read_fault(BASTION_SLOT_IOSPACE, &f);
    report(done && intact, "a DMA write into another PD's memory is blocked: it is unchanged");
    report(e == BST_OK && fault_is(&f, 1, secret_paddr, true),
           "the blocked write is reported as a fault of its I/O space (address, device, write)");
    memset(page1, 0x22, DMA_BYTES);
    done =
        dma(secret_paddr, EDU_DMA_BUFFER, 0) && dma(EDU_DMA_BUFFER, dma_paddr + 0x1000, DMA_TO_RAM);
    bool leaked = false;
    for (unsigned i = 0; i < DMA_BYTES; i++)
        leaked |= page1[i] == SECRET_BYTE;
    report(done && !leaked && !all_bytes(page1, DMA_BYTES, 0x22),
           "a DMA read of another PD's memory brings none of it into the device");
    e = bst_iospace_read_fault(BASTION_SLOT_IOSPACE, &f);
    report(e == BST_OK && fault_is(&f, 2, secret_paddr, false),
           "the blocked read is reported too (count 2, a read)");
}

/* No cap the driver holds can put the victim's memory into its device's space: it has
 * no frame cap at all (FRAME_IO_MAP is a frame's invocation), and its I/O space cap is
 * read-only. Each cap that is not an IPC cap (invoking those is IPC, not an invocation)
 * is tried as the frame: every attempt must fail. */
static void check_cannot_map(uint64_t secret_paddr)
{
    static const uint64_t slots[] = {BASTION_SLOT_TCB, BASTION_SLOT_VSPACE, BASTION_SLOT_CNODE,
                                     BASTION_SLOT_SCHED_CONTEXT, BASTION_SLOT_IOSPACE};
    unsigned refused = 0;
    for (unsigned i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        bst_error_t e = bst_frame_io_map(slots[i], BASTION_SLOT_IOSPACE, secret_paddr,
                                         BST_RIGHT_READ | BST_RIGHT_WRITE);
        bst_printf("driver: FRAME_IO_MAP of the victim's address through slot %lu: %s\n",
                   (unsigned long)slots[i], bst_error_name(e));
        refused += e != BST_OK;
    }
    bst_error_t e = bst_iospace_assign(BASTION_SLOT_IOSPACE, BASTION_SLOT_IOSPACE, EDU_SOURCE_ID);
    bst_printf("driver: IOSPACE_ASSIGN with its own I/O space as the authority: %s\n",
               bst_error_name(e));
    report(refused == sizeof(slots) / sizeof(slots[0]) && e == BST_INVALID_CAPABILITY,
           "the driver cannot map another PD's memory into its device's space");
    report(secret_intact(), "the victim's memory is still unchanged");
}

/* Whether init gave this PD an I/O space (a copy of its slot succeeds). */
static bool has_iospace(void)
{
    const uint64_t probe = 9; /* a free slot of the PD layout */
    bst_error_t e = bst_cnode_copy(BASTION_SLOT_CNODE, probe, 64, BASTION_SLOT_CNODE,
                                   BASTION_SLOT_IOSPACE, 64, BST_RIGHTS_ALL);
    if (e == BST_OK)
        bst_cnode_delete(BASTION_SLOT_CNODE, probe, 64);
    return e == BST_OK;
}

static uint32_t config32(unsigned off)
{
    return *(volatile uint32_t *)(uintptr_t)(BASTION_PCI_CONFIG_VADDR + off);
}

static void set_config32(unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(BASTION_PCI_CONFIG_VADDR + off) = v;
}

/* Raise edu's interrupt and wait (bounded) for the notification word; 0 if none came. */
static uint64_t raise_and_poll(uint32_t status)
{
    *(volatile uint32_t *)(edu_regs + EDU_IRQ_RAISE) = status;
    uint64_t word = 0;
    for (unsigned i = 0; i < MSI_POLLS && word == 0; i++) {
        (void)*(volatile uint32_t *)(edu_regs + EDU_IRQ_STATUS);
        bst_poll(BASTION_SLOT_NOTIFICATION, &word);
    }
    *(volatile uint32_t *)(edu_regs + EDU_IRQ_ACK) = status;
    return word;
}

/* With interrupt remapping the message init programmed names an entry of the kernel's
 * remapping table, and edu's MSI arrives through it. Rewritten by the driver (it can
 * write its configuration space) to name an entry the kernel never filled, the same MSI
 * is blocked: the table, not the device, decides which vectors a device raises. (A
 * message in the old format would be blocked by a real unit; QEMU 7.2 under TCG lets it
 * through, so that is not checked here.) */
static void check_interrupt_remapping(void)
{
    unsigned cap = config32(0x34) & 0xfc;
    for (unsigned hops = 0; cap != 0 && hops < 16 && (config32(cap) & 0xff) != 0x05; hops++)
        cap = (config32(cap) >> 8) & 0xfc;
    uint32_t address = cap ? config32(cap + 4) : 0;
    bst_printf("driver: MSI address 0x%x (%s format)\n", address,
               address & MSI_REMAPPABLE ? "remappable" : "compatibility");
    report(cap != 0 && (address & MSI_REMAPPABLE), "init programmed a remappable MSI");
    report(raise_and_poll(1) == 1u << MSI_CHANNEL, "the MSI arrives through the remapping table");
    bst_irq_ack(MSI_CHANNEL);
    set_config32(cap + 4, MSI_ABSENT_ENTRY);
    uint64_t word = raise_and_poll(2);
    set_config32(cap + 4, address);
    report(word == 0, "an MSI rewritten to name an entry the kernel did not fill is blocked");
    report(raise_and_poll(4) == 1u << MSI_CHANNEL, "restored, the MSI arrives again");
    bst_irq_ack(MSI_CHANNEL);
}

void init(void)
{
    uint64_t secret_paddr = *(const volatile uint64_t *)(secret_vaddr + SECRET_PADDR_OFFSET);
    report(secret_paddr != 0 && secret_intact(), "the victim published its region first");
    bool confined = has_iospace();
    bst_printf("driver: DMA %s\n", confined ? "confined to its I/O space" : "not confined");
    check_own_dma();
    if (confined) {
        check_interrupt_remapping();
        check_cannot_map(secret_paddr);
    }
    check_blocked(secret_paddr, confined);
    bst_printf("driver: done\n");
    bst_system_exit(0);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
