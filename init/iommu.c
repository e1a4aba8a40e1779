/*
 * DMA confinement with the IOMMU (docs/drivers.md, "DMA and the IOMMU").
 *
 * At boot init looks for ACPI's DMAR table. With one, it hands the kernel the register
 * page of the remapping unit that covers every PCI device (IOMMU_SETUP, with a device
 * frame cap of that page): from then on every device's DMA is blocked. Then each PD that
 * owns PCI functions gets one I/O address space (an IOSPACE and the IOPTs it needs,
 * from init's untyped memory) holding only the PD's DMA regions, and its functions are
 * assigned to it. A DMA region of a PD is a region whose physical address the PD is
 * given (<map setvar_paddr>), with the rights of the PD's own mapping, or one whose
 * address a peer of the PD is given (a PD it shares a channel with, its parent or a
 * child: a virtualiser hands the driver buffers by physical address), read-write: the
 * addresses a driver can hand its device. Each is mapped at its physical address (the
 * I/O address equals the physical one, so drivers are unchanged). The PD gets a read-only cap to
 * the space in BASTION_SLOT_IOSPACE, to read the faults its devices caused.
 *
 * Each space signals init's notification (bound to init's thread) on a DMA fault; init's
 * loop then reports each new fault: `init: DMA fault in PD 'driver': PCI 00:10.0 write at
 * I/O address 0x35a000 blocked (reason 0x5); 1 so far`, and sends it to the PD's parent,
 * if it has one, as a fault message (BST_FAULT_DMA).
 *
 * Without a DMAR table (or with a unit the kernel refuses) init says that DMA is not
 * confined and goes on: a PD with a bus-mastering device can then reach all memory.
 *
 * For a PD of a coloured domain the IOSPACE and its IOPTs come from the domain's colours
 * (colour_alloc_for_pd(), init/colour.c), like its other kernel objects, and the boot
 * check reads their physical addresses; the tool's replay (tool/src/colour_fit.c) counts
 * them (at most: it does not know the frames' physical addresses, which are the I/O
 * addresses, nor whether the machine has an IOMMU).
 */
#include "colour.h"
#include "device.h"

#include <libbastion/cnode.h>
#include <bastion/fault.h>
#include <libbastion/iommu.h>
#include <libbastion/ipc.h>
#include <libbastion/tcb.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define IOMMU_MAX_LEVELS 4 /* tables an I/O address may need, above the frame */

static bool confined;
#define IOMMU_MAX_PDS 128 /* as build.c's MAX_PDS */
static bool gave_space[IOMMU_MAX_PDS];
static uint64_t space_of[IOMMU_MAX_PDS];    /* init's slot of PD p's I/O space, or 0 */
static uint64_t faults_seen[IOMMU_MAX_PDS]; /* of PD p's space, reported so far */
static uint64_t fault_signal;               /* init's notification, badged, for the spaces */
#define FAULT_BADGE 1u

bool iommu_confines_dma(void)
{
    return confined;
}

bool iommu_gave_space(uint32_t p)
{
    return p < IOMMU_MAX_PDS && gave_space[p];
}

static const char *pd_name(uint32_t p)
{
    return spec_string(&the_spec, the_spec.pds[p].name);
}

void iommu_init(void)
{
    uint64_t base = 0;
    uint32_t ioapic = DMAR_NO_IOAPIC;
    if (!acpi_find_dmar(&base, &ioapic)) {
        if (the_spec.n[BASTION_TABLE_PCI_DEVICES] != 0)
            bst_printf("init: no IOMMU (no ACPI DMAR table): DMA is not confined; a PD that "
                       "owns a bus-mastering device can reach all memory through it\n");
        return;
    }
    uint64_t regs = devmem_frame(base, 12);
    bst_error_t e = !regs ? BST_INVALID_ARGUMENT
                    : ioapic == DMAR_NO_IOAPIC
                        ? bst_iommu_setup(BST_SLOT_IRQ_CONTROL, regs)
                        : bst_iommu_setup_ioapic(BST_SLOT_IRQ_CONTROL, regs, ioapic);
    if (e != BST_OK) {
        bst_printf("init: IOMMU at 0x%lx (ACPI DMAR) not usable (%s): DMA is not confined\n",
                   (unsigned long)base, bst_error_name(e));
        return;
    }
    confined = true;
    bst_printf("init: IOMMU: VT-d unit at 0x%lx (ACPI DMAR): DMA remapping on, each "
               "device's DMA confined to its PD's DMA regions\n",
               (unsigned long)base);
    if (ioapic != DMAR_NO_IOAPIC)
        bst_printf("init: IOMMU: the IOAPIC's interrupts accepted from requester %02x:%02x.%x "
                   "only (DMAR device scope)\n",
                   ioapic >> 8, (ioapic >> 3) & 0x1f, ioapic & 7);
    /* DMA faults reach init's loop (serve) as a signal of a notification bound to it. */
    uint64_t ntfn = slot_alloc(2);
    if (ntfn == 0 || untyped_alloc(BST_OBJ_NOTIFICATION, 0, ntfn, 1) != BST_OK ||
        bst_cnode_mint(ROOT_CNODE, ntfn + 1, BST_ROOT_DEPTH, ROOT_CNODE, ntfn, BST_ROOT_DEPTH,
                       BST_RIGHT_WRITE, FAULT_BADGE) != BST_OK ||
        bst_tcb_bind_notification(BST_SLOT_ROOT_TCB, ntfn) != BST_OK)
        init_fatal("cannot make the notification for DMA faults");
    fault_signal = ntfn + 1;
}

