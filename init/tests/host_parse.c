/*
 * Host tests of init's firmware and hardware parsing (init/parse.h): ACPI's RSDP (found
 * and as the loader's copy), root tables, MCFG (segment 0 and every segment), the MADT's
 * I/O APICs and the HPET table built in memory, well-formed and hostile (bad checksums,
 * lengths too short or too long, entries past the end or of length 0, absurd counts,
 * unusable entries), and PCI BAR decoding
 * (32/64-bit memory, I/O, absent, malformed masks). Built with ASan and UBSan: a read past
 * a table's end fails the run. Prints PASS/FAIL lines (suite host-init-parse).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../parse.h"

static int failures;
static const char *current;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL: %s: line %d: %s\n", current, __LINE__, #cond);                           \
            failures++;                                                                            \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned b = 0; b < bytes; b++)
        p[b] = (uint8_t)(v >> (8 * b));
}

/* Make bytes [0, n) sum to zero by adjusting byte `at`. */
static void fix_checksum(uint8_t *p, size_t n, size_t at)
{
    uint8_t sum = 0;
    p[at] = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    p[at] = (uint8_t)-sum;
}

/* An RSDP at `off` of a zeroed area: revision 2 with an XSDT when xsdt != 0. */
static void make_rsdp(uint8_t *area, size_t off, uint32_t rsdt, uint64_t xsdt)
{
    uint8_t *r = area + off;
    memcpy(r, "RSD PTR ", 8);
    r[15] = xsdt ? 2 : 0;
    put_le(r + 16, rsdt, 4);
    put_le(r + 20, 36, 4);
    put_le(r + 24, xsdt, 8);
    fix_checksum(r, 20, 8);
    fix_checksum(r, 36, 32);
}

/* A table of `length` bytes (a malloc'ed buffer of exactly that size) with a header. */
static uint8_t *make_table(const char *sig, uint32_t length)
{
    uint8_t *t = calloc(1, length);
    memcpy(t, sig, 4);
    put_le(t + 4, length, 4);
    return t;
}

static void rsdp_found_on_16_byte_boundaries(void)
{
    current = "acpi/rsdp_scan";
    static uint8_t area[4096];
    memset(area, 0, sizeof(area));
    CHECK(acpi_rsdp_scan(area, sizeof(area)) == -1);
    memcpy(area + 8, "RSD PTR ", 8); /* not on a boundary */
    CHECK(acpi_rsdp_scan(area, sizeof(area)) == -1);
    make_rsdp(area, 0x40, 0x1234, 0);
    area[0x40 + 3] ^= 1; /* damaged signature */
    CHECK(acpi_rsdp_scan(area, sizeof(area)) == -1);
    make_rsdp(area, 0x40, 0x1234, 0);
    area[0x40 + 17] ^= 1; /* damaged checksum */
    CHECK(acpi_rsdp_scan(area, sizeof(area)) == -1);
    make_rsdp(area, 0x40, 0x1234, 0);
    CHECK(acpi_rsdp_scan(area, sizeof(area)) == 0x40);
    /* One at the very end of the area, and an area too small for one. */
    memset(area, 0, sizeof(area));
    make_rsdp(area, sizeof(area) - 48, 0x1234, 0);
    CHECK(acpi_rsdp_scan(area, sizeof(area)) == (long)sizeof(area) - 48);
    CHECK(acpi_rsdp_scan(area, 20) == -1);
    CHECK(acpi_rsdp_scan(area, 0) == -1);
}

static void rsdp_root_table_choice(void)
{
    current = "acpi/rsdp_root";
    static uint8_t area[64];
    memset(area, 0, sizeof(area));
    make_rsdp(area, 0, 0x7fe1000, 0);
    struct acpi_root r = acpi_rsdp_root(area);
    CHECK(r.paddr == 0x7fe1000 && r.entry_size == 4);
    make_rsdp(area, 0, 0x7fe1000, 0x1234567000ULL);
    r = acpi_rsdp_root(area);
    CHECK(r.paddr == 0x1234567000ULL && r.entry_size == 8);
    area[30] ^= 1; /* XSDT pointer damaged: the extended checksum fails, RSDT it is */
    r = acpi_rsdp_root(area);
    CHECK(r.entry_size == 4 && r.paddr == 0x7fe1000);
}

