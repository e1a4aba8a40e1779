/*
 * The guest's ACPI tables (acpi.c, linux_boot.h), read back the way an OS finds them:
 * the RSDP by scanning the BIOS area and through boot_params' acpi_rsdp_addr; every
 * checksum; the RSDT and XSDT listing the same one table, the MADT, with its one
 * enabled local x2APIC (ID 0), PCAT_COMPAT and no I/O APIC; no FADT (acpi.c says why);
 * every table inside the e820 map's reserved [0x9fc00, 1 MiB). The checker is
 * shown to catch a damaged byte.
 */
#include <stdlib.h>
#include <string.h>
#include <vmm/bytes.h>
#include <vmm/linux_boot.h>

#include "check.h"
#include "tests.h"

#define RAM (1u << 20)

static bool sums_to_zero(const uint8_t *p, uint32_t n)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum == 0;
}

/* A table at gpa with signature sig, inside the reserved area and checksummed: its
 * length, or 0. */
static uint32_t table_ok(const uint8_t *ram, uint64_t gpa, const char *sig)
{
    if (gpa < 0x9fc00 || gpa + 36 > RAM)
        return 0;
    const uint8_t *t = ram + gpa;
    uint32_t len = (uint32_t)vmm_le_load(t + 4, 4);
    if (memcmp(t, sig, 4) != 0 || len < 36 || gpa + len > RAM || !sums_to_zero(t, len))
        return 0;
    return len;
}

/* The RSDP as ACPICA finds it: 16-byte aligned in [0xe0000, 0x100000). */
static uint64_t scan_rsdp(const uint8_t *ram)
{
    for (uint64_t a = 0xe0000; a < RAM; a += 16)
        if (memcmp(ram + a, "RSD PTR ", 8) == 0 && sums_to_zero(ram + a, 20))
            return a;
    return 0;
}

/* Walk everything from the RSDP; true if the tables are as the OS needs them. */
static bool tables_valid(const uint8_t *ram)
{
    uint64_t rsdp_at = scan_rsdp(ram);
    if (!rsdp_at)
        return false;
    const uint8_t *rsdp = ram + rsdp_at;
    if (rsdp[15] != 2 || vmm_le_load(rsdp + 20, 4) != 36 || !sums_to_zero(rsdp, 36))
        return false;
    uint64_t rsdt = vmm_le_load(rsdp + 16, 4), xsdt = vmm_le_load(rsdp + 24, 8);
    uint32_t rsdt_len = table_ok(ram, rsdt, "RSDT"), xsdt_len = table_ok(ram, xsdt, "XSDT");
    if (rsdt_len != 36 + 4 || xsdt_len != 36 + 8)
        return false;
    uint64_t madt = vmm_le_load(ram + xsdt + 36, 8);
    if (vmm_le_load(ram + rsdt + 36, 4) != madt || !table_ok(ram, madt, "APIC"))
        return false;
    /* MADT: the APIC address, PCAT_COMPAT, then entries: one enabled x2APIC, ID 0. */
    uint32_t madt_len = table_ok(ram, madt, "APIC");
    if (vmm_le_load(ram + madt + 36, 4) != 0xfee00000 || vmm_le_load(ram + madt + 40, 4) != 1)
        return false;
    unsigned x2apics = 0, others = 0;
    for (uint32_t off = 44; off < madt_len;) {
        const uint8_t *e = ram + madt + off;
        if (e[1] < 2 || off + e[1] > madt_len)
            return false;
        if (e[0] == 9 && e[1] == 16 && vmm_le_load(e + 4, 4) == 0 && vmm_le_load(e + 8, 4) == 1)
            x2apics++;
        else
            others++;
        off += e[1];
    }
    return x2apics == 1 && others == 0;
}

void test_acpi_tables(void)
{
    uint8_t *ram = calloc(1, RAM);
    CHECK(ram != NULL);
    if (!ram)
        return;
    memset(ram, 0xa5, RAM);
    struct vmm_guest_ram g = {.base = ram, .size = RAM};
    struct vmm_acpi_layout l;
    vmm_acpi_write(&g, &l);
    CHECK(l.rsdp == VMM_BOOT_ACPI && l.end <= 0xe1000);
    CHECK(l.rsdt > l.rsdp && l.xsdt > l.rsdt && l.madt > l.xsdt && l.end > l.madt);
    CHECK(((l.rsdt | l.xsdt | l.madt) & 15) == 0);
    CHECK(scan_rsdp(ram) == VMM_BOOT_ACPI);
    CHECK(tables_valid(ram));
    /* Nothing outside the tables written. */
    CHECK(ram[VMM_BOOT_ACPI - 1] == 0xa5 && ram[l.end] == 0xa5);

    /* The checker catches damage: any one byte of any table changed. */
    unsigned caught = 0, tried = 0;
    for (uint32_t a = l.rsdp; a < l.end; a += 7) {
        bool in_table = (a < l.rsdp + 36) || (a >= l.rsdt && a < l.rsdt + 40) ||
                        (a >= l.xsdt && a < l.xsdt + 44) || (a >= l.madt && a < l.end);
        if (!in_table)
            continue;
        tried++;
        ram[a] ^= 0x40;
        caught += !tables_valid(ram);
        ram[a] ^= 0x40;
    }
    CHECK(tried > 20 && caught == tried);
    CHECK(tables_valid(ram));
    free(ram);
}
