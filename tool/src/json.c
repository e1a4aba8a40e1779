/*
 * JSON output of a checked system (see json.h).
 */
#include "late_image.h"
#include "json.h"
#include "elf_image.h"
#include "flow.h"
#include "json_emit.h"
#include <bastion/spec.h>
#include "sizes.h"

static void rights_text(uint32_t rights, char *buf)
{
    size_t n = 0;
    if (rights & BASTION_RIGHT_READ)
        buf[n++] = 'r';
    if (rights & BASTION_RIGHT_WRITE)
        buf[n++] = 'w';
    if (rights & BASTION_RIGHT_GRANT)
        buf[n++] = 'g';
    if (rights & BASTION_RIGHT_GRANT_REPLY)
        buf[n++] = 'G';
    buf[n] = '\0';
}

static const char *pd_name(const struct model *m, uint32_t pd)
{
    return pd < m->pds.count ? VEC_AT(&m->pds, struct model_pd, pd)->name : NULL;
}

static void write_cap(struct json_emitter *j, const struct model *m, const struct layout *l,
                      const struct bastion_spec_cap *c)
{
    char rights[8];
    rights_text(c->rights, rights);
    json_object_begin(j, NULL);
    json_uint(j, "slot", c->slot);
    if (c->kind == BASTION_CAP_OBJECT) {
        const struct bastion_spec_object *o =
            LAYOUT_ENTRY(l, BASTION_TABLE_OBJECTS, struct bastion_spec_object, c->index);
        json_string(j, "object", layout_object_type_name(o->type));
        json_string(j, "of", pd_name(m, o->pd));
    } else if (c->kind == BASTION_CAP_IRQ) {
        json_string(j, "object", "irq_handler");
        json_uint(j, "irq", VEC_AT(&m->irqs, struct model_irq, c->index)->id);
    } else {
        json_string(j, "object", "ioport");
        json_uint(j, "ioport", VEC_AT(&m->ioports, struct model_ioport, c->index)->id);
    }
    json_string(j, "rights", rights);
    json_hex(j, "badge", c->badge);
    json_object_end(j);
}

/* The elements of each PD (and the BARs of each PCI device), grouped once for the file. */
struct json_groups {
    struct model_groups maps, setvars, irqs, ioports, pcis, bars_of_pci;
};

static void write_maps(struct json_emitter *j, const struct model *m, const struct json_groups *g,
                       uint32_t p)
{
    json_array_begin(j, "maps");
    for (uint32_t k = g->maps.first[p]; k < g->maps.first[p + 1]; k++) {
        const struct model_map *map = VEC_AT(&m->maps, struct model_map, g->maps.index[k]);
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, map->region);
        char perms[4];
        perms_to_text(map->perms, perms);
        json_object_begin(j, NULL);
        json_string(j, "region", r->name);
        json_hex(j, "vaddr", map->vaddr);
        json_hex(j, "size", r->size);
        json_string(j, "perms", perms);
        json_bool(j, "cached", map->cached);
        json_string(j, "setvar_vaddr", map->setvar_vaddr);
        json_string(j, "setvar_paddr", map->setvar_paddr);
        json_object_end(j);
    }
    json_array_end(j);
}

static void write_setvars(struct json_emitter *j, const struct model *m,
                          const struct json_groups *g, uint32_t p)
{
    json_array_begin(j, "setvars");
    for (uint32_t k = g->setvars.first[p]; k < g->setvars.first[p + 1]; k++) {
        const struct model_setvar *sv =
            VEC_AT(&m->setvars, struct model_setvar, g->setvars.index[k]);
        char text[MODEL_SETVAR_TEXT];
        setvar_to_text(sv, text);
        json_object_begin(j, NULL);
        json_string(j, "symbol", sv->symbol);
        json_string(j, "kind", setvar_kind_name(sv->kind));
        if (sv->kind != SETVAR_VALUE)
            json_string(j, setvar_kind_name(sv->kind), text);
        json_hex(j, "value", sv->value);
        json_object_end(j);
    }
    json_array_end(j);
}

