/*
 * Intel VT-d DMA remapping: the architecture's side of vm/iospace.h.
 *
 * One remapping unit (the one whose register page init hands over with IOMMU_SETUP,
 * found in ACPI's DMAR table). Its root table and the context table of PCI bus 0 are
 * kernel data (8 KiB, fixed at build like the IDT); a context entry per function
 * (dev, fn) points at an IOSPACE object's table with the I/O space's identifier as the
 * domain id. The second-level tables (3 levels for 39-bit I/O addresses, or 4 for
 * 48-bit, as the unit's SAGAW offers) are IOSPACE and IOPT objects from untyped
 * memory, in the format arch_iospace_format describes (vm/second_level.c walks them).
 * Translation is turned on at set-up with every context entry absent, so from then on a
 * function's DMA is blocked until it is assigned.
 *
 * Caches are invalidated through the registers (global context-cache and IOTLB
 * invalidation), after every change that removes or redirects a translation; queued
 * invalidation is not used. Every wait on the hardware is bounded. Faults arrive as an
 * interrupt (VEC_IOMMU_FAULT): the fault recording registers are read, cleared, and
 * handed to iospace_fault().
 */
#include <arch/ioapic.h>
#include <arch/iommu_unit.h>
#include <arch/io.h>
#include <arch/paging.h>
#include <arch/trap.h>
#include <bastion/rights.h>
#include <bastion/vmattr.h>
#include <kprintf.h>
#include <vm/iospace.h>

#define GSTS_ONE_SHOT     0x96ffffffu /* GSTS bits that are not one-shot commands */
#define CCMD_ICC          BIT(63)
#define CCMD_GLOBAL       (1ull << 61)
#define IOTLB_IVT         BIT(63)
#define IOTLB_GLOBAL      (1ull << 60)
#define IOTLB_DRAIN       (BIT(49) | BIT(48))
#define QI_CONTEXT_GLOBAL (0x1ull | 1ull << 4)                   /* context-cache, global */
#define QI_IOTLB_GLOBAL   (0x2ull | 1ull << 4 | BIT(7) | BIT(6)) /* IOTLB, global, drain */
#define FSTS_PFO          BIT(0)
#define FRCD_F            BIT(63) /* in a recording register's high word */
#define FRCD_T            BIT(62) /* high word: 1 a read, 0 a write */
#define CAP_ND(c)         ((c)&7) /* 2^(4 + 2 ND) domain ids */
#define CAP_CM            BIT(7)  /* caching mode: absent entries may be cached */
#define CAP_SAGAW(c)      (((c) >> 8) & 0x1f)
#define CAP_FRO(c)        ((((c) >> 24) & 0x3ff) * 16)
#define CAP_NFR(c)        ((((c) >> 40) & 0xff) + 1)
#define ECAP_COHERENT     BIT(0)
#define ECAP_IRO(e)       ((((e) >> 8) & 0x3ff) * 16)
#define MSI_ADDRESS       0xfee00000u /* the boot CPU's local APIC */
#define PTE_READ          BIT(0)
#define PTE_WRITE         BIT(1)
#define PTE_LARGE         BIT(7) /* a 2 MiB page in a level-2 table */
#define CAP_SLLPS_2M      BIT(34)
#define PTE_ADDR          0x000ffffffffff000ull
#define ENTRY_PRESENT     BIT(0)
#define WAIT_LIMIT        10000000u
#define SETUP_ATTEMPTS    4 /* register pages the kernel maps at most (window space) */

static uint64_t root_table[512] __attribute__((aligned(4096)));   /* 256 entries of 16 B */
static uint64_t context_bus0[512] __attribute__((aligned(4096))); /* 256 entries of 16 B */
_Static_assert(sizeof(root_table) == 4096 && sizeof(context_bus0) == 4096, "one page each");

volatile uint8_t *iommu_unit_regs;
static bool enabled;
static bool coherent;      /* the unit's table walks snoop the CPU's caches */
static bool large_pages;   /* 2 MiB second-level pages */
static bool caching_mode;  /* the unit may cache absent entries: invalidate after a map */
static unsigned levels;    /* of second-level translation: 3 or 4 */
static unsigned fro, nfr;  /* fault recording registers: offset, count */
static unsigned iotlb_reg; /* the IOTLB invalidate register's offset */
static unsigned setups_tried;

void iommu_flush(const void *p)
{
    if (!coherent) {
        __asm__ volatile("clflush (%0)" ::"r"(p) : "memory");
    }
    __asm__ volatile("sfence" ::: "memory");
}

/* Wait until (reg & mask) == want, a bounded time; false (and a warning) if not. */
static bool wait32(unsigned off, uint32_t mask, uint32_t want, const char *what)
{
    for (unsigned i = 0; i < WAIT_LIMIT; i++) {
        if ((iommu_rd32(off) & mask) == want) {
            return true;
        }
        __asm__ volatile("pause");
    }
    kprintf("iommu: warning: %s did not complete\n", what);
    return false;
}