/* A DMA fault of PD p's device, as a fault message (bastion/fault.h, BST_FAULT_DMA) to
 * its fault handler: its parent PD, on the badged endpoint its thread faults to. A
 * top-level PD's faults come to init, which has reported it. Sent without waiting: a
 * parent that is not waiting for events then misses it (a supervisor runs above its
 * children, so it is waiting whenever a child's device can run). */
static void tell_parent(uint32_t p, const struct bst_io_fault *f)
{
    uint32_t parent = the_spec.pds[p].parent;
    if (parent == BASTION_SPEC_NONE)
        return;
    uint64_t mr[BST_MSG_REGISTERS] = {0, f->address, f->source_id << 32 | f->reason, f->count};
    bst_error_t e =
        bst_nb_send(pd_states[p].fault_ep, bst_msginfo_make(BST_FAULT_DMA, 4, 0, 0), mr);
    if (e != BST_OK)
        bst_printf("init: DMA fault of PD '%s' not sent to its parent '%s': %s\n", pd_name(p),
                   pd_name(parent), bst_error_name(e));
}

void iommu_report_faults(void)
{
    for (uint32_t p = 0; p < IOMMU_MAX_PDS && p < the_spec.n[BASTION_TABLE_PDS]; p++) {
        struct bst_io_fault f;
        if (space_of[p] == 0 || bst_iospace_read_fault(space_of[p], &f) != BST_OK ||
            f.count == faults_seen[p])
            continue;
        bst_printf("init: DMA fault in PD '%s': PCI %02x:%02x.%x %s at I/O address 0x%lx blocked "
                   "(reason 0x%x); %lu so far\n",
                   pd_name(p), (unsigned)(f.source_id >> 8), (unsigned)((f.source_id >> 3) & 0x1f),
                   (unsigned)(f.source_id & 7), (f.reason & BST_IO_FAULT_WRITE) ? "write" : "read",
                   (unsigned long)f.address, (unsigned)(f.reason & 0xff), (unsigned long)f.count);
        faults_seen[p] = f.count;
        tell_parent(p, &f);
    }
}

/* Whether PD q is given region r's physical address (setvar_paddr). */
static bool learns_paddr(uint32_t q, uint32_t r)
{
    const struct spec *s = &the_spec;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_PATCHES]; i++)
        if (s->patches[i].pd == q && s->patches[i].kind == BASTION_PATCH_REGION_PADDR &&
            s->patches[i].index == r)
            return true;
    return false;
}

/* Whether q is p's peer: they share a channel, or one is the other's parent. A peer can
 * hand p device addresses (a virtualiser names buffers by physical address). */
static bool is_peer(uint32_t p, uint32_t q)
{
    const struct spec *s = &the_spec;
    if (s->pds[p].parent == q || s->pds[q].parent == p)
        return true;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_CHANNELS]; i++) {
        const struct bastion_spec_channel *c = &s->channels[i];
        if ((c->pd[0] == p && c->pd[1] == q) || (c->pd[0] == q && c->pd[1] == p))
            return true;
    }
    return false;
}

/* The device rights for region r if it is a DMA region of PD p's devices, else 0: p is
 * given its physical address (the rights of p's own mapping), or a peer is (read-write:
 * a receive region that every PD maps read-only is what the device writes). */
static uint64_t dma_rights(uint32_t p, uint32_t r)
{
    const struct spec *s = &the_spec;
    uint64_t rights = 0;
    if (learns_paddr(p, r)) {
        for (uint32_t i = 0; i < s->n[BASTION_TABLE_MAPS]; i++)
            if (s->maps[i].pd == p && s->maps[i].region == r)
                rights |=
                    BST_RIGHT_READ | (s->maps[i].perms & BASTION_PERM_W ? BST_RIGHT_WRITE : 0);
        return rights;
    }
    for (uint32_t q = 0; q < s->n[BASTION_TABLE_PDS]; q++)
        if (q != p && learns_paddr(q, r) && is_peer(p, q))
            return BST_RIGHT_READ | BST_RIGHT_WRITE;
    return 0;
}

/* One IOSPACE or IOPT for PD p's devices into `slot`, from p's colours when its domain
 * has them; `kind` (a string literal) names it. */
static void io_object(uint32_t p, bst_objtype_t type, uint64_t slot, const char *kind)
{
    bst_error_t e = colour_alloc_for_pd(p, type, slot, kind);
    if (e == BST_OK)
        return;
    char why[256];
    colour_pd_why(p, type, e, why, sizeof(why));
    init_fatal("%sPD '%s': no memory for an %s: %s",
               colour_pd_domain(p) != BASTION_SPEC_NONE && colour_enforced() ? "colours: " : "",
               pd_name(p), kind, why);
}