static void table_lengths_and_checksums(void)
{
    current = "acpi/table_checks";
    uint8_t *t = make_table("MCFG", 60);
    fix_checksum(t, 60, 9);
    CHECK(acpi_table_length(t) == 60);
    CHECK(acpi_table_ok(t, 60, "MCFG"));
    CHECK(acpi_table_ok(t, 60, NULL));
    CHECK(!acpi_table_ok(t, 60, "APIC"));
    t[40] ^= 0x80;
    CHECK(!acpi_table_ok(t, 60, "MCFG"));
    put_le(t + 4, 35, 4); /* shorter than a header */
    CHECK(acpi_table_length(t) == 0);
    put_le(t + 4, ACPI_MAX_TABLE_SIZE + 1, 4);
    CHECK(acpi_table_length(t) == 0);
    put_le(t + 4, 0xffffffffu, 4);
    CHECK(acpi_table_length(t) == 0);
    CHECK(!acpi_table_ok(t, 20, NULL)); /* a length below the header is never ok */
    free(t);
}

static void root_table_entries(void)
{
    current = "acpi/root_entries";
    uint8_t *x = make_table("XSDT", 36 + 3 * 8 + 5); /* 5 stray bytes: not an entry */
    for (unsigned i = 0; i < 3; i++)
        put_le(x + 36 + 8 * i, 0x100000000ULL * (i + 1) + 0x1000 * i, 8);
    CHECK(acpi_root_entries(36 + 3 * 8 + 5, 8) == 3);
    CHECK(acpi_root_entry(x, 2, 8) == 0x300002000ULL);
    CHECK(acpi_root_entries(36 + 3 * 8 + 5, 4) == 7);
    CHECK(acpi_root_entries(36, 8) == 0);
    CHECK(acpi_root_entries(10, 8) == 0); /* a length below the header: none, no wrap */
    CHECK(acpi_root_entries(100, 0) == 0);
    free(x);
}

static uint8_t *make_mcfg(unsigned entries, uint32_t *length)
{
    *length = 44 + 16 * entries;
    return make_table("MCFG", *length);
}

static void put_mcfg_entry(uint8_t *m, unsigned i, uint64_t base, uint16_t seg, uint8_t first,
                           uint8_t last)
{
    uint8_t *e = m + 44 + 16 * i;
    put_le(e, base, 8);
    put_le(e + 8, seg, 2);
    e[10] = first;
    e[11] = last;
}

static void mcfg_entries(void)
{
    current = "acpi/mcfg";
    uint32_t length;
    struct ecam ecam = {0};
    uint8_t *m = make_mcfg(5, &length);
    put_mcfg_entry(m, 0, 0xb0000000, 1, 0, 255);  /* another segment */
    put_mcfg_entry(m, 1, 0xb0000000, 0, 9, 3);    /* first bus above the last */
    put_mcfg_entry(m, 2, 0xb0000800, 0, 0, 255);  /* not page aligned */
    put_mcfg_entry(m, 3, 0, 0, 0, 255);           /* no base */
    put_mcfg_entry(m, 4, 0xe0000000, 0, 0, 0x3f); /* the usable one */
    CHECK(acpi_mcfg_ecam(m, length, &ecam));
    CHECK(ecam.base == 0xe0000000 && ecam.first_bus == 0 && ecam.last_bus == 0x3f);
    CHECK(!acpi_mcfg_ecam(m, length - 1, &ecam)); /* the last entry no longer fits */
    CHECK(!acpi_mcfg_ecam(m, 44, &ecam));
    CHECK(!acpi_mcfg_ecam(m, 36, &ecam));
    CHECK(!acpi_mcfg_ecam(m, 0, &ecam));
    free(m);
}