static void write_irqs(struct json_emitter *j, const struct model *m, const struct json_groups *g,
                       uint32_t p)
{
    json_array_begin(j, "irqs");
    for (uint32_t k = g->irqs.first[p]; k < g->irqs.first[p + 1]; k++) {
        const struct model_irq *irq = VEC_AT(&m->irqs, struct model_irq, g->irqs.index[k]);
        json_object_begin(j, NULL);
        json_uint(j, "id", irq->id);
        if (irq->kind == IRQ_IOAPIC) {
            json_string(j, "kind", "ioapic");
            json_uint(j, "ioapic", irq->ioapic);
            json_uint(j, "pin", irq->pin);
            json_string(j, "trigger", irq->trigger == TRIGGER_LEVEL ? "level" : "edge");
            json_string(j, "polarity", irq->polarity == POLARITY_LOW ? "low" : "high");
        } else {
            char pci[16];
            snprintf(pci, sizeof(pci), "%02x:%02x.%x", irq->pci.bus, irq->pci.dev, irq->pci.fn);
            json_string(j, "kind", "msi");
            json_string(j, "pci", pci);
            json_uint(j, "vector", irq->msi_vector);
        }
        json_object_end(j);
    }
    json_array_end(j);
}

static void write_io(struct json_emitter *j, const struct model *m, const struct json_groups *g,
                     uint32_t p)
{
    json_array_begin(j, "ioports");
    for (uint32_t k = g->ioports.first[p]; k < g->ioports.first[p + 1]; k++) {
        const struct model_ioport *io =
            VEC_AT(&m->ioports, struct model_ioport, g->ioports.index[k]);
        json_object_begin(j, NULL);
        json_uint(j, "id", io->id);
        json_hex(j, "base", io->base);
        json_hex(j, "size", io->size);
        json_object_end(j);
    }
    json_array_end(j);
    json_array_begin(j, "pci_devices");
    for (uint32_t k = g->pcis.first[p]; k < g->pcis.first[p + 1]; k++) {
        uint32_t i = g->pcis.index[k];
        const struct model_pci *pci = VEC_AT(&m->pcis, struct model_pci, i);
        char addr[16];
        snprintf(addr, sizeof(addr), "%02x:%02x.%x", pci->addr.bus, pci->addr.dev, pci->addr.fn);
        json_object_begin(j, NULL);
        json_string(j, "address", addr);
        if (flow_pci_label(m, i)) /* only with a flow policy: older outputs stay */
            json_string(j, "label", flow_pci_label(m, i));
        json_array_begin(j, "bars");
        for (uint32_t b = g->bars_of_pci.first[i]; b < g->bars_of_pci.first[i + 1]; b++) {
            const struct model_bar *bar =
                VEC_AT(&m->bars, struct model_bar, g->bars_of_pci.index[b]);
            char perms[4];
            perms_to_text(bar->perms, perms);
            json_object_begin(j, NULL);
            json_uint(j, "index", bar->index);
            json_hex(j, "vaddr", bar->vaddr);
            json_hex(j, "size", bar->size);
            json_string(j, "perms", perms);
            json_bool(j, "cached", bar->cached);
            json_string(j, "setvar_vaddr", bar->setvar_vaddr);
            json_object_end(j);
        }
        json_array_end(j);
        json_object_end(j);
    }
    json_array_end(j);
}

static void write_image(struct json_emitter *j, const struct model_pd *pd)
{
    json_object_begin(j, "program_image");
    json_string(j, "path", pd->image);
    json_bool(j, "loaded", pd->elf != NULL);
    if (pd->elf) {
        json_hex(j, "entry", pd->elf->entry);
        json_array_begin(j, "segments");
        for (size_t i = 0; i < pd->elf->segment_count; i++) {
            const struct elf_segment *s = &pd->elf->segments[i];
            char perms[4];
            perms_to_text(s->perms, perms);
            json_object_begin(j, NULL);
            json_hex(j, "vaddr", s->vaddr);
            json_hex(j, "memsz", s->memsz);
            json_hex(j, "filesz", s->filesz);
            json_string(j, "perms", perms);
            json_object_end(j);
        }
        json_array_end(j);
    }
    json_object_end(j);
}

