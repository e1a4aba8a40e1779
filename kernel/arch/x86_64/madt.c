/*
 * ACPI's MADT, as far as the kernel needs it to drive interrupts (arch/madt.h): which
 * I/O APICs there are, from which GSI each starts, and where ISA IRQs arrive. Firmware
 * memory is read only through the caller's callback, a bounded number of bytes at a
 * time; nothing here maps memory or keeps a pointer into the firmware's tables.
 */
#include <arch/madt.h>
#include <irq/irq.h>
#include <kstring.h>

#define SDT_HEADER     36
#define MADT_ENTRIES   44         /* after the header, the local APIC address and flags */
#define ACPI_TABLE_MAX (1u << 18) /* a larger table is refused: no firmware needs one */
#define RSDP_V1_SIZE   20
#define MADT_IOAPIC    1
#define MADT_OVERRIDE  2

static const struct acpi_status fine = {0};

static struct acpi_status problem(const char *table, const char *what, uint32_t offset,
                                  uint64_t value)
{
    return (struct acpi_status){.what = what, .table = table, .offset = offset, .value = value};
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s = (uint8_t)(s + p[i]);
    }
    return s;
}

/* The byte sum of [pa, pa + n), read in chunks; false if any part cannot be read. */
static bool sum_memory(const struct acpi_memory *m, uint64_t pa, uint32_t n, uint8_t *s)
{
    uint8_t chunk[64];
    *s = 0;
    for (uint32_t done = 0; done < n;) {
        uint32_t k = n - done < sizeof(chunk) ? n - done : (uint32_t)sizeof(chunk);
        if (!m->read(m->ctx, pa + done, chunk, k)) {
            return false;
        }
        *s = (uint8_t)(*s + sum(chunk, k));
        done += k;
    }
    return true;
}

/* An RSDP: the signature, the ACPI 1.0 checksum, and for revision 2+ the whole one. */
static bool rsdp_ok(const uint8_t *p, size_t size)
{
    if (size < RSDP_V1_SIZE || memcmp(p, "RSD PTR ", 8) != 0 || sum(p, RSDP_V1_SIZE) != 0) {
        return false;
    }
    return p[15] < 2 || (size >= ACPI_RSDP_MAX && sum(p, ACPI_RSDP_MAX) == 0);
}

struct acpi_status acpi_rsdp_find(const struct acpi_memory *m, const uint8_t *copy, size_t size,
                                  uint64_t area, uint64_t area_size, uint8_t out[ACPI_RSDP_MAX])
{
    memset(out, 0, ACPI_RSDP_MAX);
    if (copy != NULL && rsdp_ok(copy, size)) {
        memcpy(out, copy, size < ACPI_RSDP_MAX ? size : ACPI_RSDP_MAX);
        if (out[15] < 2) {
            memset(out + RSDP_V1_SIZE, 0, ACPI_RSDP_MAX - RSDP_V1_SIZE);
        }
        return fine;
    }
    for (uint64_t at = 0; at + RSDP_V1_SIZE <= area_size; at += 16) {
        uint8_t p[ACPI_RSDP_MAX] = {0};
        size_t n = area_size - at < ACPI_RSDP_MAX ? (size_t)(area_size - at) : ACPI_RSDP_MAX;
        if (m->read(m->ctx, area + at, p, n) && rsdp_ok(p, n)) {
            memcpy(out, p, p[15] < 2 ? RSDP_V1_SIZE : ACPI_RSDP_MAX);
            return fine;
        }
    }
    return problem("RSDP", "none from the loader and none in the BIOS area", 0, area);
}

/* The table header at pa: its length, checked to lie in [min, ACPI_TABLE_MAX], and its
 * checksum over that length; signature compared when not NULL (a mismatch is no
 * problem, *match says so). */
static struct acpi_status table_check(const struct acpi_memory *m, uint64_t pa, const char *name,
                                      const char *signature, uint32_t min, uint32_t *length,
                                      bool *match)
{
    uint8_t h[SDT_HEADER];
    *match = false;
    if (pa == 0 || !m->read(m->ctx, pa, h, sizeof(h))) {
        return problem(name, "its address cannot be read", 0, pa);
    }
    *match = signature == NULL || memcmp(h, signature, 4) == 0;
    if (!*match) {
        return fine;
    }
    *length = le32(h + 4);
    if (*length < min || *length > ACPI_TABLE_MAX) {
        return problem(name, "its length is impossible", 4, *length);
    }
    uint8_t s;
    if (!sum_memory(m, pa, *length, &s)) {
        return problem(name, "it runs into memory that cannot be read", 0, pa + *length);
    }
    return s == 0 ? fine : problem(name, "its checksum is wrong", 9, s);
}

/* The MADT among the entries of the root table at root (entries of entry_size bytes). */
static struct acpi_status madt_in_root(const struct acpi_memory *m, uint64_t root, const char *name,
                                       unsigned entry_size, uint64_t *madt, uint32_t *length)
{
    uint32_t root_length;
    bool match;
    struct acpi_status st = table_check(m, root, name, NULL, SDT_HEADER, &root_length, &match);
    if (st.what != NULL) {
        return st;
    }
    uint32_t n = (root_length - SDT_HEADER) / entry_size;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t e[8] = {0};
        if (!m->read(m->ctx, root + SDT_HEADER + i * entry_size, e, entry_size)) {
            return problem(name, "an entry cannot be read", SDT_HEADER + i * entry_size, 0);
        }
        uint64_t pa = entry_size == 8 ? le64(e) : le32(e);
        st = table_check(m, pa, "MADT", "APIC", MADT_ENTRIES, length, &match);
        if (st.what == NULL && match) {
            *madt = pa;
            return fine;
        }
        if (match) {
            return st; /* the MADT itself is unusable */
        }              /* another table (an unreadable one is skipped by the next check) */
    }
    return problem(name, "lists no MADT", 0, n);
}