static void mcfg_all_segments(void)
{
    current = "acpi/mcfg-segments";
    uint32_t length;
    struct ecam seg[2];
    uint8_t *m = make_mcfg(4, &length);
    put_mcfg_entry(m, 0, 0xb0000000, 1, 0, 255); /* segment 1 */
    put_mcfg_entry(m, 1, 0xb0000800, 0, 0, 255); /* not page aligned: skipped */
    put_mcfg_entry(m, 2, 0xe0000000, 0, 0, 0x3f);
    put_mcfg_entry(m, 3, 0xf0000000, 2, 0, 0x0f);
    /* Three usable, only two asked for: the count says three, two are written. */
    CHECK(acpi_mcfg_segments(m, length, seg, 2) == 3);
    CHECK(seg[0].segment == 1 && seg[0].base == 0xb0000000);
    CHECK(seg[1].segment == 0 && seg[1].base == 0xe0000000 && seg[1].last_bus == 0x3f);
    CHECK(acpi_mcfg_segments(m, length, NULL, 0) == 3);
    CHECK(acpi_mcfg_segments(m, length - 1, seg, 2) == 2); /* the last no longer fits */
    CHECK(acpi_mcfg_segments(m, 43, seg, 2) == 0);
    free(m);
}

/* A MADT with room for `bytes` of entries after its 44-byte start. */
static uint8_t *make_madt(uint32_t bytes, uint32_t *length)
{
    *length = 44 + bytes;
    uint8_t *t = make_table("APIC", *length);
    put_le(t + 36, 0xfee00000, 4);
    return t;
}

static void put_ioapic(uint8_t *e, uint8_t id, uint32_t base, uint32_t gsi)
{
    e[0] = 1;
    e[1] = 12;
    e[2] = id;
    put_le(e + 4, base, 4);
    put_le(e + 8, gsi, 4);
}

static void madt_ioapics(void)
{
    current = "acpi/madt";
    uint32_t length;
    struct acpi_ioapic io[2];
    uint8_t *t = make_madt(8 + 12 + 12 + 10, &length);
    t[44] = 0; /* a local APIC entry */
    t[45] = 8;
    put_ioapic(t + 52, 0, 0xfec00000, 0);
    put_ioapic(t + 64, 1, 0xfec01000, 24);
    t[76] = 2; /* an interrupt source override */
    t[77] = 10;
    struct acpi_madt_result r = acpi_madt_ioapics(t, length, io, 2);
    CHECK(r.n_ioapics == 2 && !r.malformed);
    CHECK(io[0].base == 0xfec00000 && io[0].gsi_base == 0 && io[0].id == 0);
    CHECK(io[1].base == 0xfec01000 && io[1].gsi_base == 24 && io[1].id == 1);
    /* Only one asked for: the count still says two. */
    r = acpi_madt_ioapics(t, length, io, 1);
    CHECK(r.n_ioapics == 2 && !r.malformed);
    /* The table cut inside the override: the walk stops there, malformed. */
    r = acpi_madt_ioapics(t, length - 1, io, 2);
    CHECK(r.n_ioapics == 2 && r.malformed);
    /* Cut inside the second I/O APIC: one found. */
    r = acpi_madt_ioapics(t, 70, io, 2);
    CHECK(r.n_ioapics == 1 && r.malformed);
    /* Too short for any entry, or for a header. */
    CHECK(acpi_madt_ioapics(t, 44, io, 2).n_ioapics == 0);
    CHECK(acpi_madt_ioapics(t, 0, io, 2).n_ioapics == 0);
    /* An entry of length 0 (a walk that would never end) or 1. */
    t[45] = 0;
    r = acpi_madt_ioapics(t, length, io, 2);
    CHECK(r.n_ioapics == 0 && r.malformed);
    t[45] = 1;
    r = acpi_madt_ioapics(t, length, io, 2);
    CHECK(r.n_ioapics == 0 && r.malformed);
    /* An I/O APIC entry too short for its fields. */
    t[45] = 8;
    t[53] = 6;
    t[58] = 6; /* the walk resumes at what is now a 6-byte hole's end */
    t[59] = 6;
    r = acpi_madt_ioapics(t, length, io, 2);
    CHECK(r.malformed);
    free(t);
    /* An absurd count: 5,000 one-pin I/O APICs in a 64 KiB table, two asked for. */
    t = make_madt(5000 * 12, &length);
    for (unsigned i = 0; i < 5000; i++)
        put_ioapic(t + 44 + 12 * i, (uint8_t)i, 0xfec00000 + 0x1000 * i, i);
    r = acpi_madt_ioapics(t, length, io, 2);
    CHECK(r.n_ioapics == 5000 && !r.malformed && io[1].gsi_base == 1);
    free(t);
}

