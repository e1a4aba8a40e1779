/*
 * The I/O APICs and the arch hooks of irq/irq.h. The kernel finds them at boot in ACPI's
 * MADT (madt.c: every I/O APIC with its GSI base, up to IOAPIC_MAX), reads each one's
 * pin count from its version register, and numbers the interrupt lines by GSI
 * (irq_gsi_line). Without a usable MADT it drives the architectural default, one I/O
 * APIC at 0xfec00000 with GSI base 0, as a PC without ACPI has.
 *
 * All lines start masked; a line that fires is masked again in the interrupt path
 * (irq_entry) before the LAPIC is acknowledged, and unmasked only by its handler cap's
 * ACK. A line's vector is IRQ_VECTOR_BASE + its line number.
 */
#include <arch/cpu.h>
#include <arch/iommu_unit.h>
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <arch/madt.h>
#include <arch/paging.h>
#include <arch/smp.h>
#include <boot.h>
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
#define BIOS_AREA         0xe0000ull
#define BIOS_AREA_SIZE    0x20000ull

static volatile uint32_t *regs[IOAPIC_MAX];
static paddr_t bases[IOAPIC_MAX];
static struct gsi_ranges ranges;
static struct madt_info madt;

/* Each line's I/O APIC registers and redirection register, written at boot only, so
 * that masking a line on the interrupt path is as short as it was with one I/O APIC
 * (the interrupt latency figures must not grow): a line no I/O APIC drives (an MSI's, a
 * GSI nobody has, a number past IRQ_LINES) points at `unrouted`, a dummy register window
 * whose writes reach no device (line_pin() tells the two apart where it matters). The
 * tables have an entry for every byte value and are indexed by the line's low byte, so
 * that no bounds check is needed: every line is a vector's (below 256). */
#define LINE_TABLE 256
_Static_assert(IRQ_LINES <= LINE_TABLE, "a line is a vector's");
static uint32_t unrouted[IOWIN / 4 + 1];
static volatile uint32_t *line_regs[LINE_TABLE];
static uint32_t line_redir[LINE_TABLE];

static uint32_t read_reg(unsigned io, uint32_t reg)
{
    regs[io][IOREGSEL / 4] = reg;
    return regs[io][IOWIN / 4];
}

static void write_reg(unsigned io, uint32_t reg, uint32_t value)
{
    regs[io][IOREGSEL / 4] = reg;
    regs[io][IOWIN / 4] = value;
}

static bool read_firmware(void *ctx, uint64_t pa, void *dst, size_t n)
{
    (void)ctx;
    return paging_read_phys(pa, dst, n);
}

static void report(const char *doing, struct acpi_status st)
{
    kprintf("ioapic: ACPI %s: %s (%s, offset %u, value %#lx)\n", doing, st.what, st.table,
            st.offset, st.value);
}

/* The MADT's I/O APICs and ISA routes into `madt`; false (reported) when there is no
 * usable MADT. Entries before a malformed one are kept. */
static bool madt_read(void)
{
    const struct boot_info *bi = kernel_boot_info();
    const struct acpi_memory m = {read_firmware, NULL};
    uint8_t rsdp[ACPI_RSDP_MAX];
    struct acpi_status st =
        acpi_rsdp_find(&m, bi->acpi_rsdp, bi->acpi_rsdp_size, BIOS_AREA, BIOS_AREA_SIZE, rsdp);
    uint64_t at = 0;
    uint32_t length = 0;
    if (st.what == NULL) {
        st = acpi_madt_find(&m, rsdp, &at, &length);
    }
    if (st.what != NULL) {
        report("tables", st);
        return false;
    }
    st = madt_parse(&m, at, length, &madt);
    if (st.what != NULL) {
        report("MADT walk ended", st);
    }
    if (madt.ioapics_seen > IOAPIC_MAX) {
        kprintf("ioapic: the MADT lists %u I/O APICs; the first %u are driven\n", madt.ioapics_seen,
                IOAPIC_MAX);
    }
    return madt.n_ioapics > 0;
}

/* Why the register page at base cannot be an I/O APIC's (NULL: it can): the kernel must
 * not take RAM, or a page past the CPU's physical width, for registers to write. */
