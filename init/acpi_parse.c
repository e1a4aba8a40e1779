/*
 * ACPI table parsing (parse.h): the RSDP, the root table (RSDT/XSDT), MCFG, the MADT's
 * I/O APICs and the HPET table, from
 * bytes the caller mapped. Fields are read byte by byte (little-endian), never through
 * packed structs, so any alignment of the firmware's tables is fine.
 */
#include "parse.h"

#define RSDP_V1_CHECKSUMMED 20u
#define RSDP_REVISION       15u
#define RSDP_RSDT           16u
#define RSDP_XSDT           24u
#define SDT_LENGTH          4u
#define MCFG_ENTRIES        44u /* header + 8 reserved bytes */
#define MCFG_ENTRY_SIZE     16u
#define ACPI_PAGE           0x1000u
#define MADT_ENTRIES        44u /* header + local APIC address + flags */
#define MADT_IOAPIC         1u
#define MADT_IOAPIC_SIZE    12u
#define HPET_GAS_SPACE      40u /* the generic address structure of the register block */
#define HPET_GAS_ADDRESS    44u
#define HPET_TABLE_MIN      56u
#define HPET_ALIGN          0x400u

static uint64_t read_le(const volatile uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned b = 0; b < bytes; b++)
        v |= (uint64_t)p[b] << (8 * b);
    return v;
}

static bool sums_to_zero(const volatile uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum == 0;
}

static bool has_signature(const volatile uint8_t *p, const char *signature, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)signature[i])
            return false;
    return true;
}

long acpi_rsdp_scan(const volatile uint8_t *area, size_t size)
{
    for (size_t off = 0; size >= ACPI_RSDP_SIZE && off <= size - ACPI_RSDP_SIZE; off += 16)
        if (has_signature(area + off, "RSD PTR ", 8) &&
            sums_to_zero(area + off, RSDP_V1_CHECKSUMMED))
            return (long)off;
    return -1;
}

struct acpi_root acpi_rsdp_root(const volatile uint8_t *rsdp)
{
    uint64_t xsdt = read_le(rsdp + RSDP_XSDT, 8);
    if (rsdp[RSDP_REVISION] >= 2 && xsdt != 0 && sums_to_zero(rsdp, ACPI_RSDP_SIZE))
        return (struct acpi_root){.paddr = xsdt, .entry_size = 8};
    return (struct acpi_root){.paddr = read_le(rsdp + RSDP_RSDT, 4), .entry_size = 4};
}

uint32_t acpi_table_length(const volatile uint8_t *header)
{
    uint32_t length = (uint32_t)read_le(header + SDT_LENGTH, 4);
    return length < ACPI_SDT_HEADER_SIZE || length > ACPI_MAX_TABLE_SIZE ? 0 : length;
}

bool acpi_table_ok(const volatile uint8_t *table, uint32_t length, const char *signature)
{
    return length >= ACPI_SDT_HEADER_SIZE && sums_to_zero(table, length) &&
           (signature == NULL || has_signature(table, signature, 4));
}

uint32_t acpi_root_entries(uint32_t length, unsigned entry_size)
{
    return length < ACPI_SDT_HEADER_SIZE || entry_size == 0
               ? 0
               : (length - ACPI_SDT_HEADER_SIZE) / entry_size;
}

uint64_t acpi_root_entry(const volatile uint8_t *root, uint32_t i, unsigned entry_size)
{
    return read_le(root + ACPI_SDT_HEADER_SIZE + (size_t)i * entry_size, entry_size);
}

bool acpi_rsdp_ok(const volatile uint8_t *rsdp, size_t size)
{
    return size >= RSDP_V1_CHECKSUMMED && has_signature(rsdp, "RSD PTR ", 8) &&
           sums_to_zero(rsdp, RSDP_V1_CHECKSUMMED);
}

unsigned acpi_mcfg_segments(const volatile uint8_t *mcfg, uint32_t length, struct ecam *out,
                            unsigned max)
{
    unsigned n = 0;
    for (uint32_t off = MCFG_ENTRIES; length >= MCFG_ENTRY_SIZE && off <= length - MCFG_ENTRY_SIZE;
         off += MCFG_ENTRY_SIZE) {
        const volatile uint8_t *e = mcfg + off;
        uint64_t base = read_le(e, 8);
        uint16_t segment = (uint16_t)read_le(e + 8, 2);
        uint8_t first = e[10], last = e[11];
        if (first > last || base % ACPI_PAGE != 0 || base == 0)
            continue;
        if (n < max)
            out[n] = (struct ecam){
                .base = base, .first_bus = first, .last_bus = last, .segment = segment};
        n++;
    }
    return n;
}

