/*
 * PCI configuration space and enumeration. Two mechanisms:
 *   ECAM    the configuration area the ACPI MCFG table names (QEMU `q35`, every PCIe
 *           machine): each function's 4 KiB is memory, reached through init's window
 *           and mappable into a PD.
 *   legacy  ports 0xcf8 (address) and 0xcfc-0xcff (data), for machines without MCFG
 *           (QEMU `pc`): init issues itself an I/O port cap for the eight ports. One
 *           address register serves every function, so a port cap cannot be given per
 *           function: with it only init touches configuration space.
 * Accesses are naturally aligned 8, 16 or 32-bit ones; offsets stay below 256 with the
 * legacy mechanism and below 4096 with ECAM (callers pass constants or values they
 * bounded). Bus 0 is listed at boot, so the log shows what the firmware left there.
 */
#include "device.h"

#include <libbastion/device.h>

#define LEGACY_ADDRESS  0xcf8
#define LEGACY_DATA     0xcfc
#define LEGACY_ENABLE   0x80000000u
#define REG_VENDOR      0x00
#define REG_COMMAND     0x04
#define REG_STATUS      0x06
#define REG_CLASS       0x08
#define REG_HEADER_TYPE 0x0e
#define REG_BAR0        0x10
#define REG_CAP_PTR     0x34
#define STATUS_CAP_LIST (1u << 4)
#define COMMAND_DECODE  0x3u /* I/O and memory space */

static struct ecam ecam;
static bool have_ecam;
static uint64_t legacy_ports; /* init's I/O port cap for 0xcf8-0xcff (legacy) */

bool pci_is_ecam(void)
{
    return have_ecam;
}

uint64_t pci_ecam_page(struct pci_address a)
{
    return ecam.base + ((uint64_t)a.bus << 20 | (uint64_t)a.dev << 15 | (uint64_t)a.fn << 12);
}

/* The function's configuration page in init's window (ECAM). */
static volatile uint8_t *ecam_config(struct pci_address a)
{
    if (a.bus < ecam.first_bus || a.bus > ecam.last_bus)
        init_fatal("PCI %02x:%02x.%x: bus outside the ECAM range %02x-%02x", a.bus, a.dev, a.fn,
                   ecam.first_bus, ecam.last_bus);
    volatile uint8_t *page = phys_map(pci_ecam_page(a), BASTION_PAGE_SIZE);
    if (page == NULL)
        init_fatal("PCI %02x:%02x.%x: its ECAM page 0x%lx is not device memory", a.bus, a.dev, a.fn,
                   (unsigned long)pci_ecam_page(a));
    return page;
}

static void legacy_select(struct pci_address a, unsigned offset)
{
    uint32_t address = LEGACY_ENABLE | (uint32_t)a.bus << 16 | (uint32_t)a.dev << 11 |
                       (uint32_t)a.fn << 8 | (offset & 0xfc);
    bst_ioport_cap_out(legacy_ports, 4, LEGACY_ADDRESS, address);
}

uint32_t pci_read32(struct pci_address a, unsigned offset)
{
    if (have_ecam)
        return *(volatile uint32_t *)(ecam_config(a) + offset);
    uint64_t v = 0;
    legacy_select(a, offset);
    bst_ioport_cap_in(legacy_ports, 4, LEGACY_DATA, &v);
    return (uint32_t)v;
}

void pci_write32(struct pci_address a, unsigned offset, uint32_t value)
{
    if (have_ecam) {
        *(volatile uint32_t *)(ecam_config(a) + offset) = value;
        return;
    }
    legacy_select(a, offset);
    bst_ioport_cap_out(legacy_ports, 4, LEGACY_DATA, value);
}

uint16_t pci_read16(struct pci_address a, unsigned offset)
{
    if (have_ecam)
        return *(volatile uint16_t *)(ecam_config(a) + offset);
    uint64_t v = 0;
    legacy_select(a, offset);
    bst_ioport_cap_in(legacy_ports, 2, LEGACY_DATA + (offset & 2), &v);
    return (uint16_t)v;
}

void pci_write16(struct pci_address a, unsigned offset, uint16_t value)
{
    if (have_ecam) {
        *(volatile uint16_t *)(ecam_config(a) + offset) = value;
        return;
    }
    legacy_select(a, offset);
    bst_ioport_cap_out(legacy_ports, 2, LEGACY_DATA + (offset & 2), value);
}

