/*
 * Giving PCI functions to PDs. For each <pci_device> of a PD, init checks that a function
 * is there, turns on memory decoding and bus mastering (the device may do DMA), maps
 * each <bar> (address read from configuration space; refused when the BAR is absent, an
 * I/O BAR, unassigned, or smaller than the declared size) with the declared rights and
 * caching, and maps the function's configuration space at BASTION_PCI_CONFIG_VADDR + k *
 * 4 KiB: with ECAM its page, read-write; with the legacy mechanism a read-only snapshot.
 * The page tables for that address are not in the spec (the tool does not count them):
 * init makes them from its own untyped memory.
 *
 * An <irq pci=...> is an MSI: a vector from the kernel (IRQ_CONTROL_GET_MSI), written
 * with its address into the function's MSI capability, which init enables (one message:
 * only vector 0; MSI-X is not supported). INTx is disabled then. Without an IOMMU a PD
 * that owns a bus-mastering device can reach any memory through it, and one with ECAM
 * access can reprogram the message (any vector): such a PD is trusted that far.
 */
#include "device.h"

#include <libbastion/cnode.h>
#include <libbastion/device.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define REG_COMMAND           0x04
#define COMMAND_MEMORY        (1u << 1)
#define COMMAND_BUS_MASTER    (1u << 2)
#define COMMAND_INTX_DISABLE  (1u << 10)
#define CAP_MSI               0x05
#define MSI_CONTROL           2
#define MSI_ADDRESS           4
#define MSI_CONTROL_ENABLE    (1u << 0)
#define MSI_CONTROL_MME       (7u << 4)
#define MSI_CONTROL_64BIT     (1u << 7)
#define MSI_CONTROL_MASKABLE  (1u << 8)
#define CONFIG_SNAPSHOT_BYTES 256

static const char *pd_name(uint32_t p)
{
    return spec_string(&the_spec, the_spec.pds[p].name);
}

static struct pci_address address_of(const struct bastion_spec_pci_device *d)
{
    return (struct pci_address){d->bus, d->dev, d->fn};
}

#define ADDR_FMT          "%02x:%02x.%x"
#define ADDR_ARGS(d)      (d)->bus, (d)->dev, (d)->fn
#define DEVICE_FMT        "PD '%s': <pci_device address=\"" ADDR_FMT "\">"
#define DEVICE_ARGS(p, d) pd_name(p), ADDR_ARGS(d)

static void map_page(uint32_t p, struct table_pool *pool, uint64_t frame, uint64_t vaddr,
                     unsigned rights, unsigned attrs, const char *what)
{
    bst_error_t e =
        vs_map(object_slot(the_spec.pds[p].vspace, 0), pool, frame, 12, vaddr, rights, attrs);
    if (e != BST_OK)
        init_fatal("PD '%s': cannot map %s at 0x%lx: %s", pd_name(p), what, (unsigned long)vaddr,
                   bst_error_name(e));
}

static void map_bar(uint32_t p, const struct bastion_spec_pci_device *d,
                    const struct bastion_spec_bar *b)
{
    struct pci_bar bar;
    if (!pci_bar_read(address_of(d), b->index, &bar))
        init_fatal(DEVICE_FMT ": BAR %u is absent", DEVICE_ARGS(p, d), b->index);
    if (bar.io)
        init_fatal(DEVICE_FMT ": BAR %u is an I/O BAR (ports 0x%lx-0x%lx): give its ports with "
                              "<ioport>",
                   DEVICE_ARGS(p, d), b->index, (unsigned long)bar.base,
                   (unsigned long)(bar.base + bar.size - 1));
    if (bar.base == 0 || bar.base % BASTION_PAGE_SIZE)
        init_fatal(DEVICE_FMT ": BAR %u is at 0x%lx: not assigned, or not page aligned",
                   DEVICE_ARGS(p, d), b->index, (unsigned long)bar.base);
    if (bar.size < b->size)
        init_fatal(DEVICE_FMT ": BAR %u is 0x%lx bytes, smaller than the declared size 0x%lx",
                   DEVICE_ARGS(p, d), b->index, (unsigned long)bar.size, (unsigned long)b->size);
    unsigned rights = BST_RIGHT_READ | (b->perms & BASTION_PERM_W ? BST_RIGHT_WRITE : 0);
    unsigned attrs = (b->perms & BASTION_PERM_X ? BST_MAP_EXECUTABLE : 0) |
                     (b->cached ? BST_CACHE_WB : BST_CACHE_UC);
    for (uint64_t off = 0; off < b->size; off += BASTION_PAGE_SIZE) {
        uint64_t frame = devmem_frame(bar.base + off, 12);
        if (frame == 0)
            init_fatal(DEVICE_FMT ": BAR %u page 0x%lx is not device memory the kernel handed "
                                  "over",
                       DEVICE_ARGS(p, d), b->index, (unsigned long)(bar.base + off));
        map_page(p, &pd_states[p].tables, frame, b->vaddr + off, rights, attrs, "a BAR");
    }
    bst_printf("init: " DEVICE_FMT ": BAR %u (0x%lx bytes at 0x%lx) at 0x%lx\n", DEVICE_ARGS(p, d),
               b->index, (unsigned long)bar.size, (unsigned long)bar.base, (unsigned long)b->vaddr);
}

/* A RAM page holding the first 256 bytes of configuration space, as they are now. */
static uint64_t config_snapshot(const struct bastion_spec_pci_device *d)
{
    uint64_t frame = slot_alloc(1);
    if (frame == 0 || untyped_alloc(BST_OBJ_FRAME_4K, 0, frame, 1) != BST_OK)
        init_fatal("out of memory for a copy of PCI " ADDR_FMT "'s configuration space",
                   ADDR_ARGS(d));
    uint32_t *words = scratch_map(frame, 12);
    for (unsigned off = 0; off < CONFIG_SNAPSHOT_BYTES; off += 4)
        words[off / 4] = pci_read32(address_of(d), off);
    scratch_unmap();
    return frame;
}

