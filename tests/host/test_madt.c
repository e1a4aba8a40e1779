/*
 * Host tests of the kernel's MADT reading (kernel/arch/x86_64/madt.c): firmware tables
 * built in a fake physical memory, well formed (one I/O APIC as QEMU's, three as a
 * server's, overrides) and malformed (lengths, checksums, pointers, entries past the
 * end, overlapping GSI ranges). Every walk must end, refuse with a located reason, and
 * never read outside the fake memory. The GSI ranges of several I/O APICs, which QEMU
 * cannot show, are checked here.
 */
#include <arch/madt.h>
#include <irq/irq.h>

#include <stdio.h>
#include <string.h>

#define MEM_BASE UINT64_C(0xe0000)
#define MEM_SIZE (1u << 20) /* [0xe0000, 0x1e0000) */
#define RSDP_AT  UINT64_C(0xf5a40)
#define XSDT_AT  UINT64_C(0x100000)
#define RSDT_AT  UINT64_C(0x101000)
#define FACP_AT  UINT64_C(0x102000)
#define MADT_AT  UINT64_C(0x103000)

static uint8_t mem[MEM_SIZE];
static unsigned long reads_outside;

static bool fake_read(void *ctx, uint64_t pa, void *dst, size_t n)
{
    (void)ctx;
    if (pa < MEM_BASE || pa - MEM_BASE > MEM_SIZE || n > MEM_SIZE - (pa - MEM_BASE)) {
        reads_outside++;
        return false;
    }
    memcpy(dst, mem + (pa - MEM_BASE), n);
    return true;
}

static const struct acpi_memory fake = {fake_read, NULL};

