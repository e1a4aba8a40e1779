/*
 * The legacy (virtio 0.9.5, "transitional") virtio-pci transport that every VMM virtio
 * device shares (docs/virtualisation.md): the register block in the device's I/O BAR,
 * the state behind it (features, selected queue, the two queues' addresses, status,
 * ISR), the guest RAM the rings must lie in, and the device's broken state. A device
 * (virtio_console.c, virtio_net.c) embeds one, names its kind (vendor-neutral facts:
 * features offered, the words its problem starts with) and keeps only what is its own:
 * its configuration bytes, what its queues mean, its bytes or frames.
 *
 * Registers (offsets in the BAR; sizes as the legacy interface defines them):
 *   0x00 device features (32, read-only)       0x04 guest features (32; offered bits kept)
 *   0x08 queue page frame number (32)          0x0c queue size (16, read-only)
 *   0x0e queue select (16)                     0x10 queue notify (16, write)
 *   0x12 device status (8; 0 resets)           0x13 ISR status (8, read clears)
 *   0x14 the device's configuration (12 bytes, given by the device at each read)
 * A read of any other width or place reads the bytes of this layout (0xff past it; the
 * ISR is cleared only by a read that covers it); a write of another width or place is
 * ignored.
 *
 * Guarantees: everything the guest wrote is checked before use (virtqueue.h for the
 * rings); any fault makes the device broken: vmm_vl_usable() is false until the guest
 * resets it (status 0), and the reason is reported once (vmm_vl_problem). The guest can
 * hurt only its own device. The INTx line's level is the ISR's queue bit: raised when a
 * chain goes into a used ring and the driver did not ask for no interrupts, lowered by
 * reading the ISR.
 */
#ifndef VMM_VIRTIO_LEGACY_H
#define VMM_VIRTIO_LEGACY_H

#include <stdbool.h>
#include <stdint.h>
#include <vmm/error.h>
#include <vmm/pci_bus.h>
#include <vmm/virtqueue.h>

#define VMM_VL_QUEUES     2u /* both devices: queue 0 receives, queue 1 transmits */
#define VMM_VL_RX         0u
#define VMM_VL_TX         1u
#define VMM_VL_BAR_BYTES  0x20u
#define VMM_VL_CONFIG_MAX (VMM_VL_BAR_BYTES - VMM_VL_CONFIG)

/* Register offsets. */
#define VMM_VL_DEVICE_FEATURES 0x00u
#define VMM_VL_GUEST_FEATURES  0x04u
#define VMM_VL_QUEUE_PFN       0x08u
#define VMM_VL_QUEUE_SIZE_REG  0x0cu
#define VMM_VL_QUEUE_SELECT    0x0eu
#define VMM_VL_QUEUE_NOTIFY    0x10u
#define VMM_VL_STATUS          0x12u
#define VMM_VL_ISR             0x13u
#define VMM_VL_CONFIG          0x14u

#define VMM_VL_STATUS_DRIVER_OK 4u
#define VMM_VL_ISR_QUEUE        1u

/* A transitional virtio device's PCI identity: Red Hat's vendor ID, the transitional
 * device ID, the virtio type as subsystem, and the class. */
#define VMM_VL_PCI_IDENTITY(pci_device, virtio_type, class)                                        \
    {                                                                                              \
        .vendor = 0x1af4, .device = (pci_device), .subsystem_vendor = 0x1af4,                      \
        .subsystem = (virtio_type), .class_code = (class), .revision = 0,                          \
    }

/* What differs between devices in the transport: the features offered and the words
 * the device's problem report starts with. */
struct vmm_vl_kind {
    uint32_t device_features;
    const char *broken_prefix; /* e.g. "virtio-net broken until reset: " */
};

struct vmm_virtio_legacy {
    const struct vmm_vl_kind *kind;
    struct vmm_guest_ram ram;
    uint32_t guest_features;
    uint16_t queue_select;
    uint8_t status, isr;
    struct vmm_vq queue[VMM_VL_QUEUES];
    bool broken, problem_new;
    struct vmm_error problem;
    uint64_t notifies;
};

/* What a register write asks of the device beyond the transport's own state. */
enum vmm_vl_write_effect {
    VMM_VL_WRITTEN, /* nothing more */
    VMM_VL_RESET,   /* status 0: the device must reset itself (and this transport) */
    VMM_VL_NOTIFY,  /* the queue in the written value was notified */
};

/* The transport after reset: everything zero, of this kind, on this guest RAM. */
void vmm_vl_init(struct vmm_virtio_legacy *t, const struct vmm_vl_kind *kind,
                 struct vmm_guest_ram ram);
/* The guest RAM the rings and buffers must lie in (none when ram is NULL). */
void vmm_vl_attach_ram(struct vmm_virtio_legacy *t, uint8_t *ram, uint64_t size);

/* A register read at `offset`, of size 1, 2 or 4; `config` holds the device's
 * VMM_VL_CONFIG_MAX configuration bytes. Reading the ISR clears it. */
uint32_t vmm_vl_read(struct vmm_virtio_legacy *t, unsigned offset, unsigned size,
                     const uint8_t config[VMM_VL_CONFIG_MAX]);
/* A register write; what the device must do about it. */
enum vmm_vl_write_effect vmm_vl_write(struct vmm_virtio_legacy *t, unsigned offset, unsigned size,
                                      uint32_t value);

/* The device is broken from now until reset; the first reason is kept and reported. */
void vmm_vl_broken(struct vmm_virtio_legacy *t, const char *why, uint64_t value);
/* Queue q may be used now: the driver ready, the queue set up, not broken. */
bool vmm_vl_usable(const struct vmm_virtio_legacy *t, unsigned q);
/* Take the next chain of queue q: true with *c, false when none or the device broke. */
bool vmm_vl_pop(struct vmm_virtio_legacy *t, unsigned q, struct vmm_vq_chain *c);
/* The chain `head` is done, `written` bytes written into it: into the used ring, and the
 * interrupt raised unless the driver asked for none. */
void vmm_vl_push(struct vmm_virtio_legacy *t, unsigned q, unsigned head, uint32_t written);

/* The INTx line's level. */
bool vmm_vl_irq(const struct vmm_virtio_legacy *t);
/* The device became broken since the last call: why (NULL otherwise). */
const char *vmm_vl_problem(struct vmm_virtio_legacy *t);

#endif
