/*
 * The guest's RAM as the VMM sees it: one block at guest-physical 0, mapped in the VMM
 * (the loader writes Linux into it, linux_boot.h; the virtio devices' rings and buffers
 * must lie in it, virtqueue.h).
 */
#ifndef VMM_GUEST_RAM_H
#define VMM_GUEST_RAM_H

#include <stdint.h>

struct vmm_guest_ram {
    uint8_t *base; /* the VMM's mapping of guest-physical 0 (NULL: none) */
    uint64_t size; /* bytes (the loader wants a multiple of 2 MiB) */
};

#endif