static uint8_t *at(uint64_t pa)
{
    return mem + (pa - MEM_BASE);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void checksum(uint8_t *p, size_t n, size_t field)
{
    uint8_t s = 0;
    p[field] = 0;
    for (size_t i = 0; i < n; i++) {
        s = (uint8_t)(s + p[i]);
    }
    p[field] = (uint8_t)-s;
}

static void header(uint64_t pa, const char *sig, uint32_t length)
{
    memcpy(at(pa), sig, 4);
    put32(at(pa) + 4, length);
}

static void seal(uint64_t pa)
{
    uint32_t n = (uint32_t)at(pa)[4] | (uint32_t)at(pa)[5] << 8 | (uint32_t)at(pa)[6] << 16;
    uint64_t room = MEM_SIZE - (pa - MEM_BASE);
    checksum(at(pa), n < room ? n : (size_t)room, 9); /* a length the test made huge */
}

/* The MADT being built: entries appended, then sealed by madt_done(). */
static uint32_t madt_len;

static void madt_start(void)
{
    madt_len = 44;
    header(MADT_AT, "APIC", 0);
    put32(at(MADT_AT) + 36, 0xfee00000);
}

static void madt_entry(const uint8_t *e, uint32_t n)
{
    memcpy(at(MADT_AT) + madt_len, e, n);
    madt_len += n;
}

static void madt_ioapic(uint8_t id, uint32_t base, uint32_t gsi_base)
{
    uint8_t e[12] = {1, 12, id, 0};
    put32(e + 4, base);
    put32(e + 8, gsi_base);
    madt_entry(e, sizeof(e));
}

static void madt_override(uint8_t irq, uint32_t gsi, uint16_t flags)
{
    uint8_t e[10] = {2, 10, 0, irq};
    put32(e + 4, gsi);
    e[8] = (uint8_t)flags;
    e[9] = (uint8_t)(flags >> 8);
    madt_entry(e, sizeof(e));
}

static void madt_lapic(uint8_t cpu)
{
    uint8_t e[8] = {0, 8, cpu, cpu, 1, 0, 0, 0};
    madt_entry(e, sizeof(e));
}

static void madt_done(void)
{
    put32(at(MADT_AT) + 4, madt_len);
    seal(MADT_AT);
}

/* Root tables listing FACP then the MADT; an ACPI 2.0 RSDP naming both. */
static void roots(void)
{
    header(XSDT_AT, "XSDT", 36 + 16);
    put64(at(XSDT_AT) + 36, FACP_AT);
    put64(at(XSDT_AT) + 44, MADT_AT);
    seal(XSDT_AT);
    header(RSDT_AT, "RSDT", 36 + 8);
    put32(at(RSDT_AT) + 36, (uint32_t)FACP_AT);
    put32(at(RSDT_AT) + 40, (uint32_t)MADT_AT);
    seal(RSDT_AT);
    header(FACP_AT, "FACP", 36);
    seal(FACP_AT);
    uint8_t *r = at(RSDP_AT);
    memcpy(r, "RSD PTR ", 8);
    r[15] = 2;
    put32(r + 16, (uint32_t)RSDT_AT);
    put32(r + 20, 36);
    put64(r + 24, XSDT_AT);
    checksum(r, 20, 8);
    checksum(r, 36, 32);
}

/* QEMU's q35: one I/O APIC with GSI base 0, ISA IRQ 0 on GSI 2, IRQ 9 level high. */
static void qemu_tables(void)
{
    memset(mem, 0, sizeof(mem));
    reads_outside = 0;
    roots();
    madt_start();
    madt_lapic(0);
    madt_ioapic(0, 0xfec00000, 0);
    madt_override(0, 2, 0);
    madt_override(9, 9, 0xd); /* active high (1), level (3) */
    madt_override(11, 11, 0xf);
    madt_done();
}

static bool failed;
static char why[256];

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            snprintf(why, sizeof(why), "%s:%d: %s", __FILE__, __LINE__, #cond);                    \
            failed = true;                                                                         \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Find and parse from the BIOS area (no loader copy). */
static struct acpi_status read_all(struct madt_info *info)
{
    uint8_t rsdp[ACPI_RSDP_MAX];
    memset(info, 0, sizeof(*info)); /* what a table refused before the walk leaves */
    struct acpi_status st = acpi_rsdp_find(&fake, NULL, 0, MEM_BASE, 0x20000, rsdp);
    uint64_t madt = 0;
    uint32_t length = 0;
    if (st.what == NULL) {
        st = acpi_madt_find(&fake, rsdp, &madt, &length);
    }
    if (st.what == NULL) {
        st = madt_parse(&fake, madt, length, info);
    }
    return st;
}

static void test_qemu_one_ioapic(void)
{
    qemu_tables();
    struct madt_info info;
    struct acpi_status st = read_all(&info);
    CHECK(st.what == NULL);
    CHECK(info.n_ioapics == 1 && info.ioapics_seen == 1);
    CHECK(info.ioapic[0].base == 0xfec00000 && info.ioapic[0].gsi_base == 0);
    CHECK(info.isa[0].gsi == 2 && info.isa[0].overridden && !info.isa[0].trigger);
    CHECK(info.isa[9].gsi == 9 && info.isa[9].trigger == 1 && info.isa[9].polarity == 0);
    CHECK(info.isa[11].trigger == 1 && info.isa[11].polarity == 1);
    CHECK(info.isa[4].gsi == 4 && !info.isa[4].overridden && !info.isa[4].trigger);
    CHECK(reads_outside == 0);
}

static void test_loader_copy_and_rsdt(void)
{
    qemu_tables();
    uint8_t copy[ACPI_RSDP_MAX], rsdp[ACPI_RSDP_MAX];
    memcpy(copy, at(RSDP_AT), sizeof(copy));
    memset(at(RSDP_AT), 0, 36); /* only the loader's copy is left */
    CHECK(acpi_rsdp_find(&fake, copy, sizeof(copy), MEM_BASE, 0x20000, rsdp).what == NULL);
    CHECK(memcmp(rsdp, copy, sizeof(copy)) == 0);
    /* A damaged XSDT: the RSDT is used instead. */
    at(XSDT_AT)[20] ^= 1;
    uint64_t madt;
    uint32_t length;
    CHECK(acpi_madt_find(&fake, rsdp, &madt, &length).what == NULL);
    CHECK(madt == MADT_AT && length == madt_len);
    /* A damaged copy is not used; none in the area either. */
    copy[3] ^= 1;
    struct acpi_status st = acpi_rsdp_find(&fake, copy, sizeof(copy), MEM_BASE, 0x20000, rsdp);
    CHECK(st.what != NULL && strcmp(st.table, "RSDP") == 0);
}

static void test_acpi1_rsdp(void)
{
    qemu_tables();
    uint8_t *r = at(RSDP_AT);
    r[15] = 0; /* ACPI 1.0: 20 bytes, RSDT only */
    checksum(r, 20, 8);
    uint8_t rsdp[ACPI_RSDP_MAX];
    CHECK(acpi_rsdp_find(&fake, NULL, 0, MEM_BASE, 0x20000, rsdp).what == NULL);
    CHECK(rsdp[24] == 0 && rsdp[20] == 0); /* nothing past the 20 bytes */
    at(XSDT_AT)[20] ^= 1;                  /* never read */
    uint64_t madt;
    uint32_t length;
    CHECK(acpi_madt_find(&fake, rsdp, &madt, &length).what == NULL && madt == MADT_AT);
}

static void test_three_ioapics(void)
{
    qemu_tables();
    madt_start();
    madt_ioapic(0, 0xfec00000, 0);
    madt_ioapic(1, 0xfec01000, 24);
    madt_ioapic(2, 0xfec40000, 56);
    madt_override(0, 2, 0);
    madt_done();
    struct madt_info info;
    CHECK(read_all(&info).what == NULL);
    CHECK(info.n_ioapics == 3);
    CHECK(info.ioapic[1].base == 0xfec01000 && info.ioapic[1].gsi_base == 24);
    CHECK(info.ioapic[2].id == 2 && info.ioapic[2].gsi_base == 56);
    /* Pin counts as their version registers would say: 24, 32, 120. */
    struct gsi_ranges r = {0};
    uint32_t kept, pin;
    CHECK(gsi_ranges_add(&r, 0, 24, &kept).what == NULL && kept == 24);
    CHECK(gsi_ranges_add(&r, 24, 32, &kept).what == NULL && kept == 32);
    CHECK(gsi_ranges_add(&r, 56, 120, &kept).what == NULL && kept == IRQ_GSIS - 56);
    CHECK(gsi_ranges_find(&r, 0, &pin) == 0 && pin == 0);
    CHECK(gsi_ranges_find(&r, 23, &pin) == 0 && pin == 23);
    CHECK(gsi_ranges_find(&r, 24, &pin) == 1 && pin == 0);
    CHECK(gsi_ranges_find(&r, 55, &pin) == 1 && pin == 31);
    CHECK(gsi_ranges_find(&r, 56, &pin) == 2 && pin == 0);
    CHECK(gsi_ranges_find(&r, IRQ_GSIS - 1, &pin) == 2 && pin == IRQ_GSIS - 57);
    CHECK(gsi_ranges_find(&r, IRQ_GSIS, &pin) == -1);
}

static void test_gsi_lines(void)
{
    /* The first 24 GSIs keep lines (vectors) 0-23; the MSI lines follow; then the rest. */
    CHECK(irq_gsi_line(0) == 0 && irq_gsi_line(23) == 23);
    CHECK(irq_gsi_line(24) == IRQ_MSI_END);
    CHECK(irq_gsi_line(IRQ_GSIS - 1) == IRQ_LINES - 1);
    for (unsigned g = 0; g < IRQ_GSIS; g++) {
        unsigned line = irq_gsi_line(g);
        CHECK(line < IRQ_LINES && !irq_line_is_msi(line) && irq_line_gsi(line) == g);
    }
    CHECK(irq_line_is_msi(IRQ_MSI_FIRST) && irq_line_is_msi(IRQ_MSI_END - 1));
}

static void test_gsi_ranges_refused(void)
{
    struct gsi_ranges r = {0};
    uint32_t kept, pin;
    CHECK(gsi_ranges_add(&r, 0, 24, &kept).what == NULL);
    CHECK(gsi_ranges_add(&r, 16, 24, &kept).what != NULL && kept == 0); /* overlaps */
    CHECK(gsi_ranges_add(&r, 0, 24, &kept).what != NULL);               /* a duplicate */
    CHECK(gsi_ranges_add(&r, IRQ_GSIS, 24, &kept).what != NULL);        /* beyond */
    CHECK(gsi_ranges_add(&r, 0xffffffff, 24, &kept).what != NULL);
    CHECK(gsi_ranges_add(&r, 40, 0, &kept).what != NULL);
    CHECK(r.n == 1 && gsi_ranges_find(&r, 30, &pin) == -1);
    /* Gaps are allowed; a range below the first works too. */
    CHECK(gsi_ranges_add(&r, 100, 8, &kept).what == NULL && kept == 8);
    CHECK(gsi_ranges_find(&r, 104, &pin) == 1 && pin == 4);
    for (unsigned i = 2; i < IOAPIC_MAX; i++) {
        CHECK(gsi_ranges_add(&r, 30 + i * 4, 4, &kept).what == NULL);
    }
    CHECK(gsi_ranges_add(&r, 110, 2, &kept).what != NULL); /* IOAPIC_MAX reached */
}

static void test_more_ioapics_than_kept(void)
{
    qemu_tables();
    madt_start();
    for (unsigned i = 0; i < IOAPIC_MAX + 3; i++) {
        madt_ioapic((uint8_t)i, 0xfec00000 + i * 0x1000, i * 8);
    }
    madt_done();
    struct madt_info info;
    CHECK(read_all(&info).what == NULL);
    CHECK(info.n_ioapics == IOAPIC_MAX && info.ioapics_seen == IOAPIC_MAX + 3);
}

/* A malformed entry ends the walk with its offset; what came before it is kept. */
static void test_malformed_entries(void)
{
    static const struct {
        uint8_t type, length;
        const char *what;
    } bad[] = {
        {0, 0, "shorter than its header"},
        {1, 1, "shorter than its header"},
        {1, 10, "too short"},
        {2, 8, "too short"},
        {0, 200, "past the table's end"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        qemu_tables();
        madt_start();
        madt_ioapic(0, 0xfec00000, 0);
        uint32_t where = madt_len;
        uint8_t e[12] = {bad[i].type, bad[i].length};
        madt_entry(e, sizeof(e));
        madt_ioapic(1, 0xfec01000, 24); /* after the bad one: ignored */
        madt_done();
        struct madt_info info;
        struct acpi_status st = read_all(&info);
        CHECK(st.what != NULL && strstr(st.what, bad[i].what) != NULL);
        CHECK(strcmp(st.table, "MADT") == 0 && st.offset == where + 1);
        CHECK(info.n_ioapics == 1 && info.ioapic[0].gsi_base == 0);
        CHECK(reads_outside == 0);
    }
}

static void test_malformed_override(void)
{
    qemu_tables();
    madt_start();
    madt_ioapic(0, 0xfec00000, 0);
    madt_override(16, 30, 0); /* no ISA IRQ 16 */
    madt_done();
    struct madt_info info;
    struct acpi_status st = read_all(&info);
    CHECK(st.what != NULL && strstr(st.what, "ISA") != NULL && info.n_ioapics == 1);
    qemu_tables();
    madt_start();
    uint8_t e[10] = {2, 10, 1, 4}; /* bus 1: not ISA */
    madt_entry(e, sizeof(e));
    madt_done();
    CHECK(read_all(&info).what != NULL && info.n_ioapics == 0);
}

/* An entry that ends exactly at a table that is a byte short of a header. */
static void test_entry_header_past_end(void)
{
    qemu_tables();
    madt_start();
    madt_ioapic(0, 0xfec00000, 0);
    at(MADT_AT)[madt_len++] = 1; /* a lone type byte: no length byte in the table */
    madt_done();
    struct madt_info info;
    struct acpi_status st = read_all(&info);
    CHECK(st.what != NULL && st.offset == madt_len - 1 && info.n_ioapics == 1);
}

static void test_bad_tables(void)
{
    struct madt_info info;
    struct acpi_status st;
    /* The MADT's checksum. */
    qemu_tables();
    at(MADT_AT)[50] ^= 0x40;
    st = read_all(&info);
    CHECK(st.what != NULL && strstr(st.what, "checksum") && strcmp(st.table, "MADT") == 0);
    /* Impossible lengths: shorter than its fixed part, huge, past the memory. */
    const uint32_t lengths[] = {0, 43, 0xffffffff, (1u << 18) + 1};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        qemu_tables();
        put32(at(MADT_AT) + 4, lengths[i]);
        st = read_all(&info);
        CHECK(st.what != NULL && strcmp(st.table, "MADT") == 0);
    }
    /* A MADT whose allowed length runs past the memory. */
    qemu_tables();
    uint64_t last = MEM_BASE + MEM_SIZE - 0x1000;
    memcpy(at(last), at(MADT_AT), madt_len);
    put32(at(last) + 4, 0x2000);
    put64(at(XSDT_AT) + 44, last);
    seal(XSDT_AT);
    put32(at(RSDT_AT) + 40, (uint32_t)last);
    seal(RSDT_AT);
    st = read_all(&info);
    CHECK(st.what != NULL && strstr(st.what, "cannot be read") != NULL);
    reads_outside = 0;
    /* A root table that points nowhere, and one whose length reaches past memory. */
    qemu_tables();
    put64(at(XSDT_AT) + 44, UINT64_C(0xdead00000000));
    seal(XSDT_AT);
    put32(at(RSDT_AT) + 40, 0xfff00000);
    seal(RSDT_AT);
    st = read_all(&info);
    CHECK(st.what != NULL && strstr(st.what, "no MADT") != NULL);
    qemu_tables();
    put32(at(XSDT_AT) + 4, 0x40000);
    put32(at(RSDT_AT) + 4, 0x40000);
    st = read_all(&info);
    CHECK(st.what != NULL);
    /* A root table with no MADT at all. */
    qemu_tables();
    put32(at(XSDT_AT) + 4, 44);
    seal(XSDT_AT);
    put32(at(RSDT_AT) + 4, 40);
    seal(RSDT_AT);
    st = read_all(&info);
    CHECK(st.what != NULL && strstr(st.what, "no MADT") && strcmp(st.table, "RSDT") == 0);
    /* No RSDP anywhere; an RSDP 2.0 whose extended checksum is wrong. */
    memset(mem, 0, sizeof(mem));
    CHECK(read_all(&info).what != NULL);
    qemu_tables();
    at(RSDP_AT)[30] ^= 1;
    st = read_all(&info);
    CHECK(st.what != NULL && strcmp(st.table, "RSDP") == 0);
}

/* Every one-byte change of a valid MADT (each byte set to every value) ends and keeps
 * its results within bounds. */
static void test_every_byte(void)
{
    qemu_tables();
    madt_start();
    madt_ioapic(0, 0xfec00000, 0);
    madt_ioapic(1, 0xfec01000, 24);
    madt_override(0, 2, 0);
    madt_lapic(1);
    madt_done();
    uint8_t saved[256];
    memcpy(saved, at(MADT_AT), madt_len);
    for (uint32_t i = 0; i < madt_len; i++) {
        for (unsigned v = 0; v < 256; v++) {
            memcpy(at(MADT_AT), saved, madt_len);
            at(MADT_AT)[i] = (uint8_t)v;
            if (i != 9) {
                seal(MADT_AT);
            }
            struct madt_info info;
            (void)read_all(&info);
            CHECK(info.n_ioapics <= IOAPIC_MAX && info.n_ioapics <= info.ioapics_seen);
            for (unsigned q = 0; q < ISA_IRQS; q++) {
                CHECK(info.isa[q].trigger <= 1 && info.isa[q].polarity <= 1);
            }
        }
    }
    CHECK(reads_outside == 0);
}

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    {"qemu_one_ioapic", test_qemu_one_ioapic},
    {"loader_copy_and_rsdt", test_loader_copy_and_rsdt},
    {"acpi1_rsdp", test_acpi1_rsdp},
    {"three_ioapics", test_three_ioapics},
    {"gsi_lines", test_gsi_lines},
    {"gsi_ranges_refused", test_gsi_ranges_refused},
    {"more_ioapics_than_kept", test_more_ioapics_than_kept},
    {"malformed_entries", test_malformed_entries},
    {"malformed_override", test_malformed_override},
    {"entry_header_past_end", test_entry_header_past_end},
    {"bad_tables", test_bad_tables},
    {"every_byte", test_every_byte},
};

int main(void)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        failed = false;
        tests[i].fn();
        if (failed) {
            printf("FAIL: host-madt/%s: %s\n", tests[i].name, why);
        } else {
            printf("PASS: host-madt/%s\n", tests[i].name);
        }
        bad += failed;
    }
    return bad != 0;
}
