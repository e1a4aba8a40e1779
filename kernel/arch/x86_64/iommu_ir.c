/*
 * Interrupt remapping of the VT-d unit (arch/iommu_unit.h): with it on, an interrupt
 * message from a device (or from the IOAPIC, which sends messages through the unit)
 * is delivered only through an entry of the kernel's remapping table, with the vector
 * that entry names, and only from the requester the entry allows. A message in the old
 * (compatibility) format is blocked (GSTS.CFIS stays 0), so a device that rewrites its
 * MSI address and data can no longer raise a vector of its choosing.
 *
 * The table is kernel data: 256 entries of 16 bytes, entry i for the kernel's interrupt
 * line i (IOAPIC pins 0-23, MSI lines 24-55; irq/irq.h). Every entry delivers fixed, in
 * physical destination mode, to the APIC id iommu_ir_set_dest() chose for its line (the
 * boot CPU's, 0, until then; the SMP kernel routes a line to its thread's CPU). ioapic.c
 * and msi.c write the entries of their lines and hand out remappable-format messages
 * once remapping is on; the pins' entries accept only the IOAPIC's requester id when
 * init named it (from ACPI's DMAR table), an MSI line's only its device's when the line
 * was issued for one.
 */
#include <arch/iommu_unit.h>
#include <arch/paging.h>
#include <irq/irq.h>
#include <kprintf.h>

#define IRT_ENTRIES    256u
#define IRTA_SIZE      7u /* 2^(7 + 1) = 256 entries */
#define IRTA_EIME      BIT(11)
#define IRTE_PRESENT   BIT(0)
#define IRTE_LEVEL     BIT(4)
#define IRTE_VECTOR(v) ((uint64_t)(v) << 16)
#define IRTE_SVT_SID   (1ull << 18) /* high word: verify the requester id */
#define QI_IEC_GLOBAL  0x4ull       /* interrupt entry cache, global */
_Static_assert(IRQ_LINES <= IRT_ENTRIES, "an entry per line");

static uint64_t irt[IRT_ENTRIES][2] __attribute__((aligned(4096)));
static bool on;
static bool extended;              /* IRTA.EIME: destinations are 32-bit x2APIC ids */
static uint32_t dest[IRT_ENTRIES]; /* each entry's destination APIC id */

/* The destination field (high half of the low word): an x2APIC id whole in extended
 * mode, an xAPIC id in bits 15-8 otherwise. */
static uint64_t dest_field(unsigned index)
{
    return (uint64_t)(extended ? dest[index] : (dest[index] & 0xff) << 8) << 32;
}

static uint64_t ioapic_source = IOMMU_IR_ANY_SOURCE;

void iommu_ir_set_ioapic_source(uint64_t source_id)
{
    ioapic_source = source_id;
}

uint64_t iommu_ir_ioapic_source(void)
{
    return ioapic_source;
}

bool iommu_ir_enabled(void)
{
    return on;
}

static void invalidate_entries(void)
{
    static const uint64_t desc[1][2] = {{QI_IEC_GLOBAL, 0}};
    iommu_qi_submit(desc, 1, "interrupt entry cache invalidation");
}

bool iommu_ir_enable(uint64_t ecap)
{
    if (!(ecap & IOMMU_ECAP_IR) || !iommu_qi_enabled()) {
        return false;
    }
    uint64_t irta = kernel_image_paddr(irt) | IRTA_SIZE | ((ecap & IOMMU_ECAP_EIM) ? IRTA_EIME : 0);
    extended = (irta & IRTA_EIME) != 0;
    iommu_wr64(IOMMU_REG_IRTA, irta);
    if (!iommu_gcmd(IOMMU_GCMD_SIRTP, IOMMU_GCMD_SIRTP, "setting the interrupt remapping table")) {
        return false;
    }
    invalidate_entries();
    on = iommu_gcmd(IOMMU_GCMD_IRE, IOMMU_GCMD_IRE, "enabling interrupt remapping");
    return on;
}

void iommu_ir_set(unsigned index, unsigned vector, bool level, uint64_t source_id)
{
    if (index >= IRT_ENTRIES) {
        return;
    }
    irt[index][0] = 0; /* absent while it changes */
    iommu_flush(irt[index]);
    irt[index][1] = source_id == IOMMU_IR_ANY_SOURCE ? 0 : (IRTE_SVT_SID | (source_id & 0xffff));
    irt[index][0] =
        IRTE_PRESENT | (level ? IRTE_LEVEL : 0) | IRTE_VECTOR(vector) | dest_field(index);
    iommu_flush(irt[index]);
    if (on) {
        invalidate_entries();
    }
}

void iommu_ir_set_dest(unsigned index, uint32_t apic_id)
{
    if (index >= IRT_ENTRIES) {
        return;
    }
    dest[index] = apic_id;
    if (irt[index][0] & IRTE_PRESENT) { /* one 64-bit store: the entry never half-changes */
        irt[index][0] = (irt[index][0] & 0xffffffffull) | dest_field(index);
        iommu_flush(irt[index]);
        if (on) {
            invalidate_entries();
        }
    }
}
