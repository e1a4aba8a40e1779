/*
 * ACPI, as far as init needs it: the PCI Express configuration areas (ECAM) from MCFG,
 * the I/O APICs from the MADT and the HPET from its table. ACPI parsing lives here, in
 * user space, not in the kernel: init already holds every non-RAM page (ACPI tables,
 * firmware memory) as device untyped.
 *
 * The RSDP is the copy the kernel passed on in the boot info (from the Multiboot 2 ACPI
 * tag or the EFI system table: the only way under UEFI), else it is searched on its
 * 16-byte boundaries in the BIOS area 0xe0000-0xfffff (Multiboot 1 from QEMU's SeaBIOS).
 * The EBDA is not searched: it lies in the low RAM below 1 MiB that the kernel hands to
 * nobody. This file maps; the parsing, which trusts no length, checksum or pointer of the
 * firmware's, is acpi_parse.c's.
 */
#include "device.h"

#define BIOS_AREA      0xe0000ULL
#define BIOS_AREA_SIZE 0x20000ULL

/* The table at paddr, mapped whole, with a valid length and checksum (and signature
 * unless NULL); its length in *length. NULL when unusable or not device memory. */
static const volatile uint8_t *map_table(uint64_t paddr, const char *signature, uint32_t *length)
{
    const volatile uint8_t *header = phys_map(paddr, ACPI_SDT_HEADER_SIZE);
    *length = header ? acpi_table_length(header) : 0;
    if (*length == 0)
        return NULL;
    const volatile uint8_t *table = phys_map(paddr, *length);
    return table && acpi_table_ok(table, *length, signature) ? table : NULL;
}

static uint8_t loader_rsdp[ACPI_RSDP_SIZE]; /* zero past a 20-byte (ACPI 1.0) copy */
static bool have_loader_rsdp;

void acpi_init(const struct bst_bootinfo *bi)
{
    uint32_t n = bi->acpi_rsdp_size <= ACPI_RSDP_SIZE ? bi->acpi_rsdp_size : 0;
    for (uint32_t i = 0; i < n; i++)
        loader_rsdp[i] = bi->acpi_rsdp[i];
    have_loader_rsdp = acpi_rsdp_ok(loader_rsdp, n);
    if (n != 0 && !have_loader_rsdp)
        bst_printf("init: ACPI: the loader's RSDP copy is damaged (signature or checksum); "
                   "searching the BIOS area\n");
}

/* The RSDP: the loader's copy, else the BIOS area's; NULL if neither. */
static const volatile uint8_t *find_rsdp(void)
{
    if (have_loader_rsdp)
        return loader_rsdp;
    const volatile uint8_t *area = phys_map(BIOS_AREA, BIOS_AREA_SIZE);
    long at = area ? acpi_rsdp_scan(area, BIOS_AREA_SIZE) : -1;
    return at < 0 ? NULL : area + at;
}

/* The first table with `signature` that the root table lists; NULL if none. */
static const volatile uint8_t *find_table(const char *signature, uint32_t *length)
{
    const volatile uint8_t *rsdp = find_rsdp();
    if (rsdp == NULL)
        return NULL;
    struct acpi_root root = acpi_rsdp_root(rsdp);
    uint32_t root_length;
    const volatile uint8_t *rt = map_table(root.paddr, NULL, &root_length);
    if (rt == NULL)
        return NULL;
    uint32_t n = acpi_root_entries(root_length, root.entry_size);
    for (uint32_t i = 0; i < n; i++) {
        const volatile uint8_t *t =
            map_table(acpi_root_entry(rt, i, root.entry_size), signature, length);
        if (t != NULL)
            return t;
    }
    return NULL;
}

bool acpi_find_ecam(struct ecam *out)
{
    uint32_t length;
    const volatile uint8_t *mcfg = find_table("MCFG", &length);
    return mcfg != NULL && acpi_mcfg_ecam(mcfg, length, out);
}

bool acpi_find_dmar(uint64_t *base, uint32_t *ioapic_source)
{
    uint32_t length;
    const volatile uint8_t *dmar = find_table("DMAR", &length);
    return dmar != NULL && acpi_dmar_unit(dmar, length, base, ioapic_source);
}

