/*
 * Text report (see report.h).
 */
#include "late_image.h"
#include "report.h"
#include "sizes.h"
#include "elf_image.h"
#include "flow.h"

#include <bastion/spec.h>
#include <inttypes.h>

/* The maps, BARs and setvars of each PD, grouped once for the whole report. */
struct report_groups {
    struct model_groups maps, bars, setvars;
};

/* A child's disposition (docs/supervision.md), when it has one. */
static void report_pd_supervision(FILE *out, const struct model_pd *pd)
{
    static const char *const names[] = {"none", "restart", "backoff", "stop", "escalate"};
    if (pd->on_fault == BASTION_ON_FAULT_NONE)
        return;
    fprintf(out, ", on fault %s", names[pd->on_fault]);
    if (pd->max_restarts)
        fprintf(out, " (at most %u restarts)", pd->max_restarts);
    if (pd->on_fault == BASTION_ON_FAULT_BACKOFF)
        fprintf(out, " (first back-off %" PRIu64 " us)", pd->backoff_us);
}

static void report_pd_memory(FILE *out, const struct model *m, const struct report_groups *g,
                             uint32_t p)
{
    const struct model_pd *pd = VEC_AT(&m->pds, struct model_pd, p);
    if (pd->late_node) {
        late_image_report(out, pd);
    } else if (pd->elf) {
        fprintf(out, "    image %s, entry 0x%" PRIx64 "\n", pd->image, pd->elf->entry);
        for (size_t i = 0; i < pd->elf->segment_count; i++) {
            const struct elf_segment *s = &pd->elf->segments[i];
            char perms[4];
            perms_to_text(s->perms, perms);
            fprintf(out, "      segment 0x%012" PRIx64 "-0x%012" PRIx64 " %-3s\n", s->vaddr,
                    s->vaddr + s->memsz - 1, perms);
        }
    } else {
        fprintf(out, "    image %s (not loaded)\n", pd->image);
    }
    for (uint32_t k = g->maps.first[p]; k < g->maps.first[p + 1]; k++) {
        const struct model_map *map = VEC_AT(&m->maps, struct model_map, g->maps.index[k]);
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, map->region);
        char perms[4];
        perms_to_text(map->perms, perms);
        fprintf(out, "      map     0x%012" PRIx64 "-0x%012" PRIx64 " %-3s %-8s %s\n", map->vaddr,
                map->vaddr + r->size - 1, perms, map->cached ? "cached" : "uncached", r->name);
    }
    for (uint32_t k = g->bars.first[p]; k < g->bars.first[p + 1]; k++) {
        const struct model_bar *bar = VEC_AT(&m->bars, struct model_bar, g->bars.index[k]);
        const struct model_pci *pci = VEC_AT(&m->pcis, struct model_pci, bar->pci);
        fprintf(out, "      bar     0x%012" PRIx64 "-0x%012" PRIx64 " BAR%u of %02x:%02x.%x\n",
                bar->vaddr, bar->vaddr + bar->size - 1, bar->index, pci->addr.bus, pci->addr.dev,
                pci->addr.fn);
    }
    fprintf(out, "      stack   0x%012llx-0x%012llx rw\n",
            (unsigned long long)(BASTION_STACK_TOP - pd->stack_size),
            (unsigned long long)(BASTION_STACK_TOP - 1));
}

static void report_pd_setvars(FILE *out, const struct model *m, const struct report_groups *g,
                              uint32_t p)
{
    for (uint32_t k = g->setvars.first[p]; k < g->setvars.first[p + 1]; k++) {
        const struct model_setvar *sv =
            VEC_AT(&m->setvars, struct model_setvar, g->setvars.index[k]);
        char text[MODEL_SETVAR_TEXT];
        setvar_to_text(sv, text);
        fprintf(out, "      setvar  %-20s = 0x%016" PRIx64, sv->symbol, sv->value);
        if (sv->kind != SETVAR_VALUE)
            fprintf(out, " (%s %s)", setvar_kind_name(sv->kind), text);
        fputc('\n', out);
    }
}

