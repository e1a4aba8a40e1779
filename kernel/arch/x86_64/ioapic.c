/*
 * IOAPIC programming and the arch hooks of irq/irq.h. All lines start masked; a line
 * that fires is masked again in the interrupt path (irq_entry) before the LAPIC is
 * acknowledged, and unmasked only by its handler cap's ACK.
 */
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <arch/paging.h>
#include <irq/irq.h>
#include <kprintf.h>

#define IOREGSEL         0x00
#define IOWIN            0x10
#define REG_VERSION      0x01
#define REG_REDIR(n)     (0x10 + 2 * (n))
#define REDIR_MASKED     BIT(16)
#define REDIR_LEVEL      BIT(15)
#define REDIR_ACTIVE_LOW BIT(13)

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

bst_error_t arch_irq_route(unsigned line, unsigned trigger, unsigned polarity)
{
    if (line >= n_lines) {
        return BST_RANGE_ERROR;
    }
    uint32_t v = REDIR_MASKED | (IRQ_VECTOR_BASE + line) | (trigger ? REDIR_LEVEL : 0) |
                 (polarity ? REDIR_ACTIVE_LOW : 0);
    write_reg(REG_REDIR(line), v);
    return BST_OK;
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
