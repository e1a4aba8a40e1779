/*
 * The description tables of the spec: maps, channels, IRQs, I/O ports, PCI devices and
 * BARs, domains, guests (<virtual_machine> and its guest maps), and the patches init
 * applies at boot (physical addresses of regions that init allocates itself).
 */
#include "elf_image.h"
#include "layout.h"

#include <bastion/domain.h>
#include <string.h>

static void *add_entry(struct layout *l, enum bastion_spec_table_id t, size_t size)
{
    return vec_push(&l->tables[t], size);
}

static void layout_maps(struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->maps.count; i++) {
        const struct model_map *map = VEC_AT(&m->maps, struct model_map, i);
        struct bastion_spec_map *s = add_entry(l, BASTION_TABLE_MAPS, sizeof(*s));
        s->pd = map->pd;
        s->region = map->region;
        s->vaddr = map->vaddr;
        s->perms = map->perms;
        s->cached = map->cached;
    }
}

static uint8_t end_flags(const struct model_end *e)
{
    return (uint8_t)((e->notify ? BASTION_END_NOTIFY : 0) | (e->pp ? BASTION_END_PP : 0));
}

static void layout_channels(struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->channels.count; i++) {
        const struct model_channel *ch = VEC_AT(&m->channels, struct model_channel, i);
        struct bastion_spec_channel *s = add_entry(l, BASTION_TABLE_CHANNELS, sizeof(*s));
        for (int e = 0; e < 2; e++) {
            s->pd[e] = ch->end[e].pd;
            s->id[e] = (uint8_t)ch->end[e].id;
            s->flags[e] = end_flags(&ch->end[e]);
        }
    }
}

static void layout_irqs(struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->irqs.count; i++) {
        const struct model_irq *irq = VEC_AT(&m->irqs, struct model_irq, i);
        struct bastion_spec_irq *s = add_entry(l, BASTION_TABLE_IRQS, sizeof(*s));
        s->pd = irq->pd;
        s->id = (uint8_t)irq->id;
        s->kind = irq->kind == IRQ_MSI ? BASTION_IRQ_MSI : BASTION_IRQ_IOAPIC;
        s->trigger = (uint8_t)irq->trigger;
        s->polarity = (uint8_t)irq->polarity;
        s->ioapic = (uint8_t)irq->ioapic;
        s->pin = (uint8_t)irq->pin;
        s->bus = irq->pci.bus;
        s->dev = irq->pci.dev;
        s->fn = irq->pci.fn;
        s->vector = (uint8_t)irq->msi_vector;
    }
}

static void layout_io(struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->ioports.count; i++) {
        const struct model_ioport *io = VEC_AT(&m->ioports, struct model_ioport, i);
        struct bastion_spec_ioport *s = add_entry(l, BASTION_TABLE_IOPORTS, sizeof(*s));
        s->pd = io->pd;
        s->id = (uint8_t)io->id;
        s->base = (uint16_t)io->base;
        s->size = io->size;
    }
    for (size_t i = 0; i < m->pcis.count; i++) {
        const struct model_pci *pci = VEC_AT(&m->pcis, struct model_pci, i);
        struct bastion_spec_pci_device *s = add_entry(l, BASTION_TABLE_PCI_DEVICES, sizeof(*s));
        s->pd = pci->pd;
        s->bus = pci->addr.bus;
        s->dev = pci->addr.dev;
        s->fn = pci->addr.fn;
    }
    for (size_t i = 0; i < m->bars.count; i++) {
        const struct model_bar *bar = VEC_AT(&m->bars, struct model_bar, i);
        struct bastion_spec_bar *s = add_entry(l, BASTION_TABLE_BARS, sizeof(*s));
        s->pd = bar->pd;
        s->device = bar->pci;
        s->vaddr = bar->vaddr;
        s->size = bar->size;
        s->index = (uint8_t)bar->index;
        s->perms = bar->perms;
        s->cached = bar->cached;
    }
}

static void layout_domains(struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->domains.count; i++) {
        const struct model_domain *dom = VEC_AT(&m->domains, struct model_domain, i);
        struct bastion_spec_domain *s = add_entry(l, BASTION_TABLE_DOMAINS, sizeof(*s));
        s->name = (uint32_t)l->strings.count;
        vec_append(&l->strings, dom->name, strlen(dom->name) + 1);
        s->length_us = dom->length;
        s->pad_us = (uint16_t)dom->pad;
        s->flush = dom->flush == DOMAIN_FLUSH_ALL    ? BST_DOMAIN_FLUSH_ALL
                   : dom->flush == DOMAIN_FLUSH_CORE ? BST_DOMAIN_FLUSH_CORE
                                                     : 0;
    }
}

/* Each guest and its maps; a guest's maps lie together in VM_MAPS, in document order. */
static void layout_vms(struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->vms.count; i++) {
        const struct model_vm *vm = MODEL_VM(m, i);
        struct bastion_spec_vm *s = add_entry(l, BASTION_TABLE_VMS, sizeof(*s));
        s->name = (uint32_t)l->strings.count;
        vec_append(&l->strings, vm->name, strlen(vm->name) + 1);
        s->pd = vm->pd;
        s->vcpus = vm->vcpus;
        s->first_map = (uint32_t)l->tables[BASTION_TABLE_VM_MAPS].count;
        for (size_t k = 0; k < m->vm_maps.count; k++) {
            const struct model_vm_map *map = MODEL_VM_MAP(m, k);
            if (map->vm != i)
                continue;
            /* s may move when VM_MAPS grows: it is in another vector, so it does not. */
            struct bastion_spec_vm_map *e = add_entry(l, BASTION_TABLE_VM_MAPS, sizeof(*e));
            e->vm = (uint32_t)i;
            e->region = map->region;
            e->gpa = map->gpa;
            e->perms = map->perms;
            s->map_count++;
        }
    }
}

/* setvar_paddr of a region without a fixed address: init patches it at boot. */
static void layout_patches(struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->maps.count; i++) {
        const struct model_map *map = VEC_AT(&m->maps, struct model_map, i);
        const struct model_pd *pd = VEC_AT(&m->pds, struct model_pd, map->pd);
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, map->region);
        if (!map->setvar_paddr || r->has_phys || !pd->elf)
            continue;
        const struct elf_symbol *sym = elf_find_symbol(pd->elf, map->setvar_paddr);
        if (!sym)
            continue;
        struct bastion_spec_patch *s = add_entry(l, BASTION_TABLE_PATCHES, sizeof(*s));
        s->pd = map->pd;
        s->kind = BASTION_PATCH_REGION_PADDR;
        s->vaddr = sym->value;
        s->index = map->region;
    }
}

void layout_tables(struct layout *l, const struct model *m)
{
    layout_maps(l, m);
    layout_channels(l, m);
    layout_irqs(l, m);
    layout_io(l, m);
    layout_domains(l, m);
    colours_layout(l, m);
    layout_vms(l, m);
    layout_patches(l, m);
}
