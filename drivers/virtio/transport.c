/*
 * The virtio PCI transport (transport.h): finding the structures through the vendor
 * capabilities, and the common configuration registers. Register accesses are volatile
 * and of the field's own width, as the specification requires; 64-bit queue addresses
 * are written as two 32-bit halves, which it allows.
 */
#include <bastion/virtio/transport.h>

#define CAP_LIST_FIRST 0x40u /* capabilities follow the standard header */
#define CAP_LIST_STEPS 48u
#define RESET_POLLS    1000000u
#define CONFIG_TRIES   8u

const char *virtio_pci_status_name(enum virtio_pci_status s)
{
    switch (s) {
    case VIRTIO_PCI_OK:
        return "ok";
    case VIRTIO_PCI_WRONG_DEVICE:
        return "not a virtio device of the driver's type";
    case VIRTIO_PCI_NO_CAPS:
        return "no PCI capability list";
    case VIRTIO_PCI_NO_COMMON:
        return "no usable common configuration capability (a mapped BAR holding it whole)";
    case VIRTIO_PCI_NO_NOTIFY:
        return "no usable notification capability (a mapped BAR holding it whole)";
    case VIRTIO_PCI_NO_ISR:
        return "no usable ISR capability (a mapped BAR holding it whole)";
    case VIRTIO_PCI_NO_DEVICE:
        return "no usable device configuration capability (a mapped BAR holding it whole)";
    }
    return "?";
}

static uint8_t config8(const volatile uint8_t *config, uint32_t off)
{
    return config[off];
}

static uint16_t config16(const volatile uint8_t *config, uint32_t off)
{
    return (uint16_t)(config[off] | config[off + 1] << 8);
}

static uint32_t config32(const volatile uint8_t *config, uint32_t off)
{
    return (uint32_t)config16(config, off) | (uint32_t)config16(config, off + 2) << 16;
}

/* Whether the function is a virtio device of `type`: the modern id, or the transitional id
 * with the type as its subsystem device id. */
static bool is_virtio_type(const volatile uint8_t *config, enum virtio_device_type type,
                           uint16_t *device_id)
{
    uint16_t vendor = config16(config, PCI_REG_ID), device = config16(config, PCI_REG_ID + 2);
    *device_id = device;
    if (vendor != VIRTIO_PCI_VENDOR)
        return false;
    if (device == VIRTIO_PCI_DEVICE_MODERN + (uint32_t)type)
        return true;
    return device == VIRTIO_PCI_DEVICE_TRANS + (uint32_t)type - 1 &&
           config16(config, PCI_REG_SUBSYSTEM + 2) == (uint32_t)type;
}

/* Bytes a structure of this type must have for what the driver reads of it. */
static uint32_t least_length(unsigned type, uint32_t device_config_bytes)
{
    switch (type) {
    case VIRTIO_PCI_CAP_COMMON:
        return VIRTIO_COMMON_BYTES;
    case VIRTIO_PCI_CAP_NOTIFY:
        return 2;
    case VIRTIO_PCI_CAP_ISR:
        return 1;
    default:
        return device_config_bytes;
    }
}

/* The capability at `at` as a structure in a mapped BAR, or NULL when it is unusable. */
static volatile uint8_t *cap_structure(const volatile uint8_t *config, uint32_t at,
                                       const uintptr_t bars[VIRTIO_BAR_COUNT],
                                       uint32_t device_config_bytes, uint32_t *length)
{
    uint32_t cap_len = config8(config, at + 2), type = config8(config, at + 3);
    uint32_t bar = config8(config, at + 4);
    uint32_t need = type == VIRTIO_PCI_CAP_NOTIFY ? VIRTIO_PCI_NOTIFY_CAP_LEN
                                                  : (uint32_t)sizeof(struct virtio_pci_cap);
    if (cap_len < need || at + need > PCI_CONFIG_BYTES || bar >= VIRTIO_BAR_COUNT || bars[bar] == 0)
        return NULL;
    uint32_t offset = config32(config, at + 8);
    *length = config32(config, at + 12);
    if (offset > VIRTIO_BAR_MAP_BYTES || *length > VIRTIO_BAR_MAP_BYTES - offset ||
        *length < least_length(type, device_config_bytes))
        return NULL;
    return (volatile uint8_t *)(bars[bar] + offset);
}

enum virtio_pci_status virtio_pci_find(const volatile uint8_t *config,
                                       const uintptr_t bars[VIRTIO_BAR_COUNT],
                                       struct virtio_pci_want want, struct virtio_pci *out)
{
    struct virtio_pci v = {0};
    if (!is_virtio_type(config, want.type, &v.device_id))
        return VIRTIO_PCI_WRONG_DEVICE;
    if (!(config16(config, PCI_REG_STATUS) & PCI_STATUS_CAPS))
        return VIRTIO_PCI_NO_CAPS;
    uint32_t at = config8(config, PCI_REG_CAP_PTR) & 0xfcu;
    for (uint32_t steps = 0; steps < CAP_LIST_STEPS && at >= CAP_LIST_FIRST &&
                             at + sizeof(struct virtio_pci_cap) <= PCI_CONFIG_BYTES;
         steps++) {
        uint32_t type = config8(config, at + 3), length = 0;
        volatile uint8_t *s = NULL;
        if (config8(config, at) == VIRTIO_PCI_CAP_VENDOR && type >= VIRTIO_PCI_CAP_COMMON &&
            type < VIRTIO_PCI_CAP_TYPES)
            s = cap_structure(config, at, bars, want.device_config_bytes, &length);
        if (s != NULL && type == VIRTIO_PCI_CAP_COMMON && v.common == NULL)
            v.common = s;
        if (s != NULL && type == VIRTIO_PCI_CAP_NOTIFY && v.notify == NULL) {
            v.notify = s;
            v.notify_length = length;
            v.notify_multiplier = config32(config, at + VIRTIO_PCI_NOTIFY_MULTIPLIER);
        }
        if (s != NULL && type == VIRTIO_PCI_CAP_ISR && v.isr == NULL)
            v.isr = s;
        if (s != NULL && type == VIRTIO_PCI_CAP_DEVICE && v.device == NULL)
            v.device = s;
        at = config8(config, at + 1) & 0xfcu;
    }
    if (v.common == NULL)
        return VIRTIO_PCI_NO_COMMON;
    if (v.notify == NULL)
        return VIRTIO_PCI_NO_NOTIFY;
    if (v.isr == NULL)
        return VIRTIO_PCI_NO_ISR;
    if (v.device == NULL)
        return VIRTIO_PCI_NO_DEVICE;
    *out = v;
    return VIRTIO_PCI_OK;
}