static void write_pd(struct json_emitter *j, const struct model *m, const struct layout *l,
                     const struct json_groups *g, uint32_t p)
{
    const struct model_pd *pd = VEC_AT(&m->pds, struct model_pd, p);
    const struct bastion_spec_pd *s = LAYOUT_ENTRY(l, BASTION_TABLE_PDS, struct bastion_spec_pd, p);
    json_object_begin(j, NULL);
    json_string(j, "name", pd->name);
    json_string(j, "parent", pd->parent == NO_INDEX ? NULL : pd_name(m, pd->parent));
    if (pd->parent != NO_INDEX)
        json_uint(j, "child_id", pd->child_id);
    json_uint(j, "priority", pd->priority);
    json_uint(j, "budget_us", pd->budget);
    json_uint(j, "period_us", pd->period);
    json_bool(j, "passive", pd->passive);
    json_hex(j, "stack_size", pd->stack_size);
    json_uint(j, "cpu", pd->cpu);
    json_string(j, "domain", pd->domain_name);
    if (flow_pd_label(m, p)) /* only with a flow policy: older outputs stay */
        json_string(j, "label", flow_pd_label(m, p));
    if (pd->on_fault != BASTION_ON_FAULT_NONE) { /* only where given: older outputs stay */
        static const char *const names[] = {"none", "restart", "backoff", "stop", "escalate"};
        json_string(j, "on_fault", names[pd->on_fault]);
        json_uint(j, "max_restarts", pd->max_restarts);
        json_uint(j, "backoff_us", pd->backoff_us);
    }
    if (pd->late_node)
        late_image_json(j, pd);
    else
        write_image(j, pd);
    write_maps(j, m, g, p);
    write_setvars(j, m, g, p);
    write_irqs(j, m, g, p);
    write_io(j, m, g, p);
    json_array_begin(j, "caps");
    for (uint32_t c = 0; c < s->cap_count; c++)
        write_cap(j, m, l,
                  LAYOUT_ENTRY(l, BASTION_TABLE_CAPS, struct bastion_spec_cap, s->first_cap + c));
    json_array_end(j);
    json_object_end(j);
}

static void write_regions(struct json_emitter *j, const struct model *m)
{
    json_array_begin(j, "memory_regions");
    for (size_t i = 0; i < m->regions.count; i++) {
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, i);
        json_object_begin(j, NULL);
        json_string(j, "name", r->name);
        json_hex(j, "size", r->size);
        json_hex(j, "page_size", r->page_size);
        if (r->has_phys)
            json_hex(j, "phys_addr", r->phys_addr);
        else
            json_null(j, "phys_addr");
        json_string(j, "prefill", r->prefill);
        if (r->platform == REGION_PLATFORM_HPET)
            json_string(j, "platform", "hpet");
        if (flow_region_label(m, (uint32_t)i))
            json_string(j, "label", flow_region_label(m, (uint32_t)i));
        json_object_end(j);
    }
    json_array_end(j);
}

static void write_channels(struct json_emitter *j, const struct model *m)
{
    json_array_begin(j, "channels");
    for (size_t i = 0; i < m->channels.count; i++) {
        const struct model_channel *ch = VEC_AT(&m->channels, struct model_channel, i);
        json_array_begin(j, NULL);
        for (int e = 0; e < 2; e++) {
            json_object_begin(j, NULL);
            json_string(j, "pd", ch->end[e].pd_name);
            json_uint(j, "id", ch->end[e].id);
            json_bool(j, "notify", ch->end[e].notify);
            json_bool(j, "pp", ch->end[e].pp);
            json_object_end(j);
        }
        json_array_end(j);
    }
    json_array_end(j);
}

/* Virtual machines (docs/system-description.md, "<virtual_machine>"), when there are any:
 * each with its VMM PD, vCPUs and guest-physical maps. */
