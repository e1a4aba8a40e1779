/*
 * IOAPIC programming and the arch hooks of irq/irq.h. All lines start masked; a line
 * that fires is masked again in the interrupt path (irq_entry) before the LAPIC is
 * acknowledged, and unmasked only by its handler cap's ACK.
 */
#include <arch/iommu_unit.h>
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <arch/paging.h>
#include <irq/irq.h>
#include <kprintf.h>

#define IOREGSEL          0x00
#define IOWIN             0x10
#define REG_VERSION       0x01
#define REG_REDIR(n)      (0x10 + 2 * (n))
#define REDIR_MASKED      BIT(16)
#define REDIR_LEVEL       BIT(15)
#define REDIR_ACTIVE_LOW  BIT(13)
#define REDIR_REMAPPABLE  BIT(16) /* in the upper half (bit 48): remappable format */
#define REDIR_INDEX_SHIFT 17      /* upper half: the remapping entry's index, bits 14-0 */

static volatile uint32_t *regs;
static unsigned n_lines;

static uint32_t read_reg(uint32_t reg)
{
    regs[IOREGSEL / 4] = reg;
    return regs[IOWIN / 4];
}

static void write_reg(uint32_t reg, uint32_t value)
{
    regs[IOREGSEL / 4] = reg;
    regs[IOWIN / 4] = value;
}

void ioapic_init(void)
{
    regs = paging_map_device(IOAPIC_PHYS, 4096);
    n_lines = ((read_reg(REG_VERSION) >> 16) & 0xff) + 1;
    if (n_lines > IRQ_PIN_LINES) {
        n_lines = IRQ_PIN_LINES;
    }
    for (unsigned i = 0; i < n_lines; i++) {
        write_reg(REG_REDIR(i), REDIR_MASKED | (IRQ_VECTOR_BASE + i));
        write_reg(REG_REDIR(i) + 1, 0); /* destination: the boot CPU (APIC id 0) */
    }
    kprintf("ioapic: %u lines at %#x, vectors %#x-%#x\n", n_lines, IOAPIC_PHYS, IRQ_VECTOR_BASE,
            IRQ_VECTOR_BASE + n_lines - 1);
}

unsigned ioapic_lines(void)
{
    return n_lines;
}

/* The upper half of pin i's entry: the destination (the boot CPU), or, with interrupt
 * remapping on, the remappable format and the index of the pin's remapping entry (the
 * kernel's line number, iommu_ir.c). */
static uint32_t redir_high(unsigned i)
{
    return iommu_ir_enabled() ? (REDIR_REMAPPABLE | (i << REDIR_INDEX_SHIFT)) : 0;
}

bst_error_t arch_irq_route(unsigned line, unsigned trigger, unsigned polarity)
{
    if (line >= n_lines) {
        return BST_RANGE_ERROR;
    }
    uint32_t v = REDIR_MASKED | (IRQ_VECTOR_BASE + line) | (trigger ? REDIR_LEVEL : 0) |
                 (polarity ? REDIR_ACTIVE_LOW : 0);
    if (iommu_ir_enabled()) {
        iommu_ir_set(line, IRQ_VECTOR_BASE + line, trigger != 0, iommu_ir_ioapic_source());
    }
    write_reg(REG_REDIR(line), v);
    write_reg(REG_REDIR(line) + 1, redir_high(line));
    return BST_OK;
}

void ioapic_remap_entries(void)
{
    for (unsigned i = 0; i < n_lines; i++) {
        uint32_t low = read_reg(REG_REDIR(i));
        iommu_ir_set(i, low & 0xff, (low & REDIR_LEVEL) != 0, iommu_ir_ioapic_source());
    }
}

void ioapic_use_remapping(void)
{
    for (unsigned i = 0; i < n_lines; i++) {
        write_reg(REG_REDIR(i) + 1, redir_high(i));
    }
}

void arch_irq_mask(unsigned line)
{
    if (line < n_lines) {
        write_reg(REG_REDIR(line), read_reg(REG_REDIR(line)) | REDIR_MASKED);
    }
}

void arch_irq_unmask(unsigned line)
{
    if (line < n_lines) {
        write_reg(REG_REDIR(line), read_reg(REG_REDIR(line)) & ~(uint32_t)REDIR_MASKED);
    }
}
