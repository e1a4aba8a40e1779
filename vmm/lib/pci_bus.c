/*
 * The guest's PCI bus behind configuration mechanism #1 (pci_bus.h). The guest writes
 * any address and any value: the address is decoded to bus 0, a present device and
 * function 0 or nothing, and a write changes only the bits the function's write mask
 * allows, so no access can reach outside the two 256-byte spaces.
 */
#include <vmm/bytes.h>
#include <vmm/pci_bus.h>

#define ADDRESS_ENABLE   0x80000000u
#define ADDRESS_KEPT     0x8ffffffcu /* enable, extended register, bus, device, function, register */
#define ADDRESS_EXTENDED 0x0f000000u /* AMD's extended register bits: no such register */

static void set16(struct vmm_pci_function *f, unsigned at, uint16_t v)
{
    vmm_le_store(f->config + at, 2, v);
}

static void function_init(struct vmm_pci_function *f, const struct vmm_pci_identity *id)
{
    vmm_bytes_fill((uint8_t *)f, 0, sizeof(*f));
    f->present = true;
    set16(f, VMM_PCI_VENDOR, id->vendor);
    set16(f, VMM_PCI_VENDOR + 2, id->device);
    f->config[VMM_PCI_REVISION] = id->revision;
    vmm_le_store(f->config + VMM_PCI_CLASS, 3, id->class_code);
    set16(f, VMM_PCI_SUBSYSTEM, id->subsystem_vendor);
    set16(f, VMM_PCI_SUBSYSTEM + 2, id->subsystem);
    /* Command: I/O, memory, bus master; INTx disable (bit 10). */
    f->wmask[VMM_PCI_COMMAND] = 0x07;
    f->wmask[VMM_PCI_COMMAND + 1] = 0x04;
    f->wmask[0x0c] = 0xff; /* cache line size */
    f->wmask[0x0d] = 0xff; /* latency timer */
}

/* A device function with its I/O BAR at bar_base and INTA on line irq. */
static void device_init(struct vmm_pci_function *f, const struct vmm_pci_identity *id,
                        uint16_t bar_base, uint8_t irq)
{
    function_init(f, id);
    /* BAR 0: I/O space (bit 0), address bits 15..5 writable, 16..31 zero. */
    vmm_le_store(f->config + VMM_PCI_BAR0, 4, (uint32_t)bar_base | 1u);
    f->wmask[VMM_PCI_BAR0] = (uint8_t) ~(VMM_PCI_IO_BAR_SIZE - 1);
    f->wmask[VMM_PCI_BAR0 + 1] = 0xff;
    f->config[VMM_PCI_INT_LINE] = irq;
    f->wmask[VMM_PCI_INT_LINE] = 0xff;
    f->config[VMM_PCI_INT_PIN] = 1; /* INTA */
}

void vmm_pci_reset(struct vmm_pci_bus *b, const struct vmm_pci_identity *device)
{
    vmm_bytes_fill((uint8_t *)b, 0, sizeof(*b));
    const struct vmm_pci_identity bridge = {
        .vendor = VMM_PCI_BRIDGE_VENDOR, .device = VMM_PCI_BRIDGE_DEVICE, .class_code = 0x060000};
    function_init(&b->fn[0], &bridge);
    device_init(&b->fn[VMM_PCI_DEVICE_SLOT], device, VMM_PCI_IO_BAR_BASE, VMM_PCI_DEVICE_IRQ);
}

void vmm_pci_add_device(struct vmm_pci_bus *b, unsigned slot, const struct vmm_pci_identity *id,
                        uint16_t bar_base, uint8_t irq)
{
    if (slot == 0 || slot >= VMM_PCI_DEVICES || b->fn[slot].present)
        return;
    device_init(&b->fn[slot], id, bar_base, irq);
}

bool vmm_pci_port(uint16_t port)
{
    return port >= VMM_PCI_CONFIG_ADDRESS && port < VMM_PCI_CONFIG_DATA + 4;
}

/* The function the address register selects, with the register's dword offset. */
static struct vmm_pci_function *selected(struct vmm_pci_bus *b, unsigned *reg)
{
    uint32_t a = b->address;
    unsigned bus = (a >> 16) & 0xff, dev = (a >> 11) & 0x1f, fn = (a >> 8) & 7;
    if (!(a & ADDRESS_ENABLE) || (a & ADDRESS_EXTENDED) || bus != 0 || fn != 0 ||
        dev >= VMM_PCI_DEVICES || !b->fn[dev].present)
        return 0;
    *reg = a & 0xfc;
    return &b->fn[dev];
}

uint32_t vmm_pci_read(struct vmm_pci_bus *b, uint16_t port, unsigned size)
{
    uint32_t all = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    if (port < VMM_PCI_CONFIG_DATA)
        return port == VMM_PCI_CONFIG_ADDRESS && size == 4 ? b->address : all;
    unsigned reg = 0;
    struct vmm_pci_function *f = selected(b, &reg);
    uint32_t value = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned byte = port - VMM_PCI_CONFIG_DATA + i;
        uint32_t v = f && byte < 4 ? f->config[reg + byte] : 0xff;
        value |= v << (8 * i);
    }
    return value;
}

void vmm_pci_write(struct vmm_pci_bus *b, uint16_t port, unsigned size, uint32_t value)
{
    if (port < VMM_PCI_CONFIG_DATA) {
        if (port == VMM_PCI_CONFIG_ADDRESS && size == 4)
            b->address = value & ADDRESS_KEPT;
        return;
    }
    unsigned reg = 0;
    struct vmm_pci_function *f = selected(b, &reg);
    for (unsigned i = 0; f && i < size; i++) {
        unsigned byte = port - VMM_PCI_CONFIG_DATA + i;
        if (byte >= 4)
            break;
        uint8_t m = f->wmask[reg + byte], v = (uint8_t)(value >> (8 * i));
        f->config[reg + byte] = (uint8_t)((f->config[reg + byte] & ~m) | (v & m));
    }
}

uint16_t vmm_pci_device_io_base(const struct vmm_pci_bus *b)
{
    return vmm_pci_slot_io_base(b, VMM_PCI_DEVICE_SLOT);
}

uint16_t vmm_pci_slot_io_base(const struct vmm_pci_bus *b, unsigned slot)
{
    if (slot >= VMM_PCI_DEVICES)
        return 0;
    const struct vmm_pci_function *f = &b->fn[slot];
    if (!f->present || !(f->config[VMM_PCI_COMMAND] & VMM_PCI_COMMAND_IO))
        return 0;
    return (uint16_t)(vmm_le_load(f->config + VMM_PCI_BAR0, 2) & ~(VMM_PCI_IO_BAR_SIZE - 1));
}
