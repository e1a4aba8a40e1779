/*
 * One legacy split virtqueue in guest RAM (docs/virtualisation.md, "The virtio-net
 * device"), as the device side sees it: the rings laid out from a page frame number as
 * the legacy interface says (descriptors, the available ring after them, the used ring
 * at the next 4 KiB boundary), chains taken from the available ring and given back in
 * the used ring.
 *
 * Everything the guest wrote is an allegation: each ring field is read once and checked
 * before use. A ring outside guest RAM, a chain head or descriptor index outside the
 * queue, a chain longer than the queue, an indirect descriptor (not offered), a buffer
 * outside guest RAM, or an available index running more than the queue size ahead is a
 * fault: the call says why (struct vmm_vq_fault) and the device that owns the queue
 * goes broken until the guest resets it. Nothing here can touch memory outside the RAM
 * it was given.
 */
#ifndef VMM_VIRTQUEUE_H
#define VMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <vmm/guest_ram.h>

#define VMM_VQ_SIZE 64u /* descriptors per queue (the queue size register reads this) */

struct vmm_vq {
    uint32_t pfn;        /* 0: not set up */
    uint16_t last_avail; /* the next available entry the device takes */
    uint16_t used_idx;   /* the device's used index */
};

struct vmm_vq_buffer {
    uint64_t addr; /* guest-physical, checked inside guest RAM */
    uint32_t len;
    bool device_writes;
};

/* One chain taken from the available ring, every buffer checked. */
struct vmm_vq_chain {
    unsigned head;
    unsigned count;
    struct vmm_vq_buffer buf[VMM_VQ_SIZE];
};

/* Why the guest's queue is wrong: a fixed text and the value at fault. */
struct vmm_vq_fault {
    const char *why;
    uint64_t value;
};

enum vmm_vq_result { VMM_VQ_CHAIN, VMM_VQ_EMPTY, VMM_VQ_FAULT };

/* Whether [gpa, gpa + len) lies in guest RAM. */
bool vmm_guest_ram_holds(const struct vmm_guest_ram *ram, uint64_t gpa, uint64_t len);

/* The guest wrote pfn to the queue's page frame register: the queue starts afresh there
 * (0 takes it down). False, with *fault, when its rings do not lie in guest RAM. */
bool vmm_vq_set_pfn(struct vmm_vq *q, const struct vmm_guest_ram *ram, uint32_t pfn,
                    struct vmm_vq_fault *fault);

/* Take the next available chain into *c: VMM_VQ_CHAIN, VMM_VQ_EMPTY (none), or
 * VMM_VQ_FAULT with *fault (nothing taken). The queue must be set up (pfn != 0). */
enum vmm_vq_result vmm_vq_pop(struct vmm_vq *q, const struct vmm_guest_ram *ram,
                              struct vmm_vq_chain *c, struct vmm_vq_fault *fault);

/* Give chain `head` back in the used ring with `written` bytes written into it; true
 * when the driver wants an interrupt for it (it did not set the no-interrupt flag). */
bool vmm_vq_push(struct vmm_vq *q, const struct vmm_guest_ram *ram, unsigned head,
                 uint32_t written);

#endif