static void report_pd_caps(FILE *out, const struct model *m, const struct layout *l, uint32_t p)
{
    const struct bastion_spec_pd *s = LAYOUT_ENTRY(l, BASTION_TABLE_PDS, struct bastion_spec_pd, p);
    fprintf(out, "    capabilities:\n");
    for (uint32_t i = 0; i < s->cap_count; i++) {
        const struct bastion_spec_cap *c =
            LAYOUT_ENTRY(l, BASTION_TABLE_CAPS, struct bastion_spec_cap, s->first_cap + i);
        fprintf(out, "      slot %3u  ", c->slot);
        if (c->kind == BASTION_CAP_OBJECT) {
            const struct bastion_spec_object *o =
                LAYOUT_ENTRY(l, BASTION_TABLE_OBJECTS, struct bastion_spec_object, c->index);
            fprintf(out, "%s of %s", layout_object_type_name(o->type),
                    VEC_AT(&m->pds, struct model_pd, o->pd)->name);
        } else if (c->kind == BASTION_CAP_IRQ) {
            fprintf(out, "irq handler %u", VEC_AT(&m->irqs, struct model_irq, c->index)->id);
        } else {
            fprintf(out, "ioport %u", VEC_AT(&m->ioports, struct model_ioport, c->index)->id);
        }
        if (c->badge)
            fprintf(out, ", badge 0x%" PRIx64, c->badge);
        fputc('\n', out);
    }
}

static void report_pds(FILE *out, const struct model *m, const struct layout *l)
{
    struct report_groups g;
    MODEL_GROUP_BY(&g.maps, m->pds.count, &m->maps, struct model_map, pd);
    MODEL_GROUP_BY(&g.bars, m->pds.count, &m->bars, struct model_bar, pd);
    MODEL_GROUP_BY(&g.setvars, m->pds.count, &m->setvars, struct model_setvar, pd);
    for (uint32_t p = 0; p < m->pds.count; p++) {
        const struct model_pd *pd = VEC_AT(&m->pds, struct model_pd, p);
        fprintf(out, "protection domain %s", pd->name);
        if (pd->parent != NO_INDEX)
            fprintf(out, " (child %u of %s)", pd->child_id,
                    VEC_AT(&m->pds, struct model_pd, pd->parent)->name);
        fprintf(out, "\n    priority %u, budget %" PRIu64 " us per %" PRIu64 " us%s, cpu %u",
                pd->priority, pd->budget, pd->period, pd->passive ? ", passive" : "", pd->cpu);
        if (pd->domain_name)
            fprintf(out, ", domain %s", pd->domain_name);
        report_pd_supervision(out, pd);
        fputc('\n', out);
        report_pd_memory(out, m, &g, p);
        report_pd_setvars(out, m, &g, p);
        report_pd_caps(out, m, l, p);
        fputc('\n', out);
    }
    model_groups_free(&g.maps);
    model_groups_free(&g.bars);
    model_groups_free(&g.setvars);
}

static void report_regions_channels(FILE *out, const struct model *m)
{
    fprintf(out, "memory regions\n");
    for (size_t i = 0; i < m->regions.count; i++) {
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, i);
        fprintf(out, "    %-20s size 0x%" PRIx64 ", pages of 0x%" PRIx64, r->name, r->size,
                r->page_size);
        if (r->has_phys)
            fprintf(out, ", at 0x%" PRIx64, r->phys_addr);
        if (r->platform == REGION_PLATFORM_HPET)
            fprintf(out, r->has_phys ? ", the HPET (checked against ACPI)"
                                     : ", the HPET (its address from ACPI)");
        if (r->prefill)
            fprintf(out, ", prefilled from %s", r->prefill);
        fputc('\n', out);
    }
    fprintf(out, "\nchannels\n");
    for (size_t i = 0; i < m->channels.count; i++) {
        const struct model_channel *ch = VEC_AT(&m->channels, struct model_channel, i);
        const struct model_end *a = &ch->end[0], *b = &ch->end[1];
        fprintf(out, "    %s:%u %s%s <-> %s:%u %s%s\n", a->pd_name, a->id,
                a->notify ? "notify " : "", a->pp ? "pp" : "", b->pd_name, b->id,
                b->notify ? "notify " : "", b->pp ? "pp" : "");
    }
}