struct acpi_status acpi_madt_find(const struct acpi_memory *m, const uint8_t rsdp[ACPI_RSDP_MAX],
                                  uint64_t *madt, uint32_t *length)
{
    uint64_t xsdt = rsdp[15] >= 2 ? le64(rsdp + 24) : 0;
    uint32_t rsdt = le32(rsdp + 16);
    struct acpi_status st = fine;
    if (xsdt != 0) {
        st = madt_in_root(m, xsdt, "XSDT", 8, madt, length);
        if (st.what == NULL || rsdt == 0) {
            return st;
        }
    }
    return madt_in_root(m, rsdt, "RSDT", 4, madt, length);
}

static void isa_defaults(struct madt_info *out)
{
    for (uint32_t i = 0; i < ISA_IRQS; i++) {
        out->isa[i] = (struct isa_route){.gsi = i}; /* ISA: edge, active high */
    }
}

/* An interrupt source override (10 bytes): bus 0 (ISA), source IRQ, GSI, MPS flags
 * (polarity bits 1-0, trigger bits 3-2: 0 the bus's own, 1 high/edge, 3 low/level; the
 * reserved 2 is taken as the bus's own). */
static struct acpi_status madt_override(const uint8_t *e, uint32_t at, struct madt_info *out)
{
    if (e[2] != 0 || e[3] >= ISA_IRQS) {
        return problem("MADT", "an interrupt source override names no ISA IRQ", at + 3, e[3]);
    }
    unsigned flags = (unsigned)e[8] | (unsigned)e[9] << 8;
    out->isa[e[3]] = (struct isa_route){.gsi = le32(e + 4),
                                        .polarity = (flags & 3) == 3,
                                        .trigger = ((flags >> 2) & 3) == 3,
                                        .overridden = true};
    return fine;
}

static void madt_ioapic(const uint8_t *e, struct madt_info *out)
{
    if (out->n_ioapics < IOAPIC_MAX) {
        out->ioapic[out->n_ioapics++] =
            (struct madt_ioapic){.id = e[2], .base = le32(e + 4), .gsi_base = le32(e + 8)};
    }
    out->ioapics_seen++;
}

struct acpi_status madt_parse(const struct acpi_memory *m, uint64_t madt, uint32_t length,
                              struct madt_info *out)
{
    memset(out, 0, sizeof(*out));
    isa_defaults(out);
    /* Every entry is at least 2 bytes long, so the walk ends after length / 2 steps. */
    for (uint32_t at = MADT_ENTRIES; at < length;) {
        uint8_t e[16] = {0};
        if (length - at < 2 || !m->read(m->ctx, madt + at, e, 2)) {
            return problem("MADT", "an entry's header runs past the table's end", at, length);
        }
        uint32_t n = e[1];
        if (n < 2 || n > length - at) {
            return problem("MADT",
                           n < 2 ? "an entry is shorter than its header"
                                 : "an entry runs past the table's end",
                           at + 1, n);
        }
        uint32_t need = e[0] == MADT_IOAPIC ? 12 : e[0] == MADT_OVERRIDE ? 10 : 0;
        if (n < need) {
            return problem("MADT", "an I/O APIC or override entry is too short", at + 1, n);
        }
        if (need != 0 && !m->read(m->ctx, madt + at, e, need)) {
            return problem("MADT", "an entry cannot be read", at, 0);
        }
        if (e[0] == MADT_IOAPIC) {
            madt_ioapic(e, out);
        } else if (e[0] == MADT_OVERRIDE) {
            struct acpi_status st = madt_override(e, at, out);
            if (st.what != NULL) {
                return st;
            }
        }
        at += n;
    }
    return fine;
}

struct acpi_status gsi_ranges_add(struct gsi_ranges *r, uint32_t gsi_base, uint32_t pins,
                                  uint32_t *kept)
{
    *kept = 0;
    if (r->n == IOAPIC_MAX) {
        return problem("MADT", "more I/O APICs than the kernel drives", 0, IOAPIC_MAX);
    }
    if (pins == 0 || gsi_base >= IRQ_GSIS) {
        return problem("MADT", "an I/O APIC has no GSI the kernel numbers", 0, gsi_base);
    }
    uint32_t end = IRQ_GSIS - gsi_base < pins ? IRQ_GSIS : gsi_base + pins;
    for (unsigned i = 0; i < r->n; i++) {
        if (gsi_base < r->gsi_base[i] + r->pins[i] && r->gsi_base[i] < end) {
            return problem("MADT", "an I/O APIC's GSIs overlap another's", 0, gsi_base);
        }
    }
    r->gsi_base[r->n] = gsi_base;
    r->pins[r->n] = end - gsi_base;
    r->n++;
    *kept = end - gsi_base;
    return fine;
}

int gsi_ranges_find(const struct gsi_ranges *r, uint32_t gsi, uint32_t *pin)
{
    for (unsigned i = 0; i < r->n; i++) {
        if (gsi >= r->gsi_base[i] && gsi - r->gsi_base[i] < r->pins[i]) {
            *pin = gsi - r->gsi_base[i];
            return (int)i;
        }
    }
    return -1;
}