static void map_config(uint32_t p, const struct bastion_spec_pci_device *d, unsigned k)
{
    static struct table_pool extra = {.own = true}; /* tables the spec does not count */
    uint64_t vaddr = BASTION_PCI_CONFIG_VADDR + k * BASTION_PAGE_SIZE;
    uint64_t frame =
        pci_is_ecam() ? devmem_frame(pci_ecam_page(address_of(d)), 12) : config_snapshot(d);
    if (frame == 0)
        init_fatal(DEVICE_FMT ": its ECAM page is not device memory", DEVICE_ARGS(p, d));
    unsigned rights = pci_is_ecam() ? BST_RIGHTS_RW : BST_RIGHT_READ;
    map_page(p, &extra, frame, vaddr, rights, BST_CACHE_UC, "PCI configuration space");
    bst_printf("init: " DEVICE_FMT ": configuration space at 0x%lx (%s)\n", DEVICE_ARGS(p, d),
               (unsigned long)vaddr, pci_is_ecam() ? "ECAM page" : "read-only copy");
}

void pci_give_devices(uint32_t p)
{
    const struct spec *s = &the_spec;
    unsigned k = 0;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_PCI_DEVICES]; i++) {
        const struct bastion_spec_pci_device *d = &s->pci_devices[i];
        if (d->pd != p)
            continue;
        struct pci_address a = address_of(d);
        uint32_t id = pci_read32(a, 0);
        if ((id & 0xffff) == 0xffff)
            init_fatal(DEVICE_FMT ": no PCI function there", DEVICE_ARGS(p, d));
        pci_write16(a, REG_COMMAND,
                    (uint16_t)(pci_read16(a, REG_COMMAND) | COMMAND_MEMORY | COMMAND_BUS_MASTER));
        bst_printf("init: " DEVICE_FMT ": %04x:%04x\n", DEVICE_ARGS(p, d), id & 0xffff, id >> 16);
        for (uint32_t j = 0; j < s->n[BASTION_TABLE_BARS]; j++)
            if (s->bars[j].device == i)
                map_bar(p, d, &s->bars[j]);
        map_config(p, d, k++);
    }
}

static const struct bastion_spec_pci_device *device_of(uint32_t p,
                                                       const struct bastion_spec_irq *irq)
{
    const struct spec *s = &the_spec;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_PCI_DEVICES]; i++) {
        const struct bastion_spec_pci_device *d = &s->pci_devices[i];
        if (d->pd == p && d->bus == irq->bus && d->dev == irq->dev && d->fn == irq->fn)
            return d;
    }
    init_fatal("PD '%s': <irq> id %u names PCI %02x:%02x.%x, not a <pci_device> of the PD",
               pd_name(p), irq->id, irq->bus, irq->dev, irq->fn);
}

uint64_t pci_issue_msi(uint32_t p, const struct bastion_spec_irq *irq)
{
    const struct bastion_spec_pci_device *d = device_of(p, irq);
    struct pci_address a = address_of(d);
    if (irq->vector != 0)
        init_fatal("PD '%s': <irq> id %u: MSI vector %u: only vector 0 is supported (one "
                   "message per function)",
                   pd_name(p), irq->id, irq->vector);
    if ((pci_read32(a, 0) & 0xffff) == 0xffff)
        init_fatal(DEVICE_FMT ": no PCI function there", DEVICE_ARGS(p, d));
    unsigned cap = pci_find_capability(a, CAP_MSI);
    if (cap == 0)
        init_fatal(DEVICE_FMT ": <irq> id %u: the function has no MSI capability (MSI-X is not "
                              "supported; use its INTx pin with <irq pin=...>)",
                   DEVICE_ARGS(p, d), irq->id);
    uint64_t handler = slot_alloc(1);
    struct bst_msi_message m;
    bst_error_t e = handler ? bst_irq_control_get_msi(BST_SLOT_IRQ_CONTROL, ROOT_CNODE, handler, &m)
                            : BST_NOT_ENOUGH_MEMORY;
    if (e != BST_OK)
        init_fatal(DEVICE_FMT ": <irq> id %u: no MSI vector: %s%s", DEVICE_ARGS(p, d), irq->id,
                   bst_error_name(e),
                   e == BST_REVOKE_FIRST ? " (all the kernel's are issued)" : "");
    uint16_t control = pci_read16(a, cap + MSI_CONTROL);
    bool wide = control & MSI_CONTROL_64BIT;
    pci_write32(a, cap + MSI_ADDRESS, (uint32_t)m.address);
    if (wide)
        pci_write32(a, cap + MSI_ADDRESS + 4, (uint32_t)(m.address >> 32));
    pci_write16(a, cap + (wide ? 12 : 8), (uint16_t)m.data);
    if (control & MSI_CONTROL_MASKABLE)
        pci_write32(a, cap + (wide ? 16 : 12), 0); /* vector 0 not masked */
    pci_write16(a, cap + MSI_CONTROL,
                (uint16_t)((control & ~MSI_CONTROL_MME) | MSI_CONTROL_ENABLE));
    pci_write16(a, REG_COMMAND, (uint16_t)(pci_read16(a, REG_COMMAND) | COMMAND_INTX_DISABLE));
    bst_printf("init: PD '%s': IRQ on channel %u: MSI of PCI " ADDR_FMT " (data 0x%lx)\n",
               pd_name(p), irq->id, ADDR_ARGS(d), (unsigned long)m.data);
    return handler;
}
