/*
 * The MultiProcessor Specification 1.4 tables that tell Linux its one CPU and its local
 * APIC (linux_boot.h). Without ACPI (acpi=off) and without an MP table Linux runs the
 * APIC in "virtual wire, no config" mode and then wants the PIT as its clock; with this
 * table and `noapic` it uses the local APIC's TSC-deadline timer and takes the 8259's
 * interrupts through LINT0. The floating pointer sits at 0x9fc00, the last KiB of base
 * memory, where Linux looks for it (the e820 map reserves it); the configuration table
 * follows it. No I/O APIC is listed: the guest has none.
 */
#include <vmm/bytes.h>
#include <vmm/linux_boot.h>

#define MP_SPEC_REV    4
#define MP_HEADER_SIZE 44
#define MP_CPU_SIZE    20
#define MP_BUS_SIZE    8

/* Make bytes [p, p + n) sum to zero by setting *checksum. */
static void checksum(uint8_t *p, unsigned n, uint8_t *sum_byte)
{
    uint8_t sum = 0;
    *sum_byte = 0;
    for (unsigned i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    *sum_byte = (uint8_t)(0x100 - sum);
}

static void copy_text(uint8_t *dst, const char *text, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        dst[i] = (uint8_t)text[i];
}

void vmm_mptable_write(const struct vmm_guest_ram *ram)
{
    uint8_t *fp = ram->base + VMM_BOOT_MPTABLE;
    uint8_t *table = fp + 16;
    uint32_t table_gpa = VMM_BOOT_MPTABLE + 16;
    unsigned length = MP_HEADER_SIZE + MP_CPU_SIZE + MP_BUS_SIZE;
    vmm_bytes_fill(fp, 0, 16 + length);

    copy_text(table, "PCMP", 4);
    vmm_le_store(table + 4, 2, length);
    table[6] = MP_SPEC_REV;
    copy_text(table + 8, "BASTION ", 8);
    copy_text(table + 16, "VMM         ", 12);
    vmm_le_store(table + 34, 2, 2);          /* entries */
    vmm_le_store(table + 36, 4, 0xfee00000); /* local APIC address */
    uint8_t *cpu = table + MP_HEADER_SIZE;
    cpu[0] = 0;                      /* processor entry */
    cpu[1] = 0;                      /* local APIC ID */
    cpu[2] = 0x14;                   /* local APIC version */
    cpu[3] = 0x3;                    /* enabled, bootstrap processor */
    vmm_le_store(cpu + 4, 4, 0x600); /* family 6 */
    vmm_le_store(cpu + 8, 4, 0x201); /* FPU, APIC */
    uint8_t *bus = cpu + MP_CPU_SIZE;
    bus[0] = 1; /* bus entry */
    bus[1] = 0;
    copy_text(bus + 2, "ISA   ", 6);
    checksum(table, length, &table[7]);

    copy_text(fp, "_MP_", 4);
    vmm_le_store(fp + 4, 4, table_gpa);
    fp[8] = 1; /* length in 16-byte units */
    fp[9] = MP_SPEC_REV;
    checksum(fp, 16, &fp[10]);
}
