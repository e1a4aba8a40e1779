/*
 * The Intel VT-d remapping unit's registers, shared by the parts that drive it: DMA
 * remapping (iommu.c), queued invalidation (iommu_qi.c) and interrupt remapping
 * (iommu_ir.c). Only iommu.c sets the unit up; the others are used once it has.
 */
#ifndef ARCH_IOMMU_UNIT_H
#define ARCH_IOMMU_UNIT_H

#include <ktypes.h>

#define IOMMU_REG_VER     0x00
#define IOMMU_REG_CAP     0x08
#define IOMMU_REG_ECAP    0x10
#define IOMMU_REG_GCMD    0x18
#define IOMMU_REG_GSTS    0x1c
#define IOMMU_REG_RTADDR  0x20
#define IOMMU_REG_CCMD    0x28
#define IOMMU_REG_FSTS    0x34
#define IOMMU_REG_FECTL   0x38
#define IOMMU_REG_FEDATA  0x3c
#define IOMMU_REG_FEADDR  0x40
#define IOMMU_REG_FEUADDR 0x44
#define IOMMU_REG_IQH     0x80
#define IOMMU_REG_IQT     0x88
#define IOMMU_REG_IQA     0x90
#define IOMMU_REG_IRTA    0xb8

#define IOMMU_GCMD_TE    BIT(31)
#define IOMMU_GCMD_SRTP  BIT(30)
#define IOMMU_GCMD_QIE   BIT(26)
#define IOMMU_GCMD_IRE   BIT(25)
#define IOMMU_GCMD_SIRTP BIT(24)
#define IOMMU_FSTS_IQE   BIT(4) /* invalidation queue error */
#define IOMMU_ECAP_QI    BIT(1)
#define IOMMU_ECAP_IR    BIT(3)
#define IOMMU_ECAP_EIM   BIT(4)

extern volatile uint8_t *iommu_unit_regs;

static inline uint32_t iommu_rd32(unsigned off)
{
    return *(volatile uint32_t *)(iommu_unit_regs + off);
}
static inline uint64_t iommu_rd64(unsigned off)
{
    return *(volatile uint64_t *)(iommu_unit_regs + off);
}
static inline void iommu_wr32(unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(iommu_unit_regs + off) = v;
}
static inline void iommu_wr64(unsigned off, uint64_t v)
{
    *(volatile uint64_t *)(iommu_unit_regs + off) = v;
}

/* Make a table write visible to the unit (a unit that does not snoop caches). */
void iommu_flush(const void *p);
/* A global command (GCMD) that sets `cmd`, waiting (bounded) until GSTS shows
 * `status`; false, with a warning, if it does not. */
bool iommu_gcmd(uint32_t cmd, uint32_t status, const char *what);

/* Queued invalidation (iommu_qi.c): turn it on (the unit offers it); false if it does
 * not come on. Then every invalidation must go through the queue. */
bool iommu_qi_enable(void);
bool iommu_qi_enabled(void);
/* Queue descriptors (lo, hi pairs), then a wait, and wait for it (bounded). */
void iommu_qi_submit(const uint64_t (*desc)[2], unsigned n, const char *what);

/* Interrupt remapping (iommu_ir.c): turn it on with queued invalidation on; false if it
 * does not come on. Compatibility-format interrupts stay blocked. */
bool iommu_ir_enable(uint64_t ecap);
bool iommu_ir_enabled(void);
/* Entry `index` of the remapping table: deliver `vector` (fixed, edge or level) to the
 * boot CPU, accepted only from requester `source_id` (IOMMU_IR_ANY_SOURCE: from any).
 * Invalidates the unit's cached copy. */
#define IOMMU_IR_ANY_SOURCE UINT64_MAX
void iommu_ir_set(unsigned index, unsigned vector, bool level, uint64_t source_id);
/* Entry `index` delivers to the CPU whose local APIC id is apic_id from now on (0, the
 * boot CPU's, until set); its other fields stay. */
void iommu_ir_set_dest(unsigned index, uint32_t apic_id);
/* The IOAPIC's requester id, for its pins' entries (before remapping comes on). */
void iommu_ir_set_ioapic_source(uint64_t source_id);
uint64_t iommu_ir_ioapic_source(void);

#endif