static const char *base_refused(paddr_t base)
{
    const struct boot_info *bi = kernel_boot_info();
    if (base == 0 || (base & 0xf) != 0 || base >= (paddr_t)1 << cpu_features.phys_addr_bits) {
        return "an impossible register address";
    }
    for (size_t i = 0; i < bi->n_regions; i++) {
        const struct mem_region *r = &bi->regions[i];
        bool ram = r->type == MEM_USABLE || r->type == MEM_KERNEL || r->type == MEM_MODULE ||
                   r->type == MEM_ACPI_RECLAIM;
        if (ram && base >= r->base && base - r->base < r->size) {
            return "its registers would be RAM";
        }
    }
    return NULL;
}

/* Map the I/O APIC at base, read its pin count, mask every pin it drives. */
static void ioapic_add(paddr_t base, uint32_t gsi_base, uint8_t id)
{
    unsigned io = ranges.n;
    const char *why = base_refused(base);
    uint32_t version = 0, kept = 0;
    if (why == NULL && io < IOAPIC_MAX) {
        regs[io] = paging_map_device(base, 16 + 4); /* IOREGSEL and IOWIN */
        version = read_reg(io, REG_VERSION);
        why = version == 0xffffffff ? "nothing answers at its address" : NULL;
    }
    if (why == NULL) {
        struct acpi_status st =
            gsi_ranges_add(&ranges, gsi_base, ((version >> 16) & 0xff) + 1, &kept);
        why = st.what;
    }
    if (why != NULL) {
        kprintf("ioapic: I/O APIC %u at %#lx (GSIs from %u) not driven: %s\n", id, base, gsi_base,
                why);
        return;
    }
    bases[io] = base;
    for (unsigned pin = 0; pin < kept; pin++) {
        unsigned line = irq_gsi_line(gsi_base + pin);
        line_regs[line] = regs[io];
        line_redir[line] = REG_REDIR(pin);
        write_reg(io, REG_REDIR(pin), REDIR_MASKED | (IRQ_VECTOR_BASE + line));
        write_reg(io, REG_REDIR(pin) + 1, 0); /* destination: the boot CPU (APIC id 0) */
    }
    kprintf("ioapic: I/O APIC %u at %#lx: %u pins, GSIs %u-%u, vectors %#x-%#x\n", id, base, kept,
            gsi_base, gsi_base + kept - 1, IRQ_VECTOR_BASE + irq_gsi_line(gsi_base),
            IRQ_VECTOR_BASE + irq_gsi_line(gsi_base + kept - 1));
}

/* The ISA IRQs that the MADT moves to another GSI or makes level or active low; a
 * driver of an ISA device names that GSI (QEMU's PIT, ISA IRQ 0, is GSI 2). */
static void print_isa_routes(void)
{
    const char *lead = "ioapic: ISA IRQs moved or not edge/high (MADT overrides):";
    for (unsigned irq = 0; irq < ISA_IRQS; irq++) {
        const struct isa_route *r = &madt.isa[irq];
        if (r->overridden && (r->gsi != irq || r->trigger || r->polarity)) {
            kprintf("%s %u->GSI %u%s%s", lead, irq, r->gsi, r->trigger ? " level" : "",
                    r->polarity ? " low" : "");
            lead = "";
        }
    }
    if (lead[0] == '\0') {
        kprintf("\n");
    }
}

void ioapic_init(void)
{
    for (unsigned line = 0; line < LINE_TABLE; line++) {
        line_regs[line] = unrouted;
    }
    bool from_madt = madt_read();
    for (unsigned i = 0; from_madt && i < madt.n_ioapics; i++) {
        ioapic_add(madt.ioapic[i].base, madt.ioapic[i].gsi_base, madt.ioapic[i].id);
    }
    if (ranges.n == 0) { /* no MADT, or none of its I/O APICs could be driven */
        kprintf("ioapic: no I/O APIC from the MADT; the default one at %#x, GSI base 0\n",
                IOAPIC_DEFAULT_PHYS);
        ioapic_add(IOAPIC_DEFAULT_PHYS, 0, 0);
        return;
    }
    print_isa_routes();
}

unsigned ioapic_count(void)
{
    return ranges.n;
}

paddr_t ioapic_base(unsigned i)
{
    return i < ranges.n ? bases[i] : 0;
}

