/* A guest driving the VMM's virtio devices for the host tests (virtio_guest.h). */
#include <string.h>
#include <vmm/bytes.h>

#include "virtio_guest.h"

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)leaf, (void)subleaf;
    out[0] = out[1] = out[2] = out[3] = 0;
}

void vg_fresh(struct virtio_guest *g)
{
    vmm_machine_init(&g->m, host_cpuid, 1000000);
    memset(g->ram, 0, VG_RAM_SIZE);
    vmm_machine_attach_ram(&g->m, g->ram, VG_RAM_SIZE);
}

void vg_fresh_without_ram(struct virtio_guest *g)
{
    vmm_machine_init(&g->m, host_cpuid, 1000000);
}

uint64_t vg_port_io(struct virtio_guest *g, unsigned port, unsigned size, bool in, uint32_t value)
{
    struct bst_vm_exit_msg e = {.reason = BST_VM_EXIT_IO,
                                .rip = 0x1000,
                                .insn_len = 1,
                                .info0 = port | ((uint64_t)size << 16) | (in ? BST_VM_IO_IN : 0),
                                .rax = value,
                                .flags = 0};
    vmm_dispatch(&g->m, &e, 0, &g->last);
    if (g->last.report.msg[0])
        memcpy(g->reported, g->last.report.msg, sizeof(g->reported));
    return g->last.gprs[0];
}

uint32_t vg_cfg_read(struct virtio_guest *g, unsigned dev, unsigned reg, unsigned size)
{
    vg_port_io(g, 0xcf8, 4, false, 0x80000000u | dev << 11 | (reg & 0xfc));
    return (uint32_t)vg_port_io(g, 0xcfc + (reg & 3), size, true, 0);
}

void vg_cfg_write(struct virtio_guest *g, unsigned dev, unsigned reg, unsigned size, uint32_t value)
{
    vg_port_io(g, 0xcf8, 4, false, 0x80000000u | dev << 11 | (reg & 0xfc));
    vg_port_io(g, 0xcfc + (reg & 3), size, false, value);
}

uint32_t vg_reg_read(struct virtio_guest *g, unsigned off, unsigned size)
{
    return (uint32_t)vg_port_io(g, g->bar + off, size, true, 0);
}

void vg_reg_write(struct virtio_guest *g, unsigned off, unsigned size, uint32_t value)
{
    vg_port_io(g, g->bar + off, size, false, value);
}

void vg_set_desc(uint8_t *ram, uint32_t q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                 uint16_t next)
{
    vmm_le_store(ram + VG_DESC(q, i), 8, addr);
    vmm_le_store(ram + VG_DESC(q, i) + 8, 4, len);
    vmm_le_store(ram + VG_DESC(q, i) + 12, 2, flags);
    vmm_le_store(ram + VG_DESC(q, i) + 14, 2, next);
}

void vg_make_available(uint8_t *ram, uint32_t q, uint16_t head)
{
    uint16_t idx = (uint16_t)vmm_le_load(ram + VG_AVAIL(q) + 2, 2);
    vmm_le_store(ram + VG_AVAIL(q) + 4 + 2 * (idx % VMM_VQ_SIZE), 2, head);
    vmm_le_store(ram + VG_AVAIL(q) + 2, 2, (uint16_t)(idx + 1));
}

uint16_t vg_used_idx(const uint8_t *ram, uint32_t q)
{
    return (uint16_t)vmm_le_load(ram + VG_USED(q) + 2, 2);
}

uint32_t vg_used_word(const uint8_t *ram, uint32_t q, unsigned slot, unsigned word)
{
    return (uint32_t)vmm_le_load(ram + VG_USED(q) + 4 + 8 * slot + 4 * word, 4);
}