static uint8_t pci_read8(struct pci_address a, unsigned offset)
{
    return (uint8_t)(pci_read16(a, offset & ~1u) >> (8 * (offset & 1)));
}

static void list_bus0(void)
{
    if (have_ecam && ecam.first_bus > 0)
        return; /* the ECAM area does not cover bus 0 */
    for (uint8_t dev = 0; dev < 32; dev++) {
        unsigned functions = 1;
        for (uint8_t fn = 0; fn < functions; fn++) {
            struct pci_address a = {0, dev, fn};
            uint32_t id = pci_read32(a, REG_VENDOR);
            if ((id & 0xffff) == 0xffff)
                continue;
            if (fn == 0 && (pci_read8(a, REG_HEADER_TYPE) & 0x80))
                functions = 8;
            bst_printf("init: PCI 00:%02x.%x %04x:%04x class %06x\n", dev, fn, id & 0xffff,
                       id >> 16, pci_read32(a, REG_CLASS) >> 8);
        }
    }
}

void pci_init(void)
{
    have_ecam = acpi_find_ecam(&ecam);
    if (have_ecam) {
        bst_printf("init: PCI: ECAM at 0x%lx, buses %02x-%02x (ACPI MCFG)\n",
                   (unsigned long)ecam.base, ecam.first_bus, ecam.last_bus);
    } else {
        legacy_ports = slot_alloc(1);
        bst_error_t e = legacy_ports
                            ? bst_ioport_control_issue(BST_SLOT_IOPORT_CONTROL, LEGACY_ADDRESS,
                                                       LEGACY_DATA + 3, ROOT_CNODE, legacy_ports)
                            : BST_NOT_ENOUGH_MEMORY;
        if (e != BST_OK)
            init_fatal("PCI: no ACPI MCFG, and ports 0x%x-0x%x are not to be had: %s",
                       LEGACY_ADDRESS, LEGACY_DATA + 3, bst_error_name(e));
        bst_printf("init: PCI: no ACPI MCFG; configuration through ports 0x%x-0x%x\n",
                   LEGACY_ADDRESS, LEGACY_DATA + 3);
    }
    list_bus0();
}

/* Write all ones into the BAR (both halves when wide) with decoding switched off, read
 * back, restore. */
static struct pci_bar_regs bar_registers(struct pci_address a, unsigned off)
{
    struct pci_bar_regs r = {.value = pci_read32(a, off)};
    bool wide = pci_bar_is_64bit(r.value);
    if (wide)
        r.upper = pci_read32(a, off + 4);
    uint16_t command = pci_read16(a, REG_COMMAND);
    pci_write16(a, REG_COMMAND, command & (uint16_t)~COMMAND_DECODE);
    pci_write32(a, off, 0xffffffffu);
    r.mask = pci_read32(a, off);
    pci_write32(a, off, r.value);
    if (wide) {
        pci_write32(a, off + 4, 0xffffffffu);
        r.mask_upper = pci_read32(a, off + 4);
        pci_write32(a, off + 4, r.upper);
    }
    pci_write16(a, REG_COMMAND, command);
    return r;
}

bool pci_bar_read(struct pci_address a, unsigned index, struct pci_bar *bar)
{
    if (index > 5)
        return false;
    if (index > 0 && pci_bar_is_64bit(pci_read32(a, REG_BAR0 + 4 * (index - 1))))
        return false; /* the upper half of the 64-bit BAR index - 1 */
    unsigned off = REG_BAR0 + 4 * index;
    if (index == 5 && pci_bar_is_64bit(pci_read32(a, off)))
        return false; /* a 64-bit BAR cannot start in the last register */
    *bar = pci_bar_decode(bar_registers(a, off));
    return bar->size != 0;
}

unsigned pci_find_capability(struct pci_address a, uint8_t id)
{
    if (!(pci_read16(a, REG_STATUS) & STATUS_CAP_LIST))
        return 0;
    unsigned at = pci_read8(a, REG_CAP_PTR) & 0xfc;
    for (unsigned hops = 0; at >= 0x40 && hops < 48; hops++) { /* a loop in the list ends */
        if (pci_read8(a, at) == id)
            return at;
        at = pci_read8(a, at + 1) & 0xfc;
    }
    return 0;
}
