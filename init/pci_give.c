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
 * An <irq pci=... vector=N> is a message-signalled interrupt: a vector from the kernel
 * (IRQ_CONTROL_GET_MSI) whose address and data init writes into the function. A function
 * with an MSI capability gets MSI (one message: only vector 0); one with only MSI-X gets
 * entry N of its MSI-X table (N below the table's size), reached through init's physical
 * window at the BAR the capability names; the first time init touches a function's table
 * it masks every entry, so only the entries of <irq>s are ever unmasked. INTx is disabled
 * then. Without an IOMMU a PD that owns a bus-mastering device can reach any memory
 * through it, and one with ECAM access (or the MSI-X table's BAR mapped) can reprogram a
 * message (any vector): such a PD is trusted that far.
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
#define CAP_MSIX              0x11
#define MSIX_CONTROL          2
#define MSIX_TABLE            4
#define MSIX_CONTROL_SIZE     0x7ffu /* table size - 1 */
#define MSIX_CONTROL_MASK_ALL (1u << 14)
#define MSIX_CONTROL_ENABLE   (1u << 15)
#define MSIX_TABLE_BIR        7u
#define MSIX_ENTRY_BYTES      16u
#define MSIX_ENTRY_ADDRESS    0
#define MSIX_ENTRY_ADDRESS_HI 1 /* in 32-bit words */
#define MSIX_ENTRY_DATA       2
#define MSIX_ENTRY_CONTROL    3
#define MSIX_ENTRY_MASKED     1u
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

/* A handler cap for a new MSI vector from the kernel, for this function only (where the
 * kernel remaps interrupts); its message in *m. */
static uint64_t msi_handler(uint32_t p, const struct bastion_spec_pci_device *d,
                            const struct bastion_spec_irq *irq, struct bst_msi_message *m)
{
    uint64_t handler = slot_alloc(1);
    uint64_t source = ((uint64_t)d->bus << 8) | ((uint64_t)d->dev << 3) | d->fn;
    bst_error_t e =
        handler ? bst_irq_control_get_msi_for(BST_SLOT_IRQ_CONTROL, ROOT_CNODE, handler, source, m)
                : BST_NOT_ENOUGH_MEMORY;
    if (e != BST_OK)
        init_fatal(DEVICE_FMT ": <irq> id %u: no MSI vector: %s%s", DEVICE_ARGS(p, d), irq->id,
                   bst_error_name(e),
                   e == BST_REVOKE_FIRST ? " (all the kernel's are issued)" : "");
    return handler;
}

static void disable_intx(struct pci_address a)
{
    pci_write16(a, REG_COMMAND, (uint16_t)(pci_read16(a, REG_COMMAND) | COMMAND_INTX_DISABLE));
}

/* MSI through the capability at `cap`: one message, vector 0 only. */
static uint64_t issue_msi(uint32_t p, const struct bastion_spec_pci_device *d,
                          const struct bastion_spec_irq *irq, unsigned cap)
{
    struct pci_address a = address_of(d);
    if (irq->vector != 0)
        init_fatal("PD '%s': <irq> id %u: MSI vector %u: only vector 0 is supported (one "
                   "message per function)",
                   pd_name(p), irq->id, irq->vector);
    struct bst_msi_message m;
    uint64_t handler = msi_handler(p, d, irq, &m);
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
    disable_intx(a);
    bst_printf("init: PD '%s': IRQ on channel %u: MSI of PCI " ADDR_FMT " (data 0x%lx)\n",
               pd_name(p), irq->id, ADDR_ARGS(d), (unsigned long)m.data);
    return handler;
}

/* Functions whose MSI-X table init has set up (every entry masked, MSI-X enabled), one
 * bit per bus:dev.fn, so that a second <irq> of a function keeps the first one's entry. */
static uint8_t msix_ready[256 * 256 / 8];

static bool msix_is_ready(struct pci_address a)
{
    unsigned bit = (unsigned)a.bus << 8 | (unsigned)a.dev << 3 | a.fn;
    return msix_ready[bit / 8] & (1u << bit % 8);
}

static void msix_set_ready(struct pci_address a)
{
    unsigned bit = (unsigned)a.bus << 8 | (unsigned)a.dev << 3 | a.fn;
    msix_ready[bit / 8] = (uint8_t)(msix_ready[bit / 8] | 1u << bit % 8);
}

/* The function's MSI-X table (of `entries` entries) in init's window, after checking that
 * the BAR the capability at `cap` names is a usable memory BAR holding all of it. */
static volatile uint32_t *msix_table(uint32_t p, const struct bastion_spec_pci_device *d,
                                     const struct bastion_spec_irq *irq, unsigned cap,
                                     unsigned entries)
{
    struct pci_address a = address_of(d);
    uint32_t where = pci_read32(a, cap + MSIX_TABLE);
    unsigned bir = where & MSIX_TABLE_BIR;
    uint64_t offset = where & ~MSIX_TABLE_BIR, bytes = (uint64_t)entries * MSIX_ENTRY_BYTES;
    struct pci_bar bar;
    if (!pci_bar_read(a, bir, &bar) || bar.io || bar.base == 0 || offset > bar.size ||
        bytes > bar.size - offset)
        init_fatal(DEVICE_FMT ": <irq> id %u: the MSI-X table (BAR %u, offset 0x%lx, %u "
                              "entries) is not in a usable memory BAR (absent, I/O, unassigned "
                              "or too small)",
                   DEVICE_ARGS(p, d), irq->id, bir, (unsigned long)offset, entries);
    volatile uint32_t *table = phys_map(bar.base + offset, bytes);
    if (table == NULL)
        init_fatal(DEVICE_FMT ": <irq> id %u: the MSI-X table at 0x%lx is not device memory "
                              "init can map",
                   DEVICE_ARGS(p, d), irq->id, (unsigned long)(bar.base + offset));
    return table;
}

/* MSI-X through the capability at `cap`: entry irq->vector of the table gets the message
 * and is unmasked. The first time for a function, every entry is masked, then MSI-X is
 * enabled with the function mask set, and the function mask is cleared at the end. */
static uint64_t issue_msix(uint32_t p, const struct bastion_spec_pci_device *d,
                           const struct bastion_spec_irq *irq, unsigned cap)
{
    struct pci_address a = address_of(d);
    uint16_t control = pci_read16(a, cap + MSIX_CONTROL);
    unsigned entries = (control & MSIX_CONTROL_SIZE) + 1u;
    if (irq->vector >= entries)
        init_fatal(DEVICE_FMT ": <irq> id %u: MSI-X vector %u: the function's table has %u "
                              "entries",
                   DEVICE_ARGS(p, d), irq->id, irq->vector, entries);
    /* The table is in memory space: decoding on before it is touched. */
    pci_write16(a, REG_COMMAND, (uint16_t)(pci_read16(a, REG_COMMAND) | COMMAND_MEMORY));
    volatile uint32_t *table = msix_table(p, d, irq, cap, entries);
    struct bst_msi_message m;
    uint64_t handler = msi_handler(p, d, irq, &m);
    if (!msix_is_ready(a)) {
        pci_write16(a, cap + MSIX_CONTROL,
                    (uint16_t)(control | MSIX_CONTROL_ENABLE | MSIX_CONTROL_MASK_ALL));
        for (unsigned i = 0; i < entries; i++)
            table[i * 4 + MSIX_ENTRY_CONTROL] = MSIX_ENTRY_MASKED;
        msix_set_ready(a);
    }
    volatile uint32_t *entry = table + irq->vector * 4u;
    entry[MSIX_ENTRY_ADDRESS] = (uint32_t)m.address;
    entry[MSIX_ENTRY_ADDRESS_HI] = (uint32_t)(m.address >> 32);
    entry[MSIX_ENTRY_DATA] = (uint32_t)m.data;
    entry[MSIX_ENTRY_CONTROL] = 0; /* unmasked */
    control = pci_read16(a, cap + MSIX_CONTROL);
    pci_write16(a, cap + MSIX_CONTROL,
                (uint16_t)((control | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_MASK_ALL));
    disable_intx(a);
    bst_printf("init: PD '%s': IRQ on channel %u: MSI-X of PCI " ADDR_FMT
               ", entry %u of %u (data 0x%lx)\n",
               pd_name(p), irq->id, ADDR_ARGS(d), irq->vector, entries, (unsigned long)m.data);
    return handler;
}

uint64_t pci_issue_msi(uint32_t p, const struct bastion_spec_irq *irq)
{
    const struct bastion_spec_pci_device *d = device_of(p, irq);
    struct pci_address a = address_of(d);
    if ((pci_read32(a, 0) & 0xffff) == 0xffff)
        init_fatal(DEVICE_FMT ": no PCI function there", DEVICE_ARGS(p, d));
    unsigned cap = pci_find_capability(a, CAP_MSI);
    if (cap != 0)
        return issue_msi(p, d, irq, cap);
    cap = pci_find_capability(a, CAP_MSIX);
    if (cap != 0)
        return issue_msix(p, d, irq, cap);
    init_fatal(DEVICE_FMT ": <irq> id %u: the function has no MSI capability and no MSI-X "
                          "capability (use its INTx pin with <irq pin=...>)",
               DEVICE_ARGS(p, d), irq->id);
}
