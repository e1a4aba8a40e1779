/*
 * The virtio PCI transport (virtio 1.x, "modern"), shared by every virtio driver
 * (drivers/virtio/transport.c; the driver links it and adds -Idrivers/virtio/include):
 * where the device's structures are and how the driver reaches them. The vendor capabilities in
 * configuration space name, for each structure, a BAR, an offset and a length; the system maps the
 * BARs into the driver (system.xml, setvar `virtio_bar<N>`), VIRTIO_BAR_MAP_BYTES of each from its
 * start. virtio_pci_find() accepts a structure only if it lies wholly inside such a
 * mapping, so every later register access stays inside the device's own BARs.
 *
 * virtio_pci_find() is pure (it reads the configuration bytes it is given and computes
 * addresses); the other functions touch the device's registers. Freestanding C11.
 */
#ifndef BASTION_VIRTIO_TRANSPORT_H
#define BASTION_VIRTIO_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/virtio/virtio.h>

#define VIRTIO_BAR_COUNT     6
#define VIRTIO_BAR_MAP_BYTES 0x4000u /* what the system maps of each BAR the driver uses */

/* The four structures, as addresses in the driver's mappings. */
struct virtio_pci {
    volatile uint8_t *common; /* VIRTIO_COMMON_BYTES at least */
    volatile uint8_t *notify;
    uint32_t notify_length;
    uint32_t notify_multiplier;
    volatile uint8_t *isr;    /* 1 byte at least */
    volatile uint8_t *device; /* the device_config_bytes virtio_pci_find was given, at least */
    uint16_t device_id;       /* the PCI device id (transitional or modern) */
};

enum virtio_pci_status {
    VIRTIO_PCI_OK,
    VIRTIO_PCI_WRONG_DEVICE, /* another vendor, device or (transitional) subsystem */
    VIRTIO_PCI_NO_CAPS,      /* no capability list */
    VIRTIO_PCI_NO_COMMON,    /* no usable capability of that type (see below) */
    VIRTIO_PCI_NO_NOTIFY,
    VIRTIO_PCI_NO_ISR,
    VIRTIO_PCI_NO_DEVICE,
};

/* A short explanation of a status, for the driver's error line. */
const char *virtio_pci_status_name(enum virtio_pci_status s);

/* What the driver is looking for. */
struct virtio_pci_want {
    enum virtio_device_type type; /* the PCI ids and subsystem that must match */
    uint32_t device_config_bytes; /* of device configuration the driver reads at most */
};

/*
 * Find the four structures of a virtio device of `want.type` from `config`
 * (PCI_CONFIG_BYTES of the function's configuration space: the PD's configuration page)
 * and `bars` (the driver's mapping of BAR i, 0 if the system did not map it). A device of
 * another type is VIRTIO_PCI_WRONG_DEVICE. The first capability of each type that is well
 * formed (its length byte covers its fields, inside the 256 bytes), names a mapped BAR,
 * and lies inside VIRTIO_BAR_MAP_BYTES of it with room for what the driver reads is the
 * one used, as the specification asks; others are skipped. The list is followed at most
 * 48 steps, so a loop in it ends.
 */
enum virtio_pci_status virtio_pci_find(const volatile uint8_t *config,
                                       const uintptr_t bars[VIRTIO_BAR_COUNT],
                                       struct virtio_pci_want want, struct virtio_pci *out);

/* ---- Registers ---------------------------------------------------------------------- */

uint8_t virtio_pci_status(const struct virtio_pci *v);
void virtio_pci_set_status(const struct virtio_pci *v, uint8_t status);

/* Write 0 to the status and wait (bounded) for it to read 0; false if it never does. */
bool virtio_pci_reset(const struct virtio_pci *v);

/* The device's 64 feature bits; setting the driver's. */
uint64_t virtio_pci_device_features(const struct virtio_pci *v);
void virtio_pci_set_driver_features(const struct virtio_pci *v, uint64_t features);

uint16_t virtio_pci_num_queues(const struct virtio_pci *v);

/* Select queue `index` and read its maximum size (0: the queue does not exist). */
uint16_t virtio_pci_queue_max(const struct virtio_pci *v, uint16_t index);

/* The queue's notify register, or NULL when queue_notify_off puts it outside the notify
 * structure. The queue must be selected. */
volatile uint16_t *virtio_pci_queue_notify(const struct virtio_pci *v);

/* Program the selected queue: its size, MSI-X vector, ring addresses, then enable it.
 * Returns false if the device refuses the vector (reads back another). */
bool virtio_pci_queue_setup(const struct virtio_pci *v, uint16_t size, uint16_t msix_vector,
                            uint64_t desc, uint64_t avail, uint64_t used);

/* Set the configuration-change MSI-X vector; false if the device refuses it. */
bool virtio_pci_config_vector(const struct virtio_pci *v, uint16_t msix_vector);

/* Copy `n` bytes of device configuration from `offset`, consistently (the generation
 * counter is the same before and after; a few tries, then false). */
bool virtio_pci_read_config(const struct virtio_pci *v, uint32_t offset, uint8_t *out, uint32_t n);

/* Read (and so clear) the ISR status byte. */
uint8_t virtio_pci_isr(const struct virtio_pci *v);

#endif /* BASTION_VIRTIO_TRANSPORT_H */