/* The I/O APIC and pin of a line that is a GSI's; false when no I/O APIC has it. */
static bool line_pin(unsigned line, unsigned *io, uint32_t *pin)
{
    if (line >= IRQ_LINES || irq_line_is_msi(line)) {
        return false;
    }
    int i = gsi_ranges_find(&ranges, irq_line_gsi(line), pin);
    *io = (unsigned)i;
    return i >= 0;
}

/* Set or clear the mask bit of line's redirection entry (an undriven line's goes to
 * `unrouted`). */
static void set_mask(unsigned line, bool masked)
{
    uint8_t i = (uint8_t)line; /* < 256: see line_regs */
    volatile uint32_t *r = line_regs[i];
    uint32_t redir = line_redir[i];
    r[IOREGSEL / 4] = redir;
    uint32_t v = r[IOWIN / 4];
    r[IOREGSEL / 4] = redir;
    r[IOWIN / 4] = masked ? v | REDIR_MASKED : v & ~(uint32_t)REDIR_MASKED;
}

/* The requester id an I/O APIC's messages carry, for its pins' remapping entries: the
 * one IOMMU_SETUP named is the first I/O APIC's (init takes it from the DMAR table); the
 * others' entries accept any requester (not yet known to the kernel). */
static uint64_t ir_source(unsigned io)
{
    return io == 0 ? iommu_ir_ioapic_source() : IOMMU_IR_ANY_SOURCE;
}

/* Each pin line's destination APIC id (arch_irq_set_cpu; 0, the boot CPU's, until set). */
static uint32_t line_dest[IRQ_LINES];

/* The upper half of a line's entry: the destination APIC id (bits 63-56 of the entry),
 * or, with interrupt remapping on, the remappable format and the index of the line's
 * remapping entry (the kernel's line number, iommu_ir.c), which holds the destination. */
static uint32_t redir_high(unsigned line)
{
    return iommu_ir_enabled() ? (REDIR_REMAPPABLE | (line << REDIR_INDEX_SHIFT))
                              : line_dest[line] << 24;
}

void arch_irq_set_cpu(unsigned line, unsigned cpu)
{
    if (line >= IRQ_LINES) {
        return;
    }
    uint32_t id = smp_cpu_apic_id(cpu);
    if (iommu_ir_enabled()) {
        iommu_ir_set_dest(line, id); /* a pin's or an MSI's entry */
    }
    unsigned io;
    uint32_t pin;
    if (!line_pin(line, &io, &pin)) {
        return; /* an MSI: without remapping its address stays the boot CPU's (irq/irq.h) */
    }
    line_dest[line] = id;
    write_reg(io, REG_REDIR(pin) + 1, redir_high(line));
}

bst_error_t arch_irq_route(unsigned line, unsigned trigger, unsigned polarity)
{
    unsigned io;
    uint32_t pin;
    if (!line_pin(line, &io, &pin)) {
        return BST_RANGE_ERROR;
    }
    uint32_t v = REDIR_MASKED | (IRQ_VECTOR_BASE + line) | (trigger ? REDIR_LEVEL : 0) |
                 (polarity ? REDIR_ACTIVE_LOW : 0);
    if (iommu_ir_enabled()) {
        iommu_ir_set(line, IRQ_VECTOR_BASE + line, trigger != 0, ir_source(io));
    }
    write_reg(io, REG_REDIR(pin), v);
    write_reg(io, REG_REDIR(pin) + 1, redir_high(line));
    return BST_OK;
}

void ioapic_remap_entries(void)
{
    for (unsigned io = 0; io < ranges.n; io++) {
        for (uint32_t pin = 0; pin < ranges.pins[io]; pin++) {
            unsigned line = irq_gsi_line(ranges.gsi_base[io] + pin);
            uint32_t low = read_reg(io, REG_REDIR(pin));
            iommu_ir_set(line, low & 0xff, (low & REDIR_LEVEL) != 0, ir_source(io));
        }
    }
}

void ioapic_use_remapping(void)
{
    for (unsigned io = 0; io < ranges.n; io++) {
        for (uint32_t pin = 0; pin < ranges.pins[io]; pin++) {
            write_reg(io, REG_REDIR(pin) + 1, redir_high(irq_gsi_line(ranges.gsi_base[io] + pin)));
        }
    }
}

void arch_irq_mask(unsigned line)
{
    set_mask(line, true);
}

void arch_irq_unmask(unsigned line)
{
    set_mask(line, false);
}