static void hpet_table(void)
{
    current = "acpi/hpet";
    uint64_t base = 0;
    uint8_t *t = make_table("HPET", 56);
    put_le(t + 44, 0xfed00000, 8);
    CHECK(acpi_hpet_base(t, 56, &base) && base == 0xfed00000);
    CHECK(!acpi_hpet_base(t, 55, &base)); /* too short for the address */
    t[40] = 1;                            /* in I/O space */
    CHECK(!acpi_hpet_base(t, 56, &base));
    t[40] = 0;
    put_le(t + 44, 0xfed00200, 8); /* not 1 KiB aligned */
    CHECK(!acpi_hpet_base(t, 56, &base));
    put_le(t + 44, 0, 8);
    CHECK(!acpi_hpet_base(t, 56, &base));
    free(t);
}

/* A DRHD at `off` of DMAR table t: flags, segment, register base, `size` bytes. */
static void put_drhd(uint8_t *t, size_t off, uint8_t flags, uint16_t seg, uint64_t base,
                     uint16_t size)
{
    put_le(t + off, 0, 2);
    put_le(t + off + 2, size, 2);
    t[off + 4] = flags;
    put_le(t + off + 6, seg, 2);
    put_le(t + off + 8, base, 8);
}

static void dmar_units(void)
{
    current = "acpi/dmar";
    uint64_t base = 0;
    uint32_t io = 0;
    uint8_t *t = make_table("DMAR", 128);
    CHECK(!acpi_dmar_unit(t, 48, &base, &io)); /* no remapping structures */
    /* QEMU's shape: one unit with its devices listed (flags 0), device scopes inside. */
    put_drhd(t, 48, 0, 0, 0xfed90000, 32);
    CHECK(acpi_dmar_unit(t, 80, &base, &io) && base == 0xfed90000 && io == DMAR_NO_IOAPIC);
    /* ... with an IOAPIC scope (type 3, 8 bytes, enumeration id 0, bus 0xff, 00.0) after
     * an endpoint's (type 1), QEMU's shape: its requester id 0xff00. */
    t[64] = 1, t[65] = 8, t[69] = 0, t[70] = 0x10, t[71] = 0;
    t[72] = 3, t[73] = 8, t[77] = 0xff, t[78] = 0, t[79] = 0;
    CHECK(acpi_dmar_unit(t, 80, &base, &io) && io == 0xff00);
    t[73] = 10; /* a scope past its unit: the scopes are ignored, the unit is not */
    CHECK(acpi_dmar_unit(t, 80, &base, &io) && base == 0xfed90000 && io == DMAR_NO_IOAPIC);
    memset(t + 64, 0, 16);
    /* A unit of segment 1 first is skipped; an INCLUDE_PCI_ALL unit wins over a listing one. */
    put_drhd(t, 48, 1, 1, 0xfed80000, 16);
    put_drhd(t, 64, 0, 0, 0xfed90000, 16);
    put_drhd(t, 80, 1, 0, 0xfeda0000, 16);
    CHECK(acpi_dmar_unit(t, 96, &base, &io) && base == 0xfeda0000);
    CHECK(acpi_dmar_unit(t, 95, &base, &io) && base == 0xfed90000); /* the last one cut off */
    /* Hostile: a structure longer than the table, one shorter than its header (the walk
     * stops there), an unaligned or zero register address. */
    put_le(t + 66, 200, 2);
    CHECK(!acpi_dmar_unit(t, 96, &base, &io));
    put_le(t + 66, 2, 2);
    CHECK(!acpi_dmar_unit(t, 96, &base, &io));
    put_le(t + 66, 16, 2);
    put_le(t + 72, 0xfed90800, 8);
    CHECK(!acpi_dmar_unit(t, 96, &base, &io));
    put_le(t + 72, 0, 8);
    CHECK(!acpi_dmar_unit(t, 96, &base, &io));
    CHECK(!acpi_dmar_unit(t, 3, &base, &io) &&
          !acpi_dmar_unit(t, 0, &base, &io)); /* shorter than it all */
    free(t);
}

