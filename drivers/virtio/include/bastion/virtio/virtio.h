/*
 * Virtio 1.x (the "modern" interface), the device-independent part every virtio driver
 * uses: PCI identification by device type, the PCI transport's vendor capabilities and
 * common configuration registers, device status and the transport feature bits, and the
 * split virtqueue's shared structures. Each device class adds its own header beside its
 * driver (drivers/net/virtio/virtio_net.h, drivers/blk/virtio/virtio_blk.h). Written from
 * the OASIS virtio 1.x specification ("Virtio Over PCI Bus", "Split Virtqueues"). Every
 * structure the device shares is little-endian, which x86_64 is; each layout is pinned by
 * _Static_assert.
 *
 * Freestanding C11: only compiler headers.
 */
#ifndef BASTION_VIRTIO_VIRTIO_H
#define BASTION_VIRTIO_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

/* ---- PCI identification -------------------------------------------------------------- */

#define VIRTIO_PCI_VENDOR        0x1af4u
#define VIRTIO_PCI_DEVICE_MODERN 0x1040u /* + the device type: a modern-only device */
#define VIRTIO_PCI_DEVICE_TRANS  0x1000u /* + the device type - 1: a transitional one */
#define VIRTIO_PCI_CAP_VENDOR    0x09u   /* PCI capability id: vendor specific */

/* Device types ("Device Types"). A transitional device's PCI device id is 0x1000 + type -
 * 1 and its subsystem device id is the type; a modern device's id is 0x1040 + type. */
enum virtio_device_type {
    VIRTIO_DEVICE_NET = 1,   /* ids 0x1000, 0x1041 */
    VIRTIO_DEVICE_BLOCK = 2, /* ids 0x1001, 0x1042 */
};

/* Configuration-space registers the driver reads. */
#define PCI_REG_ID        0x00u
#define PCI_REG_STATUS    0x06u
#define PCI_REG_SUBSYSTEM 0x2cu
#define PCI_REG_CAP_PTR   0x34u
#define PCI_STATUS_CAPS   (1u << 4)
#define PCI_CONFIG_BYTES  256u /* what every driver's configuration page holds */

/* ---- The PCI capabilities that locate the virtio structures -------------------------- */

/* cfg_type of struct virtio_pci_cap */
enum virtio_pci_cap_type {
    VIRTIO_PCI_CAP_COMMON = 1,
    VIRTIO_PCI_CAP_NOTIFY = 2,
    VIRTIO_PCI_CAP_ISR = 3,
    VIRTIO_PCI_CAP_DEVICE = 4,
    VIRTIO_PCI_CAP_TYPES, /* the four the driver needs are 1 to 4 */
};

struct virtio_pci_cap {
    uint8_t cap_vndr; /* VIRTIO_PCI_CAP_VENDOR */
    uint8_t cap_next;
    uint8_t cap_len;
    uint8_t cfg_type; /* enum virtio_pci_cap_type, or another (skipped) */
    uint8_t bar;      /* 0 to 5; others are reserved (skipped) */
    uint8_t id;
    uint8_t padding[2];
    uint32_t offset; /* into the BAR */
    uint32_t length;
};
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap");
_Static_assert(offsetof(struct virtio_pci_cap, offset) == 8, "virtio_pci_cap.offset");

/* The notify capability adds the multiplier after the common part. */
#define VIRTIO_PCI_NOTIFY_MULTIPLIER 16u
#define VIRTIO_PCI_NOTIFY_CAP_LEN    20u

/* ---- Common configuration (struct virtio_pci_common_cfg) ----------------------------- */