/* Map a copy of `frame` at I/O address `ioaddr`, adding the tables it needs. */
static void map_frame(uint32_t p, uint64_t space, uint64_t frame, uint64_t ioaddr, uint64_t rights,
                      const char *region)
{
    uint64_t copy = slot_alloc(1);
    if (copy == 0 || bst_cnode_copy(ROOT_CNODE, copy, BST_ROOT_DEPTH, ROOT_CNODE, frame,
                                    BST_ROOT_DEPTH, BST_RIGHTS_ALL) != BST_OK)
        init_fatal("PD '%s': no slot for an I/O mapping of region '%s'", pd_name(p), region);
    bst_error_t e = bst_frame_io_map(copy, space, ioaddr, rights);
    for (unsigned n = 0; e == BST_FAILED_LOOKUP && n < IOMMU_MAX_LEVELS; n++) {
        uint64_t table = slot_alloc(1);
        if (table == 0)
            init_fatal("PD '%s': no slot for an I/O page table", pd_name(p));
        io_object(p, BST_OBJ_IOPT, table, "I/O page table");
        e = bst_iopt_map(table, space, ioaddr);
        if (e == BST_OK)
            e = bst_frame_io_map(copy, space, ioaddr, rights);
    }
    if (e != BST_OK)
        init_fatal("PD '%s': mapping region '%s' for its devices at 0x%lx: %s", pd_name(p), region,
                   (unsigned long)ioaddr, bst_error_name(e));
}

/* Every frame of PD p's DMA regions, at its physical address, with the device's rights. */
static void map_dma_regions(uint32_t p, uint64_t space)
{
    const struct spec *s = &the_spec;
    for (uint32_t ri = 0; ri < s->n[BASTION_TABLE_REGIONS]; ri++) {
        uint64_t rights = dma_rights(p, ri);
        if (rights == 0)
            continue;
        const struct bastion_spec_region *r = &s->regions[ri];
        const char *name = spec_string(s, r->name);
        if (r->page_size != 0x1000 && r->page_size != 0x200000)
            init_fatal("PD '%s': DMA region '%s' has pages of 0x%lx bytes; the IOMMU maps 4 KiB "
                       "and 2 MiB pages only",
                       pd_name(p), name, (unsigned long)r->page_size);
        for (uint64_t k = 0; k < r->size / r->page_size; k++) {
            uint64_t frame = object_slot(r->frames, k), paddr = 0;
            if (bst_frame_get_address(frame, &paddr) != BST_OK)
                init_fatal("region '%s': no frame address", name);
            map_frame(p, space, frame, paddr, rights, name);
        }
        bst_printf("init: PD '%s': DMA region '%s' mapped for its devices (%s)\n", pd_name(p), name,
                   rights & BST_RIGHT_WRITE ? "read-write" : "read-only");
    }
}

void iommu_give_devices(uint32_t p)
{
    const struct spec *s = &the_spec;
    uint64_t space = 0;
    for (uint32_t d = 0; confined && d < s->n[BASTION_TABLE_PCI_DEVICES]; d++) {
        const struct bastion_spec_pci_device *dev = &s->pci_devices[d];
        if (dev->pd != p)
            continue;
        if (space == 0) {
            space = slot_alloc(1);
            if (space == 0)
                init_fatal("PD '%s': no slot for an I/O address space", pd_name(p));
            io_object(p, BST_OBJ_IOSPACE, space, "I/O address space");
            map_dma_regions(p, space);
            if (bst_iospace_set_notification(space, fault_signal) != BST_OK)
                init_fatal("PD '%s': cannot be told of its devices' DMA faults", pd_name(p));
            if (p < IOMMU_MAX_PDS)
                space_of[p] = space;
            bst_error_t e =
                bst_cnode_mint(pd_states[p].cspace, BASTION_SLOT_IOSPACE, BST_ROOT_DEPTH,
                               ROOT_CNODE, space, BST_ROOT_DEPTH, BST_RIGHT_READ, 0);
            if (e != BST_OK)
                init_fatal("PD '%s': cannot give it its I/O space: %s", pd_name(p),
                           bst_error_name(e));
            if (p < IOMMU_MAX_PDS)
                gave_space[p] = true;
        }
        bst_error_t e = bst_iospace_assign(space, BST_SLOT_IRQ_CONTROL,
                                           bst_pci_source_id(dev->bus, dev->dev, dev->fn));
        if (e != BST_OK)
            init_fatal("PD '%s': PCI %02x:%02x.%x cannot be given an I/O space: %s%s", pd_name(p),
                       dev->bus, dev->dev, dev->fn, bst_error_name(e),
                       e == BST_RANGE_ERROR ? " (the kernel confines bus 0 only)" : "");
        bst_printf("init: PD '%s': PCI %02x:%02x.%x does DMA through its own I/O space\n",
                   pd_name(p), dev->bus, dev->dev, dev->fn);
    }
}