static void loader_rsdp_copy(void)
{
    current = "acpi/rsdp-copy";
    uint8_t r[36] = {0};
    make_rsdp(r, 0, 0x7fe0000, 0x7fe1000);
    CHECK(acpi_rsdp_ok(r, 36) && acpi_rsdp_ok(r, 20));
    CHECK(!acpi_rsdp_ok(r, 19) && !acpi_rsdp_ok(r, 0));
    struct acpi_root root = acpi_rsdp_root(r);
    CHECK(root.paddr == 0x7fe1000 && root.entry_size == 8);
    r[35] ^= 1; /* the extended checksum broken: the RSDT */
    root = acpi_rsdp_root(r);
    CHECK(root.paddr == 0x7fe0000 && root.entry_size == 4);
    r[9] ^= 1; /* the first 20 bytes' checksum broken */
    CHECK(!acpi_rsdp_ok(r, 36));
    r[9] ^= 1;
    r[0] = 'r';
    CHECK(!acpi_rsdp_ok(r, 36));
}

static struct pci_bar decode(uint32_t value, uint32_t upper, uint32_t mask, uint32_t mask_upper)
{
    return pci_bar_decode((struct pci_bar_regs){
        .value = value, .upper = upper, .mask = mask, .mask_upper = mask_upper});
}

static void bar_decoding(void)
{
    current = "pci/bar_decode";
    /* 32-bit memory, 1 MiB (QEMU's edu BAR 0). */
    struct pci_bar b = decode(0xfea00000, 0, 0xfff00000, 0);
    CHECK(!b.io && b.base == 0xfea00000 && b.size == 0x100000);
    CHECK(!pci_bar_is_64bit(0xfea00000));
    /* Prefetchable 64-bit memory, 8 GiB above 4 GiB. */
    CHECK(pci_bar_is_64bit(0x0000000c));
    b = decode(0x0000000c, 0x8, 0x0000000c, 0xfffffffe);
    CHECK(!b.io && b.base == 0x800000000ULL && b.size == 0x200000000ULL);
    /* 64-bit, 16 KiB, below 4 GiB. */
    b = decode(0xfe004004, 0, 0xffffc004, 0xffffffff);
    CHECK(b.base == 0xfe004000 && b.size == 0x4000);
    /* I/O, 32 ports at 0xc040; an I/O BAR whose upper 16 bits read back zero. */
    b = decode(0xc041, 0, 0xffffffe1, 0);
    CHECK(b.io && b.base == 0xc040 && b.size == 32);
    b = decode(0xc041, 0, 0x0000ffe1, 0);
    CHECK(b.io && b.size == 32);
    CHECK(!pci_bar_is_64bit(0xc045)); /* I/O, whatever bits 1-2 say */
    /* Not implemented: all zeros back. */
    CHECK(decode(0, 0, 0, 0).size == 0);
    CHECK(decode(0x4, 0, 0x4, 0).size == 0);
    CHECK(decode(0x1, 0, 0x1, 0).size == 0);
    /* A malformed mask with holes: the size is its lowest address bit, never more. */
    b = decode(0xf0000000, 0, 0xf0f00000, 0);
    CHECK(b.size == 0x100000);
}

int main(void)
{
    void (*tests[])(void) = {rsdp_found_on_16_byte_boundaries,
                             rsdp_root_table_choice,
                             table_lengths_and_checksums,
                             root_table_entries,
                             mcfg_entries,
                             mcfg_all_segments,
                             madt_ioapics,
                             hpet_table,
                             dmar_units,
                             loader_rsdp_copy,
                             bar_decoding};
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        int before = failures;
        tests[i]();
        if (failures == before)
            printf("PASS: %s\n", current);
    }
    return failures ? 1 : 0;
}