#define MAX_IOAPICS  8 /* as the kernel (IOAPIC_MAX, kernel/arch/x86_64/include/arch/madt.h) */
#define MAX_SEGMENTS 8

/* The MADT's I/O APICs in its order, which the description's <irq ioapic="n"> names. */
static struct acpi_ioapic ioapics[MAX_IOAPICS];
static unsigned n_ioapics;
static bool have_madt;

/* Print the MADT's I/O APICs and keep them. The kernel reads the same table itself and
 * drives every I/O APIC in it (docs/kernel.md, "Interrupts"); init needs them only to
 * turn a description's (I/O APIC, pin) into a GSI. */
static void find_ioapics(void)
{
    uint32_t length;
    const volatile uint8_t *madt = find_table("APIC", &length);
    if (madt == NULL) {
        bst_printf("init: ACPI: no MADT; the kernel drives the default I/O APIC (GSI base 0)\n");
        return;
    }
    have_madt = true;
    struct acpi_madt_result r = acpi_madt_ioapics(madt, length, ioapics, MAX_IOAPICS);
    n_ioapics = r.n_ioapics < MAX_IOAPICS ? r.n_ioapics : MAX_IOAPICS;
    for (unsigned i = 0; i < n_ioapics; i++)
        bst_printf("init: ACPI: I/O APIC %u at 0x%lx, GSIs from %u (MADT)\n", ioapics[i].id,
                   (unsigned long)ioapics[i].base, ioapics[i].gsi_base);
    if (r.malformed)
        bst_printf(
            "init: ACPI: the MADT has a malformed entry; the entries after it are ignored\n");
    if (r.n_ioapics > MAX_IOAPICS)
        bst_printf("init: ACPI: the MADT lists %u I/O APICs; the first %u are used\n", r.n_ioapics,
                   MAX_IOAPICS);
}

bool acpi_ioapic_gsi(uint32_t ioapic, uint32_t pin, uint32_t *gsi)
{
    if (!have_madt) {
        *gsi = pin; /* the kernel's default I/O APIC, GSI base 0 */
        return ioapic == 0;
    }
    if (ioapic >= n_ioapics)
        return false;
    *gsi = ioapics[ioapic].gsi_base + pin;
    return *gsi >= pin; /* no wrap past 2^32 */
}

bool acpi_find_hpet(uint64_t *base)
{
    uint32_t length;
    const volatile uint8_t *t = find_table("HPET", &length);
    return t != NULL && acpi_hpet_base(t, length, base);
}

void acpi_describe_platform(void)
{
    const volatile uint8_t *rsdp = find_rsdp();
    if (rsdp == NULL) {
        bst_printf("init: ACPI: no RSDP (not from the loader, none in the BIOS area)\n");
        return;
    }
    bst_printf("init: ACPI: RSDP %s, revision %u\n",
               have_loader_rsdp ? "from the loader" : "found in the BIOS area", rsdp[15]);
    find_ioapics();
    uint32_t length;
    uint64_t hpet;
    if (acpi_find_hpet(&hpet))
        bst_printf("init: ACPI: HPET at 0x%lx (HPET table)\n", (unsigned long)hpet);
    else
        bst_printf("init: ACPI: no usable HPET table\n");
    struct ecam seg[MAX_SEGMENTS];
    const volatile uint8_t *t = find_table("MCFG", &length);
    unsigned n = t ? acpi_mcfg_segments(t, length, seg, MAX_SEGMENTS) : 0;
    for (unsigned i = 0; i < n && i < MAX_SEGMENTS; i++)
        bst_printf("init: ACPI: PCI segment %u: ECAM at 0x%lx, buses %02x-%02x (MCFG)\n",
                   seg[i].segment, (unsigned long)seg[i].base, seg[i].first_bus, seg[i].last_bus);
    if (n == 0)
        bst_printf("init: ACPI: no MCFG: PCI configuration through the legacy ports\n");
}