static void report_irqs_objects(FILE *out, const struct model *m, const struct layout *l)
{
    fprintf(out, "\ninterrupts\n");
    for (size_t i = 0; i < m->irqs.count; i++) {
        const struct model_irq *irq = VEC_AT(&m->irqs, struct model_irq, i);
        const char *pd = VEC_AT(&m->pds, struct model_pd, irq->pd)->name;
        if (irq->kind == IRQ_IOAPIC)
            fprintf(out, "    %s:%u  IOAPIC %u pin %u, %s-triggered, active %s\n", pd, irq->id,
                    irq->ioapic, irq->pin, irq->trigger == TRIGGER_LEVEL ? "level" : "edge",
                    irq->polarity == POLARITY_LOW ? "low" : "high");
        else
            fprintf(out, "    %s:%u  MSI vector %u of %02x:%02x.%x\n", pd, irq->id, irq->msi_vector,
                    irq->pci.bus, irq->pci.dev, irq->pci.fn);
    }
    fprintf(out, "\nkernel objects\n");
    uint64_t totals[BASTION_OBJ_FRAME + 1] = {0};
    const struct vec *objects = &l->tables[BASTION_TABLE_OBJECTS];
    for (size_t i = 0; i < objects->count; i++) {
        const struct bastion_spec_object *o = VEC_AT(objects, struct bastion_spec_object, i);
        if (o->type <= BASTION_OBJ_FRAME)
            totals[o->type] += o->count;
    }
    for (uint32_t t = BASTION_OBJ_TCB; t <= BASTION_OBJ_FRAME; t++)
        fprintf(out, "    %-24s %" PRIu64 "\n", layout_object_type_name(t), totals[t]);
}

/* Guests, when there are any: the VMM PD, the vCPUs, the caps init gives the VMM and
 * each region mapped into guest-physical space. */
static void report_vms(FILE *out, const struct model *m)
{
    if (m->vms.count == 0)
        return;
    fprintf(out, "\nvirtual machines\n");
    for (size_t i = 0; i < m->vms.count; i++) {
        const struct model_vm *vm = MODEL_VM(m, i);
        fprintf(out, "    %s, run by %s: %u vcpu, VCPU in slot %u, GSPACE in slot %u\n", vm->name,
                VEC_AT(&m->pds, struct model_pd, vm->pd)->name, vm->vcpus, BASTION_SLOT_VCPU,
                BASTION_SLOT_GSPACE);
        for (size_t k = 0; k < m->vm_maps.count; k++) {
            const struct model_vm_map *map = MODEL_VM_MAP(m, k);
            if (map->vm != i)
                continue;
            const struct model_region *r = VEC_AT(&m->regions, struct model_region, map->region);
            char perms[4];
            perms_to_text(map->perms, perms);
            fprintf(out, "      gpa     0x%012" PRIx64 "-0x%012" PRIx64 " %-3s %s\n", map->gpa,
                    map->gpa + r->size - 1, perms, r->name);
        }
    }
}

void report_write(FILE *out, const struct model *m, const struct layout *l)
{
    fprintf(out,
            "Bastion system: %zu protection domains, %zu memory regions, %zu channels, "
            "%zu interrupts\n\n",
            m->pds.count, m->regions.count, m->channels.count, m->irqs.count);
    struct ram_need ram = sizes_ram_need(m);
    fprintf(out,
            "RAM needed: 0x%" PRIx64 " bytes (regions 0x%" PRIx64 ", stacks and IPC buffers "
            "0x%" PRIx64 ", program images 0x%" PRIx64 "), besides kernel objects\n\n",
            ram.total, ram.regions, ram.stacks, ram.images);
    report_pds(out, m, l);
    report_regions_channels(out, m);
    report_vms(out, m);
    report_irqs_objects(out, m, l);
    flow_report_policy(out, m);
}
