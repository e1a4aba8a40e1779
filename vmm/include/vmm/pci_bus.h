/*
 * The guest PC's PCI bus (docs/virtualisation.md, "Devices"): configuration mechanism #1
 * at ports 0xcf8 (address, 32-bit accesses only) and 0xcfc-0xcff (data), with bus 0
 * holding a host bridge at 00:00.0 (class 0x0600, so that Linux's sanity check of the
 * mechanism finds a bus) and devices with a single I/O BAR and an INTx line each: the
 * legacy virtio-console at 00:01.0 (virtio_console.h) and, once the VMM adds it
 * (vmm_pci_add_device), the legacy virtio-net device at 00:02.0 (virtio_net.h). Every other bus,
 * device, function or register reads as absent (all ones) and ignores writes.
 *
 * Each function's 256-byte configuration space is an array with a write mask per byte:
 * the command register's I/O, memory, bus-master and INTx-disable bits, the cache line
 * size and latency timer, the interrupt line, and BAR 0's address bits are writable;
 * everything else is read-only. BAR 0 is an I/O BAR of VMM_PCI_IO_BAR_SIZE bytes that
 * the VMM places at VMM_PCI_IO_BAR_BASE before the guest runs (the guest may move it);
 * its upper 16 bits read zero (16-bit I/O decode), so sizing it reads 0xffe1.
 */
#ifndef VMM_PCI_BUS_H
#define VMM_PCI_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define VMM_PCI_CONFIG_ADDRESS 0xcf8u
#define VMM_PCI_CONFIG_DATA    0xcfcu
#define VMM_PCI_DEVICES        3u      /* 00:00.0 the bridge, 00:01.0 console, 00:02.0 net */
#define VMM_PCI_DEVICE_SLOT    1u      /* the console's number on bus 0 */
#define VMM_PCI_IO_BAR_BASE    0xc000u /* where the VMM puts the console's I/O BAR */
#define VMM_PCI_IO_BAR_SIZE    0x20u
#define VMM_PCI_DEVICE_IRQ     11u     /* its INTx line on the 8259 pair (interrupt line) */
#define VMM_PCI_NET_SLOT       2u      /* the virtio-net device's number on bus 0 */
#define VMM_PCI_NET_BAR_BASE   0xc040u /* where the VMM puts its I/O BAR (same size) */
#define VMM_PCI_NET_IRQ        10u     /* its own INTx line on the 8259 pair */

/* Configuration-space offsets. */
#define VMM_PCI_VENDOR     0x00u
#define VMM_PCI_COMMAND    0x04u
#define VMM_PCI_STATUS     0x06u
#define VMM_PCI_REVISION   0x08u
#define VMM_PCI_CLASS      0x09u /* programming interface, subclass, class: 3 bytes */
#define VMM_PCI_HEADER     0x0eu
#define VMM_PCI_BAR0       0x10u
#define VMM_PCI_SUBSYSTEM  0x2cu /* subsystem vendor, then subsystem id */
#define VMM_PCI_CAPS       0x34u
#define VMM_PCI_INT_LINE   0x3cu
#define VMM_PCI_INT_PIN    0x3du
#define VMM_PCI_COMMAND_IO 0x0001u

/* Identities. The host bridge is Red Hat's "QEMU PCIe host bridge" id pair (1b36:0008),
 * which Linux applies no quirk to; the device's are the virtio specification's for a
 * transitional (legacy-capable) console: vendor 0x1af4, device 0x1003, subsystem device 3
 * (the virtio device type), revision 0 (the legacy interface's ABI version). */
#define VMM_PCI_BRIDGE_VENDOR 0x1b36u
#define VMM_PCI_BRIDGE_DEVICE 0x0008u

struct vmm_pci_function {
    bool present;
    uint8_t config[256];
    uint8_t wmask[256];
};

struct vmm_pci_bus {
    uint32_t address; /* the last 32-bit write to 0xcf8 (reserved bits read zero) */
    struct vmm_pci_function fn[VMM_PCI_DEVICES];
};

struct vmm_pci_identity {
    uint16_t vendor, device, subsystem_vendor, subsystem;
    uint32_t class_code; /* class << 16 | subclass << 8 | programming interface */
    uint8_t revision;
};

/* The bus with the host bridge, and the device at 00:01.0 with this identity, its I/O BAR
 * at VMM_PCI_IO_BAR_BASE (decoding off until the guest enables it) and INTA on
 * VMM_PCI_DEVICE_IRQ. */
void vmm_pci_reset(struct vmm_pci_bus *b, const struct vmm_pci_identity *device);
/* Another device at 00:<slot>.0 (slot < VMM_PCI_DEVICES, not 0 or taken: else nothing),
 * its I/O BAR of VMM_PCI_IO_BAR_SIZE bytes at bar_base, INTA on interrupt line irq. */
void vmm_pci_add_device(struct vmm_pci_bus *b, unsigned slot, const struct vmm_pci_identity *id,
                        uint16_t bar_base, uint8_t irq);

/* Whether port lies in 0xcf8-0xcff; then vmm_pci_read/write take the access. */
bool vmm_pci_port(uint16_t port);
/* An access of size 1, 2 or 4 at port (0xcf8-0xcff). A byte or word at 0xcf8-0xcfb is
 * not the address register: reads all ones, writes ignored (0xcf9's reset is
 * port_io.c's). The data port's bytes beyond 0xcff are absent. */
uint32_t vmm_pci_read(struct vmm_pci_bus *b, uint16_t port, unsigned size);
void vmm_pci_write(struct vmm_pci_bus *b, uint16_t port, unsigned size, uint32_t value);

/* The device's I/O BAR as the guest placed it: its base when the command register
 * enables I/O decoding, else 0 (nothing decoded). */
uint16_t vmm_pci_device_io_base(const struct vmm_pci_bus *b);
/* The same for the device at 00:<slot>.0 (0 also when there is none). */
uint16_t vmm_pci_slot_io_base(const struct vmm_pci_bus *b, unsigned slot);

#endif