static void write_vms(struct json_emitter *j, const struct model *m)
{
    if (m->vms.count == 0)
        return;
    json_array_begin(j, "virtual_machines");
    for (uint32_t v = 0; v < m->vms.count; v++) {
        const struct model_vm *vm = MODEL_VM(m, v);
        json_object_begin(j, NULL);
        json_string(j, "name", vm->name);
        json_string(j, "vmm", pd_name(m, vm->pd));
        json_uint(j, "vcpus", vm->vcpus);
        json_array_begin(j, "maps");
        for (size_t i = 0; i < m->vm_maps.count; i++) {
            const struct model_vm_map *map = MODEL_VM_MAP(m, i);
            if (map->vm != v)
                continue;
            char perms[4];
            perms_to_text(map->perms, perms);
            json_object_begin(j, NULL);
            json_string(j, "region", MODEL_REGION(m, map->region)->name);
            json_hex(j, "gpa", map->gpa);
            json_hex(j, "size", MODEL_REGION(m, map->region)->size);
            json_string(j, "perms", perms);
            json_object_end(j);
        }
        json_array_end(j);
        json_object_end(j);
    }
    json_array_end(j);
}

static void write_domains_and_objects(struct json_emitter *j, const struct model *m,
                                      const struct layout *l)
{
    json_array_begin(j, "domains");
    for (size_t i = 0; i < m->domains.count; i++) {
        const struct model_domain *dom = VEC_AT(&m->domains, struct model_domain, i);
        json_object_begin(j, NULL);
        json_string(j, "name", dom->name);
        json_uint(j, "length_us", dom->length);
        if (dom->pad != 0)
            json_uint(j, "pad_us", dom->pad);
        if (dom->flush != DOMAIN_FLUSH_NONE)
            json_string(j, "flush", dom->flush == DOMAIN_FLUSH_ALL ? "all" : "core");
        json_object_end(j);
    }
    json_array_end(j);
    uint64_t totals[BASTION_OBJ_FRAME + 1] = {0};
    const struct vec *objects = &l->tables[BASTION_TABLE_OBJECTS];
    for (size_t i = 0; i < objects->count; i++) {
        const struct bastion_spec_object *o = VEC_AT(objects, struct bastion_spec_object, i);
        if (o->type <= BASTION_OBJ_FRAME)
            totals[o->type] += o->count;
    }
    json_object_begin(j, "objects");
    for (uint32_t t = BASTION_OBJ_TCB; t <= BASTION_OBJ_FRAME; t++)
        json_uint(j, layout_object_type_name(t), totals[t]);
    json_object_end(j);
}

void json_write_system(FILE *out, const struct model *m, const struct layout *l)
{
    struct json_emitter j;
    json_begin(&j, out);
    json_object_begin(&j, NULL);
    json_string(&j, "format", "bastion-system");
    json_uint(&j, "spec_version", BASTION_SPEC_VERSION);
    json_array_begin(&j, "protection_domains");
    struct json_groups g;
    size_t pds = m->pds.count;
    MODEL_GROUP_BY(&g.maps, pds, &m->maps, struct model_map, pd);
    MODEL_GROUP_BY(&g.setvars, pds, &m->setvars, struct model_setvar, pd);
    MODEL_GROUP_BY(&g.irqs, pds, &m->irqs, struct model_irq, pd);
    MODEL_GROUP_BY(&g.ioports, pds, &m->ioports, struct model_ioport, pd);
    MODEL_GROUP_BY(&g.pcis, pds, &m->pcis, struct model_pci, pd);
    MODEL_GROUP_BY(&g.bars_of_pci, m->pcis.count, &m->bars, struct model_bar, pci);
    for (uint32_t p = 0; p < pds; p++)
        write_pd(&j, m, l, &g, p);
    model_groups_free(&g.maps);
    model_groups_free(&g.setvars);
    model_groups_free(&g.irqs);
    model_groups_free(&g.ioports);
    model_groups_free(&g.pcis);
    model_groups_free(&g.bars_of_pci);
    json_array_end(&j);
    write_regions(&j, m);
    write_channels(&j, m);
    write_vms(&j, m);
    write_domains_and_objects(&j, m, l);
    flow_json_policy(&j, m);
    struct ram_need ram = sizes_ram_need(m);
    json_object_begin(&j, "ram_needed");
    json_hex(&j, "regions", ram.regions);
    json_hex(&j, "stacks", ram.stacks);
    json_hex(&j, "images", ram.images);
    json_hex(&j, "total", ram.total);
    json_object_end(&j);
    json_object_end(&j);
    json_end(&j);
}