bool acpi_mcfg_ecam(const volatile uint8_t *mcfg, uint32_t length, struct ecam *out)
{
    for (uint32_t off = MCFG_ENTRIES; length >= MCFG_ENTRY_SIZE && off <= length - MCFG_ENTRY_SIZE;
         off += MCFG_ENTRY_SIZE) {
        struct ecam e;
        if (acpi_mcfg_segments(mcfg + off - MCFG_ENTRIES, MCFG_ENTRIES + MCFG_ENTRY_SIZE, &e, 1) ==
                1 &&
            e.segment == 0) {
            *out = e;
            return true;
        }
    }
    return false;
}

struct acpi_madt_result acpi_madt_ioapics(const volatile uint8_t *madt, uint32_t length,
                                          struct acpi_ioapic *out, unsigned max)
{
    struct acpi_madt_result r = {0, false};
    uint32_t off = MADT_ENTRIES;
    while (length >= 2 && off <= length - 2) {
        uint8_t type = madt[off], size = madt[off + 1];
        if (size < 2 || size > length - off) {
            r.malformed = true;
            break;
        }
        if (type == MADT_IOAPIC && size < MADT_IOAPIC_SIZE) {
            r.malformed = true;
        } else if (type == MADT_IOAPIC) {
            if (r.n_ioapics < max)
                out[r.n_ioapics] = (struct acpi_ioapic){
                    .id = madt[off + 2],
                    .base = read_le(madt + off + 4, 4),
                    .gsi_base = (uint32_t)read_le(madt + off + 8, 4),
                };
            r.n_ioapics++;
        }
        off += size;
    }
    return r;
}

bool acpi_hpet_base(const volatile uint8_t *hpet, uint32_t length, uint64_t *base)
{
    if (length < HPET_TABLE_MIN || hpet[HPET_GAS_SPACE] != 0)
        return false;
    uint64_t b = read_le(hpet + HPET_GAS_ADDRESS, 8);
    if (b == 0 || b % HPET_ALIGN != 0)
        return false;
    *base = b;
    return true;
}

/* DMAR: the header, host address width and flags, 10 reserved bytes, then remapping
 * structures (type, length); a DRHD (type 0) has flags at 4, its segment at 6 and its
 * register base at 8, then device scopes (QEMU lists its devices there, with flags 0). */
#define DMAR_STRUCTURES    48u
#define DMAR_DRHD          0u
#define DMAR_DRHD_MIN      16u
#define DMAR_INCLUDE_ALL   1u
#define DMAR_REGISTER_PAGE 0x1000u

/* The requester id of the first IOAPIC device scope (type 3) in the DRHD at dmar + off
 * (`size` bytes), when its path is one step (bus, then dev/fn); else DMAR_NO_IOAPIC. */
#define DMAR_SCOPES       16u
#define DMAR_SCOPE_IOAPIC 3u
#define DMAR_SCOPE_PATH   6u
static uint32_t dmar_ioapic_source(const volatile uint8_t *dmar, uint32_t off, uint32_t size)
{
    for (uint32_t s = DMAR_SCOPES; size >= DMAR_SCOPE_PATH && s <= size - DMAR_SCOPE_PATH;) {
        uint32_t type = dmar[off + s], len = dmar[off + s + 1];
        if (len < DMAR_SCOPE_PATH || len > size - s)
            break;
        if (type == DMAR_SCOPE_IOAPIC && len == DMAR_SCOPE_PATH + 2) {
            uint32_t bus = dmar[off + s + 5], dev = dmar[off + s + 6], fn = dmar[off + s + 7];
            if (dev < 32 && fn < 8)
                return bus << 8 | dev << 3 | fn;
        }
        s += len;
    }
    return DMAR_NO_IOAPIC;
}

bool acpi_dmar_unit(const volatile uint8_t *dmar, uint32_t length, uint64_t *base,
                    uint32_t *ioapic_source)
{
    uint64_t first = 0;
    uint32_t first_ioapic = DMAR_NO_IOAPIC;
    for (uint32_t off = DMAR_STRUCTURES; length >= 4 && off <= length - 4;) {
        uint32_t type = (uint32_t)read_le(dmar + off, 2);
        uint32_t size = (uint32_t)read_le(dmar + off + 2, 2);
        if (size < 4 || size > length - off)
            break; /* malformed: nothing after it can be trusted */
        if (type == DMAR_DRHD && size >= DMAR_DRHD_MIN && read_le(dmar + off + 6, 2) == 0) {
            uint64_t b = read_le(dmar + off + 8, 8);
            if (b == 0 || b % DMAR_REGISTER_PAGE != 0)
                return false;
            if (dmar[off + 4] & DMAR_INCLUDE_ALL) {
                *base = b;
                *ioapic_source = dmar_ioapic_source(dmar, off, size);
                return true;
            }
            if (first == 0) {
                first = b;
                first_ioapic = dmar_ioapic_source(dmar, off, size);
            }
        }
        off += size;
    }
    *base = first;
    *ioapic_source = first_ioapic;
    return first != 0;
}
