/*
 * The guest's ACPI tables (linux_boot.h): what tells Linux its one CPU's local APIC is an
 * x2APIC before it first touches the APIC. Parsing the MADT is where Linux picks its
 * x2APIC driver (the MADT "OEM check" of its APIC drivers reads IA32_APIC_BASE) and only
 * then registers the local APIC and reads its ID through the chosen driver; the MP-table
 * path registers it with the default xAPIC driver first, which reads the xAPIC page.
 *
 * At VMM_BOOT_ACPI (0xe0000, the BIOS area Linux and ACPICA scan; e820 reserves it),
 * each table 16-byte aligned:
 *   RSDP  revision 2 (ACPI 2.0+), pointing at both the RSDT and the XSDT
 *   RSDT, XSDT  the MADT, nothing else
 *   MADT  the local APIC at 0xfee00000, PCAT_COMPAT (the 8259 pair is there), one local
 *         x2APIC entry: APIC ID 0, enabled, processor UID 0; no I/O APIC (none emulated)
 * Every table's checksum makes its bytes sum to zero; the RSDP has both its checksums.
 *
 * No FADT (and so no DSDT): Linux needs none to read the MADT, and then finds no ACPI
 * namespace to load and turns the ACPI interpreter off, which is what the guest wants.
 * A hardware-reduced FADT (the usual way to offer no PM timer, SCI or PM1 blocks) would
 * make Linux drop the 8259 pair ("null legacy PIC"), which carries the UART's IRQ 4; a
 * full FADT would need an SCI and PM1 event and control blocks to emulate.
 */
#include <vmm/bytes.h>
#include <vmm/linux_boot.h>

#define SDT_HEADER  36u
#define RSDP_SIZE   36u
#define MADT_SIZE   (SDT_HEADER + 8u + 16u)
#define X2APIC_TYPE 9u
#define X2APIC_SIZE 16u
#define LAPIC_ADDR  0xfee00000u
#define PCAT_COMPAT 0x1u

static uint32_t align16(uint32_t v)
{
    return (v + 15u) & ~15u;
}

static void text(uint8_t *dst, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        dst[i] = (uint8_t)s[i];
}

/* The byte that makes [p, p + n) sum to zero, given that *sum_byte is 0 now. */
static void set_checksum(uint8_t *p, unsigned n, uint8_t *sum_byte)
{
    uint8_t sum = 0;
    *sum_byte = 0;
    for (unsigned i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    *sum_byte = (uint8_t)(0x100u - sum);
}

/* A system description table's header; the checksum is set last (finish). */
static void header(uint8_t *t, const char *sig, uint32_t length, uint8_t revision)
{
    vmm_bytes_fill(t, 0, length);
    text(t, sig, 4);
    vmm_le_store(t + 4, 4, length);
    t[8] = revision;
    text(t + 10, "BASTVM", 6);
    text(t + 16, "BASTVMM ", 8);
    vmm_le_store(t + 24, 4, 1); /* OEM revision */
    text(t + 28, "BSTN", 4);    /* creator id */
    vmm_le_store(t + 32, 4, 1); /* creator revision */
}

static void finish(uint8_t *t)
{
    set_checksum(t, (unsigned)vmm_le_load(t + 4, 4), &t[9]);
}

void vmm_acpi_write(const struct vmm_guest_ram *ram, struct vmm_acpi_layout *out)
{
    uint8_t *base = ram->base;
    struct vmm_acpi_layout l;
    l.rsdp = VMM_BOOT_ACPI;
    l.rsdt = align16(l.rsdp + RSDP_SIZE);
    l.xsdt = align16(l.rsdt + SDT_HEADER + 4);
    l.madt = align16(l.xsdt + SDT_HEADER + 8);
    l.end = l.madt + MADT_SIZE;

    uint8_t *madt = base + l.madt;
    header(madt, "APIC", MADT_SIZE, 5);
    vmm_le_store(madt + SDT_HEADER, 4, LAPIC_ADDR);
    vmm_le_store(madt + SDT_HEADER + 4, 4, PCAT_COMPAT);
    uint8_t *x2 = madt + SDT_HEADER + 8;
    x2[0] = X2APIC_TYPE;
    x2[1] = X2APIC_SIZE;
    vmm_le_store(x2 + 4, 4, 0);  /* x2APIC ID */
    vmm_le_store(x2 + 8, 4, 1);  /* enabled */
    vmm_le_store(x2 + 12, 4, 0); /* ACPI processor UID */
    finish(madt);

    uint8_t *rsdt = base + l.rsdt;
    header(rsdt, "RSDT", SDT_HEADER + 4, 1);
    vmm_le_store(rsdt + SDT_HEADER, 4, l.madt);
    finish(rsdt);

    uint8_t *xsdt = base + l.xsdt;
    header(xsdt, "XSDT", SDT_HEADER + 8, 1);
    vmm_le_store(xsdt + SDT_HEADER, 8, l.madt);
    finish(xsdt);

    uint8_t *rsdp = base + l.rsdp;
    vmm_bytes_fill(rsdp, 0, RSDP_SIZE);
    text(rsdp, "RSD PTR ", 8);
    text(rsdp + 9, "BASTVM", 6);
    rsdp[15] = 2; /* revision: ACPI 2.0 and later */
    vmm_le_store(rsdp + 16, 4, l.rsdt);
    vmm_le_store(rsdp + 20, 4, RSDP_SIZE);
    vmm_le_store(rsdp + 24, 8, l.xsdt);
    set_checksum(rsdp, 20, &rsdp[8]);
    set_checksum(rsdp, RSDP_SIZE, &rsdp[32]);
    if (out)
        *out = l;
}