/* ---- Registers ------------------------------------------------------------------------ */

static volatile uint8_t *reg8(const struct virtio_pci *v, uint32_t off)
{
    return v->common + off;
}

static volatile uint16_t *reg16(const struct virtio_pci *v, uint32_t off)
{
    return (volatile uint16_t *)(v->common + off);
}

static volatile uint32_t *reg32(const struct virtio_pci *v, uint32_t off)
{
    return (volatile uint32_t *)(v->common + off);
}

uint8_t virtio_pci_status(const struct virtio_pci *v)
{
    return *reg8(v, VIRTIO_COMMON_STATUS);
}

void virtio_pci_set_status(const struct virtio_pci *v, uint8_t status)
{
    *reg8(v, VIRTIO_COMMON_STATUS) = status;
}

bool virtio_pci_reset(const struct virtio_pci *v)
{
    virtio_pci_set_status(v, 0);
    for (uint32_t polls = 0; polls < RESET_POLLS; polls++)
        if (virtio_pci_status(v) == 0)
            return true;
    return false;
}

uint64_t virtio_pci_device_features(const struct virtio_pci *v)
{
    *reg32(v, VIRTIO_COMMON_DFSELECT) = 0;
    uint64_t low = *reg32(v, VIRTIO_COMMON_DF);
    *reg32(v, VIRTIO_COMMON_DFSELECT) = 1;
    uint64_t high = *reg32(v, VIRTIO_COMMON_DF);
    return high << 32 | low;
}

void virtio_pci_set_driver_features(const struct virtio_pci *v, uint64_t features)
{
    *reg32(v, VIRTIO_COMMON_GFSELECT) = 0;
    *reg32(v, VIRTIO_COMMON_GF) = (uint32_t)features;
    *reg32(v, VIRTIO_COMMON_GFSELECT) = 1;
    *reg32(v, VIRTIO_COMMON_GF) = (uint32_t)(features >> 32);
}

uint16_t virtio_pci_num_queues(const struct virtio_pci *v)
{
    return *reg16(v, VIRTIO_COMMON_NUMQ);
}

uint16_t virtio_pci_queue_max(const struct virtio_pci *v, uint16_t index)
{
    *reg16(v, VIRTIO_COMMON_Q_SELECT) = index;
    return *reg16(v, VIRTIO_COMMON_Q_SIZE);
}

volatile uint16_t *virtio_pci_queue_notify(const struct virtio_pci *v)
{
    uint64_t at = (uint64_t)*reg16(v, VIRTIO_COMMON_Q_NOFF) * v->notify_multiplier;
    if (at > v->notify_length || v->notify_length - at < 2 || at % 2 != 0)
        return NULL;
    return (volatile uint16_t *)(v->notify + at);
}

bool virtio_pci_queue_setup(const struct virtio_pci *v, uint16_t size, uint16_t msix_vector,
                            uint64_t desc, uint64_t avail, uint64_t used)
{
    *reg16(v, VIRTIO_COMMON_Q_SIZE) = size;
    *reg16(v, VIRTIO_COMMON_Q_MSIX) = msix_vector;
    if (*reg16(v, VIRTIO_COMMON_Q_MSIX) != msix_vector)
        return false;
    *reg32(v, VIRTIO_COMMON_Q_DESCLO) = (uint32_t)desc;
    *reg32(v, VIRTIO_COMMON_Q_DESCHI) = (uint32_t)(desc >> 32);
    *reg32(v, VIRTIO_COMMON_Q_AVAILLO) = (uint32_t)avail;
    *reg32(v, VIRTIO_COMMON_Q_AVAILHI) = (uint32_t)(avail >> 32);
    *reg32(v, VIRTIO_COMMON_Q_USEDLO) = (uint32_t)used;
    *reg32(v, VIRTIO_COMMON_Q_USEDHI) = (uint32_t)(used >> 32);
    *reg16(v, VIRTIO_COMMON_Q_ENABLE) = 1;
    return true;
}

bool virtio_pci_config_vector(const struct virtio_pci *v, uint16_t msix_vector)
{
    *reg16(v, VIRTIO_COMMON_MSIX) = msix_vector;
    return *reg16(v, VIRTIO_COMMON_MSIX) == msix_vector;
}

bool virtio_pci_read_config(const struct virtio_pci *v, uint32_t offset, uint8_t *out, uint32_t n)
{
    for (uint32_t tries = 0; tries < CONFIG_TRIES; tries++) {
        uint8_t before = *reg8(v, VIRTIO_COMMON_CFGGENERATION);
        for (uint32_t i = 0; i < n; i++)
            out[i] = v->device[offset + i];
        if (*reg8(v, VIRTIO_COMMON_CFGGENERATION) == before)
            return true;
    }
    return false;
}

uint8_t virtio_pci_isr(const struct virtio_pci *v)
{
    return *v->isr;
}
