/*
 * ACPI, as far as init needs it: the PCI Express configuration area (ECAM) from the MCFG
 * table. ACPI parsing lives here, in user space, not in the kernel: the kernel needs
 * only the interrupt controllers' fixed addresses, and init already holds every non-RAM
 * page as device untyped.
 *
 * The RSDP is searched on its 16-byte boundaries in the BIOS area 0xe0000-0xfffff (a
 * BIOS boot, such as QEMU's SeaBIOS). The EBDA is not searched: it lies in the low RAM
 * below 1 MiB that the kernel hands to nobody. A UEFI boot would need the loader's RSDP
 * (Multiboot 2 tag) passed on by the kernel: not done. Every table's length and checksum
 * are checked before a field of it is used; the tables are firmware input, not trusted.
 */
#include "device.h"

#define BIOS_AREA      0xe0000ULL
#define BIOS_AREA_SIZE 0x20000ULL
#define MAX_TABLE_SIZE 0x10000u /* larger tables are not what we look for */

struct __attribute__((packed)) rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;  /* the first 20 bytes sum to 0 */
    char oem[6];
    uint8_t revision; /* 0: ACPI 1.0 (RSDT only); 2: the fields below exist */
    uint32_t rsdt;
    uint32_t length;
    uint64_t xsdt;
    uint8_t extended_checksum;
    uint8_t reserved[3];
};

struct __attribute__((packed)) sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem[6];
    char oem_table[8];
    uint32_t oem_revision;
    uint32_t creator;
    uint32_t creator_revision;
};

struct __attribute__((packed)) mcfg_entry {
    uint64_t base;
    uint16_t segment;
    uint8_t first_bus;
    uint8_t last_bus;
    uint32_t reserved;
};

_Static_assert(sizeof(struct rsdp) == 36, "ACPI RSDP layout");
_Static_assert(sizeof(struct sdt_header) == 36, "ACPI table header layout");
_Static_assert(sizeof(struct mcfg_entry) == 16, "ACPI MCFG entry layout");
#define MCFG_ENTRIES_OFFSET 44 /* header + 8 reserved bytes */

static bool sums_to_zero(const volatile uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum == 0;
}

static bool has_signature(const volatile char *p, const char *signature, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != signature[i])
            return false;
    return true;
}

static const volatile struct rsdp *find_rsdp(void)
{
    const volatile uint8_t *area = phys_map(BIOS_AREA, BIOS_AREA_SIZE);
    if (area == NULL)
        return NULL;
    for (uint64_t off = 0; off + sizeof(struct rsdp) <= BIOS_AREA_SIZE; off += 16) {
        const volatile struct rsdp *r = (const volatile struct rsdp *)(area + off);
        if (has_signature(r->signature, "RSD PTR ", 8) && sums_to_zero(area + off, 20))
            return r;
    }
    return NULL;
}

/* The table at paddr, mapped whole and checked (length, checksum); NULL if unusable. */
static const volatile struct sdt_header *map_table(uint64_t paddr)
{
    const volatile struct sdt_header *h = phys_map(paddr, sizeof(*h));
    if (h == NULL || h->length < sizeof(*h) || h->length > MAX_TABLE_SIZE)
        return NULL;
    uint32_t length = h->length;
    const volatile uint8_t *bytes = phys_map(paddr, length);
    if (bytes == NULL || !sums_to_zero(bytes, length))
        return NULL;
    return (const volatile struct sdt_header *)bytes;
}

/* Entry i of the RSDT (4-byte) or XSDT (8-byte) table of pointers. */
static uint64_t sdt_entry(const volatile struct sdt_header *t, uint32_t i, unsigned width)
{
    const volatile uint8_t *p = (const volatile uint8_t *)t + sizeof(*t) + (size_t)i * width;
    uint64_t v = 0;
    for (unsigned b = 0; b < width; b++)
        v |= (uint64_t)p[b] << (8 * b);
    return v;
}

static const volatile struct sdt_header *find_table(const char *signature)
{
    const volatile struct rsdp *r = find_rsdp();
    if (r == NULL)
        return NULL;
    bool use_xsdt =
        r->revision >= 2 && r->xsdt != 0 && sums_to_zero((const volatile uint8_t *)r, sizeof(*r));
    const volatile struct sdt_header *root = map_table(use_xsdt ? r->xsdt : r->rsdt);
    if (root == NULL)
        return NULL;
    unsigned width = use_xsdt ? 8 : 4;
    uint32_t n = (root->length - (uint32_t)sizeof(*root)) / width;
    for (uint32_t i = 0; i < n; i++) {
        const volatile struct sdt_header *t = map_table(sdt_entry(root, i, width));
        if (t != NULL && has_signature(t->signature, signature, 4))
            return t;
    }
    return NULL;
}

bool acpi_find_ecam(struct ecam *out)
{
    const volatile struct sdt_header *mcfg = find_table("MCFG");
    if (mcfg == NULL)
        return false;
    const volatile uint8_t *bytes = (const volatile uint8_t *)mcfg;
    for (uint32_t off = MCFG_ENTRIES_OFFSET; off + sizeof(struct mcfg_entry) <= mcfg->length;
         off += sizeof(struct mcfg_entry)) {
        const volatile struct mcfg_entry *e = (const volatile struct mcfg_entry *)(bytes + off);
        if (e->segment != 0 || e->first_bus > e->last_bus || e->base % BASTION_PAGE_SIZE)
            continue;
        *out = (struct ecam){.base = e->base, .first_bus = e->first_bus, .last_bus = e->last_bus};
        return true;
    }
    return false;
}