static bool wait64_clear(unsigned off, uint64_t bit, const char *what)
{
    for (unsigned i = 0; i < WAIT_LIMIT; i++) {
        if (!(iommu_rd64(off) & bit)) {
            return true;
        }
        __asm__ volatile("pause");
    }
    kprintf("iommu: warning: %s did not complete\n", what);
    return false;
}

bool iommu_gcmd(uint32_t cmd, uint32_t status, const char *what)
{
    iommu_wr32(IOMMU_REG_GCMD, (iommu_rd32(IOMMU_REG_GSTS) & GSTS_ONE_SHOT) | cmd);
    return wait32(IOMMU_REG_GSTS, status, status, what);
}

/* Forget every cached context entry and translation: through the invalidation queue
 * once it is on (the registers must not be used then), else through the registers. */
static void invalidate_all(void)
{
    if (iommu_qi_enabled()) {
        static const uint64_t desc[2][2] = {
            {QI_CONTEXT_GLOBAL, 0},
            {QI_IOTLB_GLOBAL, 0},
        };
        iommu_qi_submit(desc, 2, "queued context-cache and IOTLB invalidation");
        return;
    }
    iommu_wr64(IOMMU_REG_CCMD, CCMD_ICC | CCMD_GLOBAL);
    wait64_clear(IOMMU_REG_CCMD, CCMD_ICC, "context-cache invalidation");
    iommu_wr64(iotlb_reg, IOTLB_IVT | IOTLB_GLOBAL | IOTLB_DRAIN);
    wait64_clear(iotlb_reg, IOTLB_IVT, "IOTLB invalidation");
}

bool arch_iommu_enabled(void)
{
    return enabled;
}

uint64_t arch_iospace_limit(void)
{
    return levels == 4 ? BIT(48) : BIT(39); /* before set-up: 39 bits, checked first */
}

/* Check what the unit at `regs` offers; the reason it is unusable, or NULL. */
static const char *check_unit(uint64_t cap, uint64_t ecap, uint32_t ver)
{
    if (ver == 0 || ver == 0xffffffffu) {
        return "no remapping unit answers there";
    }
    if (CAP_ND(cap) < 1) {
        return "fewer domain ids than I/O spaces (64)";
    }
    if (!(CAP_SAGAW(cap) & 0x6)) {
        return "neither 3- nor 4-level second-level translation";
    }
    if (CAP_FRO(cap) + CAP_NFR(cap) * 16 > 4096 || ECAP_IRO(ecap) + 16 > 4096) {
        return "registers beyond the page";
    }
    return NULL;
}

bst_error_t arch_iommu_setup(paddr_t pa, uint64_t ioapic_source)
{
    if (enabled || setups_tried >= SETUP_ATTEMPTS) {
        return BST_ILLEGAL_OPERATION;
    }
    setups_tried++;
    iommu_unit_regs = paging_map_device(pa, 4096);
    uint32_t ver = iommu_rd32(IOMMU_REG_VER);
    uint64_t cap = iommu_rd64(IOMMU_REG_CAP), ecap = iommu_rd64(IOMMU_REG_ECAP);
    const char *why = check_unit(cap, ecap, ver);
    if (why != NULL) {
        kprintf("iommu: unit at %#lx refused: %s\n", (unsigned long)pa, why);
        return BST_INVALID_ARGUMENT;
    }
    levels = (CAP_SAGAW(cap) & 0x2) ? 3 : 4;
    coherent = (ecap & ECAP_COHERENT) != 0;
    caching_mode = (cap & CAP_CM) != 0;
    large_pages = (cap & CAP_SLLPS_2M) != 0;
    fro = (unsigned)CAP_FRO(cap);
    nfr = (unsigned)CAP_NFR(cap);
    iotlb_reg = (unsigned)ECAP_IRO(ecap) + 8;
    paddr_t ctx = kernel_image_paddr(context_bus0);
    root_table[0] = ctx | ENTRY_PRESENT; /* bus 0; other buses have no context table */
    iommu_flush(&root_table[0]);
    iommu_wr64(IOMMU_REG_RTADDR, kernel_image_paddr(root_table));
    iommu_gcmd(IOMMU_GCMD_SRTP, IOMMU_GCMD_SRTP, "setting the root table");
    invalidate_all();
    if ((ecap & IOMMU_ECAP_QI) && iommu_qi_enable()) {
        iommu_ir_set_ioapic_source(ioapic_source);
        ioapic_remap_entries(); /* valid entries before remapping comes on */
        if (iommu_ir_enable(ecap)) {
            ioapic_use_remapping();
        }
    }
    iommu_wr32(IOMMU_REG_FEDATA, VEC_IOMMU_FAULT);
    iommu_wr32(IOMMU_REG_FEADDR, MSI_ADDRESS);
    iommu_wr32(IOMMU_REG_FEUADDR, 0);
    iommu_wr32(IOMMU_REG_FECTL, 0); /* unmasked */
    iommu_gcmd(IOMMU_GCMD_TE, IOMMU_GCMD_TE, "enabling translation");
    enabled = (iommu_rd32(IOMMU_REG_GSTS) & IOMMU_GCMD_TE) != 0;
    kprintf("iommu: VT-d %u.%u at %#lx: DMA remapping %s, %u-level tables (%u-bit I/O "
            "addresses), %u fault records, %s invalidation, interrupt remapping %s\n",
            (ver >> 4) & 0xf, ver & 0xf, (unsigned long)pa, enabled ? "on" : "FAILED", levels,
            levels == 4 ? 48u : 39u, nfr, iommu_qi_enabled() ? "queued" : "register-based",
            iommu_ir_enabled() ? "on" : "off");
    return enabled ? BST_OK : BST_INVALID_ARGUMENT;
}