#define VIRTIO_COMMON_DFSELECT      0x00u /* le32 device_feature_select */
#define VIRTIO_COMMON_DF            0x04u /* le32 device_feature */
#define VIRTIO_COMMON_GFSELECT      0x08u /* le32 driver_feature_select */
#define VIRTIO_COMMON_GF            0x0cu /* le32 driver_feature */
#define VIRTIO_COMMON_MSIX          0x10u /* le16 config_msix_vector */
#define VIRTIO_COMMON_NUMQ          0x12u /* le16 num_queues */
#define VIRTIO_COMMON_STATUS        0x14u /* u8 device_status */
#define VIRTIO_COMMON_CFGGENERATION 0x15u /* u8 config_generation */
#define VIRTIO_COMMON_Q_SELECT      0x16u /* le16 queue_select */
#define VIRTIO_COMMON_Q_SIZE        0x18u /* le16 queue_size */
#define VIRTIO_COMMON_Q_MSIX        0x1au /* le16 queue_msix_vector */
#define VIRTIO_COMMON_Q_ENABLE      0x1cu /* le16 queue_enable */
#define VIRTIO_COMMON_Q_NOFF        0x1eu /* le16 queue_notify_off */
#define VIRTIO_COMMON_Q_DESCLO      0x20u /* le64 queue_desc */
#define VIRTIO_COMMON_Q_DESCHI      0x24u
#define VIRTIO_COMMON_Q_AVAILLO     0x28u /* le64 queue_driver */
#define VIRTIO_COMMON_Q_AVAILHI     0x2cu
#define VIRTIO_COMMON_Q_USEDLO      0x30u /* le64 queue_device */
#define VIRTIO_COMMON_Q_USEDHI      0x34u
#define VIRTIO_COMMON_BYTES         0x38u /* the virtio 1.0 structure */

#define VIRTIO_MSI_NO_VECTOR 0xffffu

/* device_status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE        1u
#define VIRTIO_STATUS_DRIVER             2u
#define VIRTIO_STATUS_DRIVER_OK          4u
#define VIRTIO_STATUS_FEATURES_OK        8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED             128u

/* ISR status bits (reading the byte clears it) */
#define VIRTIO_ISR_QUEUE  1u
#define VIRTIO_ISR_CONFIG 2u

/* Transport feature bits (device-specific ones are in each device's header). */
#define VIRTIO_F_VERSION_1       (UINT64_C(1) << 32)
/* The device's DMA goes through the platform's IOMMU (QEMU: iommu_platform=on); offered
 * only then. A driver accepts it: with Bastion's identity I/O mappings its device
 * addresses stay physical addresses (docs/drivers.md, "DMA and the IOMMU"). */
#define VIRTIO_F_ACCESS_PLATFORM (UINT64_C(1) << 33)

/* ---- Split virtqueues ---------------------------------------------------------------- */

#define VIRTQ_DESC_F_NEXT  1u
#define VIRTQ_DESC_F_WRITE 2u /* the device writes this buffer (else reads it) */

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u /* driver to device: do not interrupt me */
#define VIRTQ_USED_F_NO_NOTIFY     1u /* device to driver: do not kick me */

struct virtq_desc {
    uint64_t addr; /* device (physical) address */
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc");

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;    /* where the driver puts the next entry, free running */
    uint16_t ring[]; /* queue size entries: heads of descriptor chains; then used_event */
};
_Static_assert(sizeof(struct virtq_avail) == 4, "virtq_avail header");

struct virtq_used_elem {
    uint32_t id;  /* head of the chain the device is done with */
    uint32_t len; /* bytes the device wrote into the chain */
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem");

struct virtq_used {
    uint16_t flags;
    uint16_t idx;                  /* where the device puts the next entry, free running */
    struct virtq_used_elem ring[]; /* queue size entries; then avail_event */
};
_Static_assert(sizeof(struct virtq_used) == 4, "virtq_used header");

/* Bytes of each part for a queue of `size` descriptors (the event words included). */
#define VIRTQ_DESC_BYTES(size)  ((size_t)(size) * sizeof(struct virtq_desc))
#define VIRTQ_AVAIL_BYTES(size) (sizeof(struct virtq_avail) + (size_t)(size)*2 + 2)
#define VIRTQ_USED_BYTES(size)                                                                     \
    (sizeof(struct virtq_used) + (size_t)(size) * sizeof(struct virtq_used_elem) + 2)

#endif /* BASTION_VIRTIO_VIRTIO_H */
