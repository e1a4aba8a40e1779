/*
 * A guest driving the VMM's virtio devices for the host tests (test_virtio.c,
 * test_virtio_net.c): a machine with 1 MiB of guest RAM, port exits made as Linux makes
 * them (each through vmm_dispatch, its action kept in `last` and the last report of any
 * access in `reported`), PCI configuration accesses by mechanism #1, register accesses in
 * one device's I/O BAR, and the driver's side of a legacy 64-entry split virtqueue laid
 * out at a queue's page `q` (a guest-physical address): descriptors, the available ring,
 * the used ring on the next page.
 */
#ifndef VMM_TESTS_VIRTIO_GUEST_H
#define VMM_TESTS_VIRTIO_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <vmm/machine.h>

#define VG_RAM_SIZE (1u << 20)

struct virtio_guest {
    struct vmm_machine m;
    uint8_t *ram; /* VG_RAM_SIZE bytes, the caller's (calloc) */
    unsigned bar; /* the I/O BAR of the device vg_reg_read and vg_reg_write reach */
    struct vmm_action last;
    char reported[VMM_ERROR_MAX];
};

/* A fresh machine on g->ram, cleared. */
void vg_fresh(struct virtio_guest *g);
/* A fresh machine with no guest RAM attached (the tiny guests' VMM). */
void vg_fresh_without_ram(struct virtio_guest *g);
/* A port exit; what an IN read (rax after the exit). */
uint64_t vg_port_io(struct virtio_guest *g, unsigned port, unsigned size, bool in, uint32_t value);
/* PCI configuration register `reg` of device `dev` on bus 0. */
uint32_t vg_cfg_read(struct virtio_guest *g, unsigned dev, unsigned reg, unsigned size);
void vg_cfg_write(struct virtio_guest *g, unsigned dev, unsigned reg, unsigned size,
                  uint32_t value);
/* The register at `off` in g->bar. */
uint32_t vg_reg_read(struct virtio_guest *g, unsigned off, unsigned size);
void vg_reg_write(struct virtio_guest *g, unsigned off, unsigned size, uint32_t value);

#define VG_DESC(q, i) ((q) + 16u * (i))
#define VG_AVAIL(q)   ((q) + 16u * VMM_VQ_SIZE)
#define VG_USED(q)    ((q) + 4096u)

/* Descriptor i of the queue at q. */
void vg_set_desc(uint8_t *ram, uint32_t q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                 uint16_t next);
/* Offer the chain at `head` in the available ring and advance its index. */
void vg_make_available(uint8_t *ram, uint32_t q, uint16_t head);
/* The used ring's index. */
uint16_t vg_used_idx(const uint8_t *ram, uint32_t q);
/* Word `word` (0: the head, 1: bytes written) of used ring entry `slot`. */
uint32_t vg_used_word(const uint8_t *ram, uint32_t q, unsigned slot, unsigned word);

#endif