bool arch_iommu_source_valid(uint64_t source_id)
{
    return (source_id >> 8) == 0; /* bus 0 only: the one context table */
}

paddr_t arch_iommu_assigned_root(uint64_t source_id)
{
    if (!arch_iommu_source_valid(source_id)) {
        return 0;
    }
    uint64_t lo = context_bus0[2 * (source_id & 0xff)];
    return (lo & ENTRY_PRESENT) ? (lo & PTE_ADDR) : 0;
}

void arch_iommu_assign(uint64_t source_id, paddr_t root, unsigned id)
{
    uint64_t *e = &context_bus0[2 * (source_id & 0xff)];
    e[1] = (levels == 4 ? 2u : 1u) | ((uint64_t)id << 8); /* AW, domain id */
    e[0] = root | ENTRY_PRESENT;                          /* TT 0: translate; faults on */
    iommu_flush(e);
    invalidate_all(); /* a unit with caching mode may cache absent entries */
}

void arch_iommu_unassign_root(paddr_t root)
{
    for (unsigned f = 0; f < 256; f++) {
        uint64_t *e = &context_bus0[2 * f];
        if ((e[0] & ENTRY_PRESENT) && (e[0] & PTE_ADDR) == root) {
            e[0] = e[1] = 0;
            iommu_flush(e);
        }
    }
    invalidate_all();
}

bool arch_iommu_large_pages(void)
{
    return enabled && large_pages;
}

static unsigned table_levels(void)
{
    return levels;
}

static uint64_t entry_rights(uint64_t rights)
{
    return ((rights & BST_RIGHT_READ) ? PTE_READ : 0) |
           ((rights & BST_RIGHT_WRITE) ? PTE_WRITE : 0);
}

/* A unit in caching mode may hold the absent entry: else an addition needs no more. */
static void entry_added(uint64_t *e)
{
    iommu_flush(e);
    if (caching_mode) {
        invalidate_all();
    }
}

static void entry_removed(uint64_t *e)
{
    iommu_flush(e);
    invalidate_all();
}

/* A table that no longer shows anywhere: its lines written back, nothing cached. */
static void table_emptied(uint64_t *t)
{
    for (unsigned i = 0; i < 512; i += 8) {
        iommu_flush(&t[i]);
    }
}

/* An entry is present with either right (VT-d has no present bit); a table's entry
 * has both and leaves the rights to the leaf entries. */
const struct second_level_format arch_iospace_format = {
    .present = PTE_READ | PTE_WRITE,
    .large = PTE_LARGE,
    .address = PTE_ADDR,
    .table = PTE_READ | PTE_WRITE,
    .levels = table_levels,
    .rights = entry_rights,
    .covered = BST_SLOT_OCCUPIED,
    .added = entry_added,
    .removed = entry_removed,
    .emptied = table_emptied,
};

/* The fault event interrupt: hand every recorded fault on, clear it, and clear an
 * overflow. Bounded by the number of recording registers. */
void arch_iommu_fault_interrupt(void)
{
    if (!enabled) {
        return; /* not ours: nothing was set up to send this vector */
    }
    for (unsigned i = 0; i < nfr; i++) {
        unsigned off = fro + 16 * i;
        uint64_t hi = iommu_rd64(off + 8);
        if (!(hi & FRCD_F)) {
            continue;
        }
        uint64_t addr = iommu_rd64(off) & ~0xfffull;
        uint64_t reason = ((hi >> 32) & 0xff) | ((hi & FRCD_T) ? 0 : BST_IO_FAULT_WRITE);
        iommu_wr64(off + 8, FRCD_F); /* write 1 to clear */
        iospace_fault(hi & 0xffff, addr, reason);
    }
    iommu_wr32(IOMMU_REG_FSTS, FSTS_PFO);
}
